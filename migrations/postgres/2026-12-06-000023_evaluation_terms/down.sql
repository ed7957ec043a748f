ALTER TABLE tender_lots DROP COLUMN ceiling_price_fen;
ALTER TABLE tender_lots DROP COLUMN evaluation_json;
ALTER TABLE tenders DROP COLUMN terms_json;
