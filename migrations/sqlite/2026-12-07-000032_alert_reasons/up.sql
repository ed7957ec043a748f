-- What an alert says as a stable key and the values its sentence names
-- (JSON), for the portal to say it in the user's language: as the
-- supervisors who see the bidders read it (`reason`, `params_json`), and
-- as it reads while they are sealed, the bidders by label
-- (`sealed_reason`, `sealed_params_json`). Null for alerts raised before
-- these columns: their English summary is all they say.
ALTER TABLE supervision_alerts ADD COLUMN reason TEXT;
ALTER TABLE supervision_alerts ADD COLUMN params_json TEXT;
ALTER TABLE supervision_alerts ADD COLUMN sealed_reason TEXT;
ALTER TABLE supervision_alerts ADD COLUMN sealed_params_json TEXT;
