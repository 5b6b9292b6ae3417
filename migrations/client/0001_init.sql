-- Device database, first version. Applied inside one transaction.
-- Documents are the source of truth; every other table except audit is a
-- projection that `doorstep projections rebuild` can recreate.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One Automerge document per family: a compacted snapshot plus the
-- incremental chunks saved since.
CREATE TABLE documents (
    family_id   TEXT PRIMARY KEY,
    snapshot    BLOB NOT NULL,
    heads       TEXT NOT NULL,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE document_chunks (
    family_id TEXT NOT NULL REFERENCES documents(family_id),
    seq       INTEGER NOT NULL,
    bytes     BLOB NOT NULL,
    PRIMARY KEY (family_id, seq)
) STRICT;

CREATE TABLE families (
    id                 TEXT PRIMARY KEY,
    list_name          TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    address_line1      TEXT NOT NULL,
    town               TEXT,
    postcode           TEXT NOT NULL,
    postcode_key       TEXT NOT NULL,
    phone              TEXT,
    main_language      TEXT,
    interpreter_needed INTEGER NOT NULL,
    level              TEXT NOT NULL,
    practitioner       TEXT,
    team               TEXT,
    member_count       INTEGER NOT NULL,
    children_under5    INTEGER NOT NULL,
    active_flags       TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    entered_in_error   INTEGER NOT NULL,
    -- First day on which the date-dependent columns (level, active_flags,
    -- children_under5) must be recomputed; NULL when nothing is pending.
    stale_from         TEXT
) STRICT;
CREATE INDEX families_stale ON families(stale_from);
CREATE INDEX families_name ON families(list_name);
CREATE INDEX families_postcode ON families(postcode_key);
CREATE INDEX families_level ON families(level);
CREATE INDEX families_practitioner ON families(practitioner);

CREATE TABLE people (
    id                TEXT PRIMARY KEY,
    family_id         TEXT NOT NULL,
    role              TEXT NOT NULL,
    given_name        TEXT,
    family_name       TEXT NOT NULL,
    name_key          TEXT NOT NULL,
    date_of_birth     TEXT,
    expected_delivery TEXT,
    sex               TEXT,
    nhs_number        TEXT,
    nhs_number_status TEXT,
    ethnic_category   TEXT,
    gp_practice       TEXT,
    gestation_weeks   INTEGER,
    gestation_days    INTEGER,
    birth_weight_g    INTEGER,
    entered_in_error  INTEGER NOT NULL
) STRICT;
CREATE INDEX people_family ON people(family_id);
CREATE INDEX people_nhs ON people(nhs_number);
CREATE INDEX people_name ON people(name_key);

CREATE TABLE levels (
    id               TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    level            TEXT NOT NULL,
    effective        TEXT NOT NULL,
    reason           TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    entered_in_error INTEGER NOT NULL
) STRICT;
CREATE INDEX levels_family ON levels(family_id);

CREATE TABLE flags (
    id               TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    person_id        TEXT,
    kind             TEXT NOT NULL,
    cp_category      TEXT,
    alert            TEXT,
    start            TEXT NOT NULL,
    end              TEXT,
    lead_agency      TEXT,
    entered_in_error INTEGER NOT NULL
) STRICT;
CREATE INDEX flags_family ON flags(family_id);
CREATE INDEX flags_kind ON flags(kind);

CREATE TABLE consents (
    id               TEXT PRIMARY KEY,
    family_id        TEXT NOT NULL,
    person_id        TEXT,
    decision         TEXT NOT NULL,
    date             TEXT NOT NULL,
    scope            TEXT NOT NULL,
    entered_in_error INTEGER NOT NULL
) STRICT;
CREATE INDEX consents_family ON consents(family_id);

-- Hash-chained audit log: each row's hash covers its fields and the
-- previous row's hash. Never updated, never deleted.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    practitioner TEXT NOT NULL,
    action       TEXT NOT NULL,
    record_kind  TEXT NOT NULL,
    record_id    TEXT,
    family_id    TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;
CREATE INDEX audit_family ON audit(family_id);
