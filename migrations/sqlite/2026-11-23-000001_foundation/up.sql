-- Foundation schema (SQLite). Kept in step with migrations/postgres.
CREATE TABLE leagues (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_region TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT UNIQUE,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (league_code, name)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    league_code TEXT REFERENCES leagues(code),
    organisation_id TEXT REFERENCES organisations(id),
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    tender_id TEXT,
    client_addr TEXT,
    request_id TEXT,
    payload_sha256 TEXT NOT NULL
);
CREATE INDEX audit_events_tender ON audit_events(tender_id);

CREATE TABLE tenders (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    method TEXT NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    tenderer_org_id TEXT NOT NULL REFERENCES organisations(id),
    agent_org_id TEXT REFERENCES organisations(id),
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    currency TEXT NOT NULL,
    evaluation_json TEXT NOT NULL,
    documents_available_at TIMESTAMP NOT NULL,
    clarification_deadline TIMESTAMP NOT NULL,
    bid_deadline TIMESTAMP NOT NULL,
    publicity_days INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_changed_at TIMESTAMP NOT NULL,
    amendment_version INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tenders_status ON tenders(status);
CREATE INDEX tenders_league ON tenders(league_code);

CREATE TABLE tender_lots (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    budget_fen BIGINT NOT NULL CHECK (budget_fen >= 0),
    PRIMARY KEY (tender_id, number)
);

CREATE TABLE tender_documents (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    title TEXT NOT NULL,
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    amendment_version INTEGER
);
CREATE INDEX tender_documents_tender ON tender_documents(tender_id);

CREATE TABLE notices (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    release_json TEXT NOT NULL,
    PRIMARY KEY (tender_id, seq)
);
CREATE INDEX notices_published ON notices(published_at);

CREATE TABLE clarifications (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    number INTEGER,
    question TEXT NOT NULL,
    asked_by TEXT NOT NULL REFERENCES users(id),
    asked_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_at TIMESTAMP,
    UNIQUE (tender_id, number)
);
