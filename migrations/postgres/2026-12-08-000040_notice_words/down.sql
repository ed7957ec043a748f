ALTER TABLE notices DROP COLUMN words_json;
