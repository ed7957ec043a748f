DROP TABLE objections;
DROP TABLE bid_openings;
DROP TABLE openings;
DROP TABLE bids;
DROP TABLE bid_uploads;
DROP TABLE opening_shares;
DROP TABLE opening_keys;
DROP TABLE custody_certificates;
ALTER TABLE tenders DROP COLUMN seal_required;
