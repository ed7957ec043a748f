DROP INDEX committee_members_answer_by;
ALTER TABLE draws DROP COLUMN answer_minutes;
ALTER TABLE committee_members DROP COLUMN answer_by;
