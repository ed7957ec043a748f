-- Objections and complaints (issue 22): one model of 异议 (tendering law)
-- and 质疑 (government procurement) with a typed subject, and the
-- complaints (投诉) escalated from them to the administrative supervisor.
--
-- The objections raised at openings until now become subject 'opening'
-- (answered on the spot: no answer clock). answer_due_at is the answer
-- clock fixed when the objection was filed (the calendar of that day).
ALTER TABLE objections ADD COLUMN subject TEXT NOT NULL DEFAULT 'opening';
ALTER TABLE objections ADD COLUMN answer_due_at TIMESTAMP;

-- A complaint on one objection, by whoever raised it. status: filed,
-- accepted, refused, decided. accept_due_at: the supervisor's time to
-- accept or refuse; decide_due_at: to decide (set on acceptance for the
-- tendering law, on filing for government procurement). notice_seq: the
-- public notice of the decision.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    objection_id TEXT NOT NULL UNIQUE REFERENCES objections (id),
    filed_by TEXT NOT NULL REFERENCES users (id),
    filer_org_id TEXT REFERENCES organisations (id),
    text TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    accept_due_at TIMESTAMP NOT NULL,
    decide_due_at TIMESTAMP,
    status TEXT NOT NULL,
    handled_by TEXT REFERENCES users (id),
    accepted_at TIMESTAMP,
    refusal TEXT,
    decision TEXT,
    upheld BOOLEAN,
    decided_at TIMESTAMP,
    notice_seq INTEGER
);
CREATE INDEX complaints_tender ON complaints (tender_id);

-- Suspensions of a procedure ordered by the supervisor handling a
-- complaint; in force from suspended_at until resumed_at (or until, when
-- the law bounds it).
CREATE TABLE procedure_suspensions (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    reason TEXT NOT NULL,
    suspended_by TEXT NOT NULL REFERENCES users (id),
    suspended_at TIMESTAMP NOT NULL,
    until TIMESTAMP,
    resumed_by TEXT REFERENCES users (id),
    resumed_at TIMESTAMP
);
CREATE INDEX procedure_suspensions_tender ON procedure_suspensions (tender_id);
