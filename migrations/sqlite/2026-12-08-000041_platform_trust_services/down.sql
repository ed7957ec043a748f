PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM trust_crls WHERE issuer_service_id IN (SELECT id FROM trust_services WHERE league_code IS NULL);
DELETE FROM trust_service_statuses WHERE service_id IN (SELECT id FROM trust_services WHERE league_code IS NULL);
DELETE FROM trust_services WHERE league_code IS NULL;
CREATE TABLE trust_services_old (
    id TEXT PRIMARY KEY NOT NULL,
    league_code TEXT NOT NULL REFERENCES leagues(code),
    service_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    certificate BLOB NOT NULL,
    self_signed BOOLEAN NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    ocsp_url TEXT,
    crl_urls TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    issuer_chain TEXT,
    UNIQUE (league_code, sha256)
);
INSERT INTO trust_services_old SELECT id, league_code, service_type, subject, issuer, sha256,
    certificate, self_signed, not_before, not_after, ocsp_url, crl_urls, status, created_at,
    issuer_chain FROM trust_services;
DROP TABLE trust_services;
ALTER TABLE trust_services_old RENAME TO trust_services;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
