DROP TABLE contract_signatures;
DROP TABLE contracts;
