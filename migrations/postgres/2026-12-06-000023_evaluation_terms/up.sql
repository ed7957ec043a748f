-- The procedure's terms the evaluation applies (subject, ceiling price,
-- bid validity, qualification and compliance items, the small-enterprise
-- deduction) and each lot's own method and ceiling.
ALTER TABLE tenders ADD COLUMN terms_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tender_lots ADD COLUMN evaluation_json TEXT;
ALTER TABLE tender_lots ADD COLUMN ceiling_price_fen BIGINT;
