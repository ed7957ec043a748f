ALTER TABLE trust_services DROP COLUMN issuer_chain;
DROP TABLE trust_generation;
