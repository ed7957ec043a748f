-- A trust service may belong to the platform itself rather than to a
-- league (league_code NULL): the platform's staff CA, which certifies the
-- platform's own operators (accounts of no league). No league lists it and
-- no league can recognise it; it vouches for nothing but the sign-in of a
-- platform operator (`identity::policy::signin_vouching`).
ALTER TABLE trust_services ALTER COLUMN league_code DROP NOT NULL;
