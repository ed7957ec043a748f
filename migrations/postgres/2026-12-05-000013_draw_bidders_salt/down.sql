ALTER TABLE draws DROP COLUMN bidders_salt;
