-- How far into the audit log supervisors' alerts have been computed. A
-- server that stops between a round of the sequencer and that round's alerts
-- finds the rest here when it starts again. An existing log is taken as
-- computed through its head.
ALTER TABLE audit_log_head ADD COLUMN alerts_through BIGINT NOT NULL DEFAULT 0;
UPDATE audit_log_head SET alerts_through = tree_size;
