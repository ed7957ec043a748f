-- Bidders sealed until the opening (招标投标法 第22条). Before a tender's
-- opening starts, supervisors see its collusion alerts with the bidders
-- named by label (bidder 1, 2, ...), never by name. A bidder's label is
-- given the first time an alert names it, and stays the same for every
-- alert on that tender.
CREATE TABLE sealed_bidder_labels (
    tender_id TEXT NOT NULL REFERENCES tenders (id),
    bidder_org_id TEXT NOT NULL REFERENCES organisations (id),
    label INTEGER NOT NULL,
    PRIMARY KEY (tender_id, bidder_org_id),
    UNIQUE (tender_id, label)
);

-- An alert's summary with its bidders by label, shown instead of the
-- summary until the opening (null for alerts raised before this column:
-- those show only their kind until then).
ALTER TABLE supervision_alerts ADD COLUMN sealed_summary TEXT;
