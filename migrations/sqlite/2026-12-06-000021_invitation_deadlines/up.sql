-- Invitations to a committee are answered by a deadline: `answer_by` is
-- when an invitation lapses (null for invitations made before deadlines
-- existed, which never lapse); `answer_minutes` is the window the draw
-- gave its invitations, fixed when the committee is drawn so that every
-- replacement of that committee gets the same (null for committees drawn
-- before deadlines existed: their replacements get the default window).
ALTER TABLE committee_members ADD COLUMN answer_by TIMESTAMP;
ALTER TABLE draws ADD COLUMN answer_minutes INTEGER;
-- The expiry sweep looks for open invitations past their deadline.
CREATE INDEX committee_members_answer_by ON committee_members (status, answer_by);
