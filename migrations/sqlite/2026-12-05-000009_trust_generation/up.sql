-- The trust registry's generation (sqlite). Kept in step with the other backend.

-- One row: bumped in the same transaction as every change to the registry
-- (services, statuses, revocation sources, CRLs, recognitions), so that a
-- node's cached snapshot can tell cheaply whether it is still current,
-- whichever node made the change.
CREATE TABLE trust_generation (
    id INTEGER PRIMARY KEY NOT NULL,
    generation BIGINT NOT NULL
);
INSERT INTO trust_generation (id, generation) VALUES (1, 0);

-- The issuer certificates (PEM, concatenated) supplied with an intermediate
-- whose issuer is not itself registered in its league: what its signature
-- was verified with at registration, and is verified with again on load.
ALTER TABLE trust_services ADD COLUMN issuer_chain TEXT;
