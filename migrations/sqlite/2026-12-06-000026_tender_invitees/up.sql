-- The enterprises an invited tender invites (issue 21; 招标投标法 第17条,
-- 政府采购法 第34条): by unified social credit code, at least three, kept
-- in the order the tenderer gave them (`position`, from 1). Written with
-- the draft, replaced when the draft is edited, fixed at publication.
-- org_id: the registered organisation holding the code when the
-- invitation went out (null before publication, or if none was
-- registered then); invited_at: the publication that sent the invitation;
-- notified_users: how many of that organisation's bidding accounts were
-- sent the invitation on the platform (0: the tenderer sends it itself).
-- Who is invited is shown only to the tender's managers, supervisors in
-- scope and operators (src/tenders/invitees.rs).
CREATE TABLE tender_invitees (
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    credit_code TEXT NOT NULL,
    position INTEGER NOT NULL,
    org_id TEXT REFERENCES organisations (id),
    invited_at TIMESTAMP,
    notified_users INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tender_id, credit_code)
);
CREATE INDEX tender_invitees_code ON tender_invitees (credit_code);
