-- Trust fabric: league trust services with status history, mutual
-- recognition, revocation lists, certificate identities and sessions.
CREATE TABLE trust_services (
    id TEXT PRIMARY KEY NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    service_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    certificate BLOB NOT NULL,
    self_signed BOOLEAN NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    ocsp_url TEXT,
    crl_urls TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (league_code, sha256)
);

CREATE TABLE trust_service_statuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id TEXT NOT NULL REFERENCES trust_services(id),
    status TEXT NOT NULL,
    effective_from TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX trust_service_statuses_service ON trust_service_statuses(service_id);

CREATE TABLE trust_recognitions (
    id TEXT PRIMARY KEY NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    recognised_league TEXT NOT NULL REFERENCES leagues(code),
    service_type TEXT NOT NULL,
    effective_from TIMESTAMP NOT NULL,
    effective_until TIMESTAMP,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT
);

CREATE TABLE trust_crls (
    sha256 TEXT PRIMARY KEY NOT NULL,
    issuer TEXT NOT NULL,
    issuer_service_id TEXT NOT NULL REFERENCES trust_services(id),
    der BLOB NOT NULL,
    this_update TIMESTAMP NOT NULL,
    next_update TIMESTAMP,
    source_url TEXT,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE user_identities (
    kind TEXT NOT NULL,
    identifier TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, identifier)
);

CREATE TABLE login_challenges (
    id TEXT PRIMARY KEY NOT NULL,
    challenge TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    method TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL,
    cert_subject TEXT NOT NULL,
    certificate BLOB NOT NULL,
    profile TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    client_addr TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_cert ON sessions(cert_sha256);
