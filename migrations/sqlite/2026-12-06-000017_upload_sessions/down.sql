ALTER TABLE bid_uploads DROP COLUMN claimed_until;
ALTER TABLE bid_uploads DROP COLUMN claimed_by;
