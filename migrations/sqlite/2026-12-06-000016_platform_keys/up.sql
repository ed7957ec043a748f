-- The platform's identity: the public keys every node must hold, one row per
-- purpose (audit_log, trust_list, tsa, platform_custodian), recorded by the
-- first node that starts with them. A node whose key of a purpose has
-- another fingerprint refuses to start. spki_sha256 is the lower-case hex
-- SHA-256 of the key's DER SubjectPublicKeyInfo.
CREATE TABLE platform_keys (
    purpose TEXT PRIMARY KEY NOT NULL,
    algorithm TEXT NOT NULL,
    spki_sha256 TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL
);
