-- What the platform wrote in a notice, as message keys and their params
-- (JSON, `tenders::notice_words::NoticeWords`), beside the Chinese title
-- and body, for the portal to say it in the reader's language. Null for
-- notices written by people and for those published before this column:
-- their words are read back from their text (`notice_words::derive`).
ALTER TABLE notices ADD COLUMN words_json TEXT;
