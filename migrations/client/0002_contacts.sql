-- Contacts, the children they concern, and measurements: projections of
-- the family documents for the worklist, growth and reports.

ALTER TABLE people ADD COLUMN antenatal_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN birth_recorded INTEGER NOT NULL DEFAULT 0;

CREATE TABLE contacts (
    id               TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    at               TEXT NOT NULL,
    date             TEXT NOT NULL,
    duration_minutes INTEGER,
    location         TEXT NOT NULL,
    mechanism        TEXT NOT NULL,
    attendance       TEXT NOT NULL,
    declined_reason  TEXT,
    practitioner     TEXT NOT NULL,
    role             TEXT NOT NULL,
    accountable_hv   TEXT,
    asq3_completed   INTEGER NOT NULL,
    status           TEXT NOT NULL,
    entered_in_error INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_family ON contacts(family_id);
CREATE INDEX contacts_date ON contacts(date);

CREATE TABLE contact_subjects (
    contact_id TEXT NOT NULL,
    person_id  TEXT NOT NULL,
    family_id  TEXT NOT NULL,
    PRIMARY KEY (contact_id, person_id)
) STRICT;
CREATE INDEX contact_subjects_family ON contact_subjects(family_id);

CREATE TABLE measurements (
    id               TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    contact_id       TEXT NOT NULL,
    person_id        TEXT NOT NULL,
    measure          TEXT NOT NULL,
    value            REAL NOT NULL,
    measured_on      TEXT NOT NULL,
    entered_in_error INTEGER NOT NULL
) STRICT;
CREATE INDEX measurements_family ON measurements(family_id);
