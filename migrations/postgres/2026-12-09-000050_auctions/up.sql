-- Trades found by price (issue 25): a tender of land or mining rights
-- listed or auctioned, or state-owned property bid for online, runs as a
-- trade whose winner is the highest valid quote (auctions::engine).
-- terms_json: the engine's Terms (kind, prices, periods, countdown);
-- deposit_fen: the deposit an applicant pays before it may quote (0: none).
CREATE TABLE auction_trades (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders (id),
    kind TEXT NOT NULL,
    terms_json TEXT NOT NULL,
    deposit_fen BIGINT NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Who applied (竞买申请), whether the organiser qualified them, whether
-- their deposit arrived, and the anonymous number (竞买号) a qualified
-- applicant with its deposit quotes under. status: applied | qualified |
-- refused. deposit_source: organiser | bank. Read by the applicant itself
-- and the tender's managers; the public and other bidders see numbers only.
CREATE TABLE auction_applicants (
    tender_id TEXT NOT NULL REFERENCES auction_trades (tender_id),
    org_id TEXT NOT NULL REFERENCES organisations (id),
    applied_by TEXT NOT NULL REFERENCES users (id),
    applied_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    reason TEXT,
    deposit_confirmed_at TIMESTAMP,
    deposit_source TEXT,
    deposit_reference TEXT,
    number TEXT,
    PRIMARY KEY (tender_id, org_id),
    UNIQUE (tender_id, number)
);
-- The trade's record: every event the engine made, in order, each at the
-- instant it took effect (a quote's: the server's time under the tender's
-- lock; a time-driven one's: when it was due). A quote carries who made it
-- (actor_id, the user; org_id) and the client's id for the request, once
-- per organisation; amount_fen is unique per trade, so that two quotes at
-- one price can never both be accepted whatever happens above. The RFC
-- 3161 token over the quote's receipt is stored with it.
CREATE TABLE auction_events (
    tender_id TEXT NOT NULL REFERENCES auction_trades (tender_id),
    seq BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    org_id TEXT REFERENCES organisations (id),
    client_id TEXT,
    amount_fen BIGINT,
    timestamp_token BYTEA,
    PRIMARY KEY (tender_id, seq),
    UNIQUE (tender_id, org_id, client_id),
    UNIQUE (tender_id, amount_fen)
);
