ALTER TABLE audit_log_head DROP COLUMN alerts_through;
