-- Sessions opened on the database itself with `ggzy database shell`: the
-- platform operators' access outside the API, the one exception to the
-- sealing of bidders before the opening. Each row has its
-- database.session.open and .close events in the audit log, whose payload
-- hashes cover these columns.
CREATE TABLE database_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    os_user TEXT NOT NULL,
    reason TEXT NOT NULL,
    statement TEXT,
    closed_at TIMESTAMP,
    exit_code INTEGER
);
