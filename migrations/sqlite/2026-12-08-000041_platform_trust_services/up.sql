-- A trust service may belong to the platform itself rather than to a
-- league (league_code NULL): the platform's staff CA, which certifies the
-- platform's own operators (accounts of no league). No league lists it and
-- no league can recognise it; it vouches for nothing but the sign-in of a
-- platform operator (`identity::policy::signin_vouching`).
-- SQLite cannot drop a NOT NULL: the table is rebuilt the way SQLite
-- documents (https://sqlite.org/lang_altertable.html#otheralter): foreign
-- keys off outside a transaction (this migration runs outside diesel's,
-- metadata.toml), the rebuild in one transaction, checked, keys on again.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE trust_services_new (
    id TEXT PRIMARY KEY NOT NULL,
    league_code TEXT REFERENCES leagues(code),
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
INSERT INTO trust_services_new (id, league_code, service_type, subject, issuer, sha256,
    certificate, self_signed, not_before, not_after, ocsp_url, crl_urls, status, created_at,
    issuer_chain)
SELECT id, league_code, service_type, subject, issuer, sha256, certificate, self_signed,
    not_before, not_after, ocsp_url, crl_urls, status, created_at, issuer_chain
FROM trust_services;
DROP TABLE trust_services;
ALTER TABLE trust_services_new RENAME TO trust_services;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
