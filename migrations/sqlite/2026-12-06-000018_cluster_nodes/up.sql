-- The nodes of the platform: each running `ggzy serve` keeps its row
-- fresh (a heartbeat every few seconds), so every node can say at /readyz
-- which peers it is running with.
CREATE TABLE cluster_nodes (
    node_id TEXT PRIMARY KEY NOT NULL,
    started_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    version TEXT NOT NULL,
    listen TEXT NOT NULL,
    duties TEXT NOT NULL DEFAULT ''
);

-- Which node is decrypting an opening, until when: a lease the runner
-- renews while it works. A node that dies mid-opening stops renewing, and
-- another takes the opening over once the lease has run out; what was
-- recorded stays recorded (each bid once), the rest is opened by the new
-- runner.
ALTER TABLE openings ADD COLUMN runner TEXT;
ALTER TABLE openings ADD COLUMN runner_until TIMESTAMP;
