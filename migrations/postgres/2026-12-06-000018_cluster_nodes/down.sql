ALTER TABLE openings DROP COLUMN runner_until;
ALTER TABLE openings DROP COLUMN runner;
DROP TABLE cluster_nodes;
