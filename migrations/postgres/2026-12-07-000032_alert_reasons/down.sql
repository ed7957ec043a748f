ALTER TABLE supervision_alerts DROP COLUMN sealed_params_json;
ALTER TABLE supervision_alerts DROP COLUMN sealed_reason;
ALTER TABLE supervision_alerts DROP COLUMN params_json;
ALTER TABLE supervision_alerts DROP COLUMN reason;
