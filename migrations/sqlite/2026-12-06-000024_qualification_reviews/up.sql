-- The purchaser's qualification review before the room (issue 21):
-- government procurement by tendering, 87号令 第44条 ("开标结束后，采购人
-- 或者采购代理机构应当依法对投标人的资格进行审查；合格投标人不足3家的，
-- 不得评标"). One finding per bid that the opening found valid, recorded by
-- the tender's tenderer or agent (or its league's operator): qualified or
-- not, the reason (required when not), and the document judged. reason is
-- '' for a qualified bid without a remark.
CREATE TABLE qualification_findings (
    bid_id TEXT PRIMARY KEY NOT NULL REFERENCES bids (id),
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    qualified BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    document TEXT NOT NULL,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP NOT NULL
);
CREATE INDEX qualification_findings_tender ON qualification_findings (tender_id);

-- The review concluded, once per tender: how many bids were reviewed and
-- found qualified, the minimum applied, and whether the procedure goes on
-- to the room (passed) or failed by rule.
CREATE TABLE qualification_conclusions (
    tender_id TEXT PRIMARY KEY NOT NULL REFERENCES tenders (id),
    reviewed INTEGER NOT NULL,
    qualified INTEGER NOT NULL,
    minimum INTEGER NOT NULL,
    passed BOOLEAN NOT NULL,
    concluded_by TEXT REFERENCES users (id),
    concluded_at TIMESTAMP NOT NULL
);
