-- Banks that tell the platform a trade's deposit arrived (issue 25). Each
-- serves one league's trades and signs its notifications with HMAC-SHA256
-- under its key (32 random bytes, made by `ggzy banks add` and handed to
-- the bank out of band).
CREATE TABLE deposit_banks (
    code TEXT PRIMARY KEY NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues (code),
    name TEXT NOT NULL,
    hmac_key BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- Each notification a bank sent, once per (bank, reference): the same
-- reference again is answered as before and changes nothing.
CREATE TABLE deposit_notifications (
    bank_code TEXT NOT NULL REFERENCES deposit_banks (code),
    reference TEXT NOT NULL,
    tender_id TEXT NOT NULL REFERENCES auction_trades (tender_id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    amount_fen BIGINT NOT NULL,
    paid_at TIMESTAMP NOT NULL,
    body_sha256 TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (bank_code, reference)
);
