-- Doorstep central server schema, version 1 (docs/SYNC.md "Server schema").
-- One file for both engines: written for SQLite; for PostgreSQL the hub
-- reads BLOB as BYTEA. Ids and times are TEXT (times RFC 3339 UTC);
-- counters BIGINT. Nothing clinical is ever deleted: families keep every
-- change, sync states and departures are bookkeeping.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE practitioners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    created_at TEXT NOT NULL
);
CREATE INDEX practitioners_team ON practitioners (team_id);

-- Codes and tokens are stored only as SHA-256 hashes (hex).
CREATE TABLE enrolment_codes (
    code_hash TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES practitioners (id),
    expires_at TEXT NOT NULL,
    used_at TEXT,
    device_id TEXT
);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES practitioners (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    last_seen_at TEXT
);
CREATE INDEX devices_practitioner ON devices (practitioner_id);

-- One Automerge document per family: the latest whole snapshot, its heads
-- (sorted hex, comma-separated) and the global sequence of its last change.
CREATE TABLE families (
    id TEXT PRIMARY KEY,
    practitioner_id TEXT NOT NULL REFERENCES practitioners (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    seq BIGINT NOT NULL,
    snapshot BLOB NOT NULL,
    heads TEXT NOT NULL,
    created_at TEXT NOT NULL,
    allocated_at TEXT NOT NULL
);
CREATE INDEX families_caseload ON families (practitioner_id, seq);
CREATE INDEX families_team ON families (team_id);

-- Every change ever received, once (idempotent by hash).
CREATE TABLE changes (
    family_id TEXT NOT NULL REFERENCES families (id),
    hash TEXT NOT NULL,
    bytes BLOB NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (family_id, hash)
);

-- The server's Automerge sync state per device and family (shared heads).
CREATE TABLE sync_states (
    device_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (device_id, family_id)
);
CREATE INDEX sync_states_family ON sync_states (family_id);

-- Families that left a practitioner's caseload, and when (sequence).
CREATE TABLE departures (
    practitioner_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (practitioner_id, family_id)
);
CREATE INDEX departures_since ON departures (practitioner_id, seq);

-- Notification rows already imported: a SHA-256 of the row's identity
-- (the child's NHS number, or parent, postcode and expected delivery).
CREATE TABLE imports (
    key_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

-- Who synced, allocated, enrolled or was refused what. No patient data.
CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    family_id TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
