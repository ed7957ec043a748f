-- The tenderer's representatives on a committee (招标人的代表, 招标投标法
-- 第37条; 采购人代表, 财政部令第87号 第47条): named by the organiser with the
-- draw's rules, not drawn. Each sits in the room as the member
-- "rep-<user_id>"; status is accepted, or recused once it leaves.
CREATE TABLE committee_representatives (
    tender_id TEXT NOT NULL REFERENCES draws(tender_id),
    user_id TEXT NOT NULL REFERENCES users(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    league_code TEXT NOT NULL,
    venue_league TEXT NOT NULL,
    status TEXT NOT NULL,
    named_at TIMESTAMP NOT NULL,
    left_at TIMESTAMP,
    reason TEXT,
    PRIMARY KEY (tender_id, user_id)
);
CREATE INDEX committee_representatives_user ON committee_representatives(user_id);
