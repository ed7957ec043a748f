DELETE FROM trust_crls WHERE issuer_service_id IN (SELECT id FROM trust_services WHERE league_code IS NULL);
DELETE FROM trust_service_statuses WHERE service_id IN (SELECT id FROM trust_services WHERE league_code IS NULL);
DELETE FROM trust_services WHERE league_code IS NULL;
ALTER TABLE trust_services ALTER COLUMN league_code SET NOT NULL;
