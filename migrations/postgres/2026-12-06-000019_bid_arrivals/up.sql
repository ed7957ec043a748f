-- Bids that arrived in time and are still being checked on some node:
-- the opening of their tender does not begin decrypting while any of them
-- is here (and its node alive), so a bid received on one node is never
-- left out by an opening started on another. A row lives for the length
-- of one check; a dead node's rows are ignored, then removed.
CREATE TABLE bid_arrivals (
    id TEXT PRIMARY KEY NOT NULL,
    tender_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL
);
CREATE INDEX bid_arrivals_tender ON bid_arrivals (tender_id);
