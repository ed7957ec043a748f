DROP TABLE procedure_suspensions;
DROP TABLE complaints;
ALTER TABLE objections DROP COLUMN answer_due_at;
ALTER TABLE objections DROP COLUMN subject;
