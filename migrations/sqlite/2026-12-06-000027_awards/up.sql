-- The awards (定标) of a tender (issue 22): one row per lot awarded (lot 0
-- for a tender without lots), written in the award's transaction. The
-- winning bid, its supplier and the value are fixed here: the contract
-- drafted from an award cannot change them. rank_in_report: the winning
-- bid's rank in the committee's signed report (null without one);
-- reason: why another than the first-ranked wins, as the award gave it;
-- notice_seq: the public award notice that announced it.
CREATE TABLE awards (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    lot INTEGER NOT NULL,
    bid_id TEXT NOT NULL REFERENCES bids (id),
    supplier_org_id TEXT NOT NULL REFERENCES organisations (id),
    value_fen BIGINT NOT NULL,
    rank_in_report INTEGER,
    reason TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    notice_seq INTEGER,
    UNIQUE (tender_id, lot)
);
