-- The expert pool and the draw (sqlite). Kept in step with migrations/postgres.

-- The shared pool: one profile per expert account, across leagues. Contact
-- details (phone, email) are shown only to operators and the expert.
CREATE TABLE experts (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id),
    name TEXT NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    employer_name TEXT NOT NULL,
    employer_credit_code TEXT,
    -- [{"credit_code": "…", "relation": "…"}]
    related_json TEXT NOT NULL,
    -- Specialty codes, sorted.
    specialties_json TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    active BOOLEAN NOT NULL,
    available BOOLEAN NOT NULL,
    availability_note TEXT,
    availability_confirmed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX experts_league ON experts(league_code);

-- One draw per tender: the committed rules and pool snapshot (exact text,
-- as hashed), the platform's value (secret until the draw), and once drawn
-- the other seed inputs and the outcome (committee, reserves, who left).
CREATE TABLE draws (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders(id),
    rules_json TEXT NOT NULL,
    snapshot_json TEXT NOT NULL,
    platform_value TEXT NOT NULL,
    platform_commitment TEXT NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    committed_by TEXT,
    supervisor_contribution TEXT,
    contributed_by TEXT,
    tree_size BIGINT,
    tree_root BLOB,
    tree_signed_at TIMESTAMP,
    tree_note TEXT,
    bidders_json TEXT,
    -- The outcome as drawn (never changed) and as it is now (after
    -- replacements).
    drawn_json TEXT,
    outcome_json TEXT,
    drawn_at TIMESTAMP
);

-- Each expert invited to a tender's committee, and what became of it:
-- invited, accepted, declined, no_show, recused.
CREATE TABLE committee_members (
    tender_id TEXT NOT NULL REFERENCES draws(tender_id),
    expert_id TEXT NOT NULL REFERENCES experts(id),
    status TEXT NOT NULL,
    venue_league TEXT NOT NULL,
    quota TEXT,
    invited_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    reason TEXT,
    PRIMARY KEY (tender_id, expert_id)
);
CREATE INDEX committee_members_expert ON committee_members(expert_id);

-- Members who left, in order, and who took their seat: a replay of the
-- draw replays these too.
CREATE TABLE draw_replacements (
    tender_id TEXT NOT NULL REFERENCES draws(tender_id),
    n INTEGER NOT NULL,
    expert_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    replacement_id TEXT,
    occurred_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tender_id, n)
);
