-- Supervision (SQLite). Kept in step with migrations/postgres.

-- The transparency log: each audit event gets its place (leaf index) when the
-- sequencer appends it; indices run 0, 1, 2, … without gaps.
ALTER TABLE audit_events ADD COLUMN leaf_index BIGINT;
CREATE UNIQUE INDEX audit_events_leaf ON audit_events(leaf_index);
CREATE INDEX audit_events_unsequenced ON audit_events(seq) WHERE leaf_index IS NULL;
CREATE INDEX audit_events_actor ON audit_events(actor_id);
CREATE INDEX audit_events_time ON audit_events(occurred_at);
CREATE INDEX audit_events_client ON audit_events(client_addr);

-- Every perfect subtree's hash: 2^level leaves from idx * 2^level.
CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
    idx BIGINT NOT NULL CHECK (idx >= 0),
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The sequencer's position: one row.
CREATE TABLE audit_log_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    tree_size BIGINT NOT NULL,
    root_hash BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO audit_log_head (id, tree_size, root_hash, updated_at) VALUES
    (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', CURRENT_TIMESTAMP);

-- Every checkpoint the platform signed.
CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY NOT NULL,
    root_hash BLOB NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    note TEXT NOT NULL
);

-- Who supervises what: administrative supervision of one category, or
-- discipline inspection / audit of every category; in one league, or the
-- whole region when league_code is NULL.
CREATE TABLE supervisor_scopes (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    category TEXT,
    league_code TEXT REFERENCES leagues(code),
    created_at TIMESTAMP NOT NULL
);

-- Collusion and misconduct signals, computed from the events.
CREATE TABLE supervision_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    kind TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    summary TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledged_at TIMESTAMP,
    ack_note TEXT,
    UNIQUE (tender_id, kind, fingerprint)
);
CREATE INDEX supervision_alerts_tender ON supervision_alerts(tender_id);
