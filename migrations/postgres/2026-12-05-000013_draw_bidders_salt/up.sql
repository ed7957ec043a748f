-- The bidders a committee draw avoided are sealed until the tender's
-- opening (招标投标法 第22条). The draw commits to their list with a
-- SHA-256 over a random salt and the list; the salt is kept here, secret
-- until the opening, so the commitment cannot be confirmed by guessing.
-- Null for draws made before this column (their record has no commitment).
ALTER TABLE draws ADD COLUMN bidders_salt TEXT;
