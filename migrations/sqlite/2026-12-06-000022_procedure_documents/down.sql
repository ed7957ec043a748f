DROP TABLE procedure_documents;
