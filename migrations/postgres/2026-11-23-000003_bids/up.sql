-- Sealed bids: custody of each tender's opening key, the certificates
-- custodians receive shares under, upload sessions, bids with their
-- timestamped receipts, the opening and what it found, and objections.

-- The certificate a user's key shares are encrypted to: the last
-- certificate they signed in with whose key can receive CMS envelopes.
CREATE TABLE custody_certificates (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    certificate BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    subject TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A tender's opening key: only its certificate is kept whole.
CREATE TABLE opening_keys (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders(id),
    certificate BYTEA NOT NULL,
    cert_sha256 TEXT NOT NULL,
    threshold INTEGER NOT NULL,
    custodians INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One share per custodian, encrypted to the custodian's certificate.
-- share_sha256 commits to the plain share (x || y) so a wrong one is caught
-- on release; released_share holds it from release (after the deadline)
-- until the opening ends, then is erased.
CREATE TABLE opening_shares (
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    x INTEGER NOT NULL,
    custodian_kind TEXT NOT NULL,
    custodian_user_id TEXT REFERENCES users(id),
    custodian_label TEXT NOT NULL,
    custodian_cert_sha256 TEXT NOT NULL,
    encrypted_share BYTEA NOT NULL,
    share_sha256 TEXT NOT NULL,
    released_share BYTEA,
    released_at TIMESTAMP,
    released_by TEXT,
    PRIMARY KEY (tender_id, x),
    UNIQUE (tender_id, custodian_user_id)
);

-- A resumable upload: bytes go to <data_dir>/uploads/<id>.part; nothing is
-- a bid until the last byte arrives and passes the checks.
CREATE TABLE bid_uploads (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    bidder_org_id TEXT NOT NULL REFERENCES organisations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    declared_size BIGINT NOT NULL,
    declared_sha256 TEXT,
    received_bytes BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- When the last byte arrived: the time that decides the deadline.
    last_byte_at TIMESTAMP,
    completed_at TIMESTAMP,
    bid_id TEXT
);
CREATE INDEX bid_uploads_tender ON bid_uploads(tender_id);

CREATE TABLE bids (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    bidder_org_id TEXT NOT NULL REFERENCES organisations(id),
    submitted_by TEXT NOT NULL REFERENCES users(id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL,
    content_type TEXT NOT NULL,
    outer_signed BOOLEAN NOT NULL,
    signer_cert_sha256 TEXT NOT NULL,
    signer_subject TEXT NOT NULL,
    client_addr TEXT,
    received_at TIMESTAMP NOT NULL,
    timestamp_token BYTEA NOT NULL,
    receipt_json TEXT NOT NULL,
    withdrawn_at TIMESTAMP,
    UNIQUE (tender_id, bidder_org_id, version)
);
CREATE INDEX bids_tender ON bids(tender_id);

CREATE TABLE openings (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders(id),
    status TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    decrypting_at TIMESTAMP,
    completed_at TIMESTAMP,
    valid_bids INTEGER,
    record_json TEXT
);

-- What the opening found in each bid that counted.
CREATE TABLE bid_openings (
    bid_id TEXT PRIMARY KEY NOT NULL REFERENCES bids(id),
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    outcome TEXT NOT NULL,
    reason TEXT,
    signer_subject TEXT,
    signing_time TIMESTAMP,
    sealed BOOLEAN NOT NULL,
    seal_name TEXT,
    total_price_fen BIGINT,
    duration_days INTEGER,
    schedule_json TEXT,
    opened_at TIMESTAMP NOT NULL
);
CREATE INDEX bid_openings_tender ON bid_openings(tender_id);

CREATE TABLE objections (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders(id),
    raised_by TEXT NOT NULL REFERENCES users(id),
    bidder_org_id TEXT REFERENCES organisations(id),
    text TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by TEXT REFERENCES users(id),
    answered_at TIMESTAMP
);
CREATE INDEX objections_tender ON objections(tender_id);

-- Whether bids must carry the enterprise's electronic seal signature.
ALTER TABLE tenders ADD COLUMN seal_required BOOLEAN NOT NULL DEFAULT FALSE;
