-- Evaluation rooms (postgres). Kept in step with migrations/sqlite.

-- One room per tender: what it was set up with (criteria, the bids and
-- whose they are, the members, blind or not, the deviation threshold).
CREATE TABLE evaluation_rooms (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders(id),
    setup_json TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    opened_by TEXT
);

-- The room's events, numbered per room from 1 without gaps; the room's
-- state is their fold. An action's client id is kept so that a message
-- sent twice is applied once.
CREATE TABLE room_events (
    tender_id TEXT NOT NULL REFERENCES evaluation_rooms(tender_id),
    seq BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    actor_id TEXT,
    client_id TEXT,
    payload_json TEXT NOT NULL,
    PRIMARY KEY (tender_id, seq)
);
CREATE UNIQUE INDEX room_events_client ON room_events(tender_id, actor_id, client_id);
