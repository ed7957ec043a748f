ALTER TABLE supervision_alerts DROP COLUMN sealed_summary;
DROP TABLE sealed_bidder_labels;
