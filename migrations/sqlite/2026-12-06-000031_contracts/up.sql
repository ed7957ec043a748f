-- Contracts (issue 22): one per award, drafted by the tender's managers
-- from it. The supplier, lot and value are the award's (招标投标法实施条例
-- 第57条); terms_json holds the editable terms (see contracts::rules).
-- status: draft | signing | signed | published. document: the canonical
-- bytes both parties sign, frozen at the first signature (null while a
-- draft); document_sha256 its lower-case hex SHA-256. publish_by: the end
-- of the legal publication period (government procurement: 2 working days
-- after signing, 政府采购法实施条例 第50条), null where none applies.
-- withheld_json: the clauses left out of the public view as state or
-- commercial secrets (a JSON array of clause numbers).
CREATE TABLE contracts (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    award_id TEXT NOT NULL UNIQUE REFERENCES awards (id),
    lot INTEGER NOT NULL,
    purchaser_org_id TEXT NOT NULL REFERENCES organisations (id),
    supplier_org_id TEXT NOT NULL REFERENCES organisations (id),
    value_fen BIGINT NOT NULL,
    currency TEXT NOT NULL,
    terms_json TEXT NOT NULL,
    status TEXT NOT NULL,
    document BLOB,
    document_sha256 TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    signed_at TIMESTAMP,
    publish_by TIMESTAMP,
    published_at TIMESTAMP,
    notice_seq INTEGER,
    withheld_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX contracts_tender ON contracts (tender_id);
-- Each party's signatures over the contract's document: a detached CMS
-- SignedData (DER) with its certificate and a GB/T 38540 seal signature
-- (SES_Signature, DER) with its electronic seal. party: purchaser |
-- supplier.
CREATE TABLE contract_signatures (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    party TEXT NOT NULL,
    cms BLOB NOT NULL,
    seal_signature BLOB NOT NULL,
    signer_subject TEXT NOT NULL,
    signer_cert_sha256 TEXT NOT NULL,
    seal_name TEXT NOT NULL,
    seal_id TEXT NOT NULL,
    signed_by TEXT NOT NULL REFERENCES users (id),
    signed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (contract_id, party)
);
