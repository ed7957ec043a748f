-- The opening hall: each tender's live events, numbered 1, 2, 3, … without
-- gaps, in the order their transactions committed. Clients resume by number.
CREATE TABLE hall_events (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    seq BIGINT NOT NULL CHECK (seq >= 1),
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    PRIMARY KEY (tender_id, seq)
) WITHOUT ROWID;
