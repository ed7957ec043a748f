-- A trade's sealed reserve price (底价, issue 25): the organiser's plain
-- text encrypted to the tender's opening certificate (CMS, one recipient:
-- that certificate), whose key is split among the tender's custodians,
-- and the salted SHA-256 of that plain text, its commitment, which is
-- also in the audit log. Nobody reads the value before the close: it is
-- revealed only once enough custodians release their shares after it.
CREATE TABLE auction_reserves (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES auction_trades (tender_id),
    envelope BYTEA NOT NULL,
    envelope_sha256 TEXT NOT NULL,
    commitment TEXT NOT NULL,
    sealed_by TEXT NOT NULL REFERENCES users (id),
    sealed_at TIMESTAMP NOT NULL,
    revealed_at TIMESTAMP,
    -- What the envelope held, published once revealed so that anyone can
    -- check it against the commitment (NULL if it could not be opened).
    revealed_plain BYTEA
);
