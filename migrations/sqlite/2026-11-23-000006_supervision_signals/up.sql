-- How far into the audit log supervisors' alerts have been computed. A
-- server that stops between a round of the sequencer and that round's alerts
-- finds the rest here when it starts again. An existing log is taken as
-- computed through its head.
ALTER TABLE audit_log_head ADD COLUMN alerts_through BIGINT NOT NULL DEFAULT 0;
UPDATE audit_log_head SET alerts_through = tree_size;

-- The device a bid was sent from, as the bidding client reports it (the
-- Device-Fingerprint header), and after the opening the list of a bid's
-- documents with their SHA-256 (the container's manifest): what the
-- same-device and identical-documents signals compare across bidders.
ALTER TABLE bids ADD COLUMN device_fingerprint TEXT;
ALTER TABLE bid_openings ADD COLUMN documents_manifest TEXT;
