-- A league's own certificate-policy requirement (RFC 5280 §6.1.1 (c), (e),
-- (f), (g)) per trust service type: applied by the registry to every
-- decision for the league on a service of that type, combined with a
-- request's own inputs so that a request can only tighten it.
-- initial_policies is a JSON array of dotted OIDs (empty: any policy).
-- A requirement of all defaults is no row.
CREATE TABLE league_policy_requirements (
    league TEXT NOT NULL,
    service_type TEXT NOT NULL,
    initial_policies TEXT NOT NULL,
    explicit_policy BOOLEAN NOT NULL,
    inhibit_policy_mapping BOOLEAN NOT NULL,
    inhibit_any_policy BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (league, service_type)
);
