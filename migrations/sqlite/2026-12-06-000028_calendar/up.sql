-- The working-day calendar (issue 22): per year, the public holidays and
-- the official make-up working days (调休). Days not listed are working
-- days Monday to Friday and rest days on Saturday and Sunday. The years the
-- binary ships (src/calendar/shipped.rs) are inserted at start-up when
-- absent; platform operators replace a year through PUT
-- /api/v1/calendar/{year} (audited as calendar.year_replaced).
-- official: the State Council's published arrangement, or only the
-- statutory holidays awaiting it; changed_by: the operator who last
-- replaced the year (null: as shipped).
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY NOT NULL,
    official BOOLEAN NOT NULL,
    source TEXT NOT NULL,
    changed_by TEXT,
    changed_at TIMESTAMP NOT NULL
);
-- day: the Beijing date, 'YYYY-MM-DD', within its year.
CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL REFERENCES calendar_years (year),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days (year);
-- Each replacement of a year by an operator: the audit event
-- (calendar.year_replaced) holds only its payload's hash, so the payload
-- itself (the year before and after, canonical JSON) is kept here and can
-- be checked against it.
CREATE TABLE calendar_changes (
    id TEXT PRIMARY KEY NOT NULL,
    year INTEGER NOT NULL,
    changed_by TEXT,
    changed_at TIMESTAMP NOT NULL,
    payload TEXT NOT NULL
);
