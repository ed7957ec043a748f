-- Documents of a procedure that the platform issues and keeps (issue 20):
-- the notice of award (中标通知书) to the winner and the result notice to
-- every other bidder, each signed by the platform's document-signing key
-- as CMS SignedData (DER, the content attached), written in the award's
-- transaction. kind: award_notice | result_notice. sha256 is the lower-case
-- hex SHA-256 of `signed`. One document of a kind per recipient and tender.
CREATE TABLE procedure_documents (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    kind TEXT NOT NULL,
    recipient_org_id TEXT NOT NULL REFERENCES organisations (id),
    sha256 TEXT NOT NULL,
    signed BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (tender_id, kind, recipient_org_id)
);
CREATE INDEX procedure_documents_recipient ON procedure_documents (recipient_org_id);
