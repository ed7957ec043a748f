ALTER TABLE bid_openings DROP COLUMN documents_manifest;
ALTER TABLE bids DROP COLUMN device_fingerprint;
ALTER TABLE audit_log_head DROP COLUMN alerts_through;
