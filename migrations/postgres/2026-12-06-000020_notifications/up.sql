-- Notifications (issue 20). A notification is one message to one user,
-- written in the transaction of the change that causes it: it is that
-- user's inbox entry at once, and, where the user has a verified address
-- and wants it, one row of the e-mail outbox, which a worker (one node at a
-- time) delivers over SMTP or to .eml files.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- What caused it (e.g. "tender:<id>:published"): unique per user, so a
    -- cause recorded twice never notifies twice.
    cause TEXT NOT NULL,
    tender_id TEXT,
    -- The league whose operators see its delivery problems.
    league_code TEXT,
    -- Whether the message says who bid on a tender not yet opened: then
    -- operators see its delivery state but not its recipient or content.
    sealed BOOLEAN NOT NULL DEFAULT FALSE,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    link TEXT,
    -- [{"filename", "media_type", "sha256"}]: files in the blob store.
    attachments_json TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    -- Whether the user's inbox lists it: a verification link is only in
    -- the e-mail (in the inbox it would prove nothing about the address).
    in_inbox BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (user_id, cause)
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE email_deliveries (
    notification_id TEXT PRIMARY KEY NOT NULL,
    address TEXT NOT NULL,
    message_id TEXT NOT NULL,
    -- pending | sending | sent | dead
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Who is sending it (a process of a node) and since when: a row left
    -- "sending" by a process that died is sent again, same Message-ID.
    sending_by TEXT,
    sending_since TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX email_deliveries_due ON email_deliveries (state, next_attempt_at);

-- A user's e-mail address, language and choices.
CREATE TABLE notification_settings (
    user_id TEXT PRIMARY KEY NOT NULL,
    email TEXT,
    email_verified_at TIMESTAMP,
    language TEXT NOT NULL,
    -- Optional kinds the user switched off (JSON array of kind codes).
    muted_json TEXT NOT NULL,
    -- Opt-in kinds the user switched on (supervision alerts).
    wanted_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Single-use links that verify an address; only the token's hash is kept.
CREATE TABLE email_verifications (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- Categories (and a league, or '*' for every league) whose new tenders a
-- user is told of.
CREATE TABLE notification_subscriptions (
    user_id TEXT NOT NULL,
    category TEXT NOT NULL,
    league_code TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, category, league_code)
);

-- Who took a tender's documents (the first download by each user): they
-- are told of every amendment and answered clarification
-- (招标投标法实施条例 第21条). As sealed as the bidders: read only to notify.
CREATE TABLE document_takers (
    tender_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    organisation_id TEXT,
    first_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, user_id)
);
