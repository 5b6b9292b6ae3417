-- Sync with the trust's central server (docs/SYNC.md, "Device tables").
-- The token is kept only here, inside the encrypted database.

-- The enrolment: one row once the device is enrolled. `epoch` and `seq`
-- are the cursor (seq is NULL before the first successful sync).
CREATE TABLE sync_server (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    url               TEXT NOT NULL,
    ca_pem            TEXT,
    device_id         TEXT NOT NULL,
    device_name       TEXT NOT NULL,
    token             TEXT NOT NULL,
    practitioner_id   TEXT NOT NULL,
    practitioner_name TEXT NOT NULL,
    practitioner_role TEXT NOT NULL,
    team_id           TEXT,
    team_name         TEXT,
    enrolled_at       TEXT NOT NULL,
    epoch             TEXT NOT NULL,
    seq               INTEGER,
    last_success_at   TEXT,
    last_attempt_at   TEXT,
    last_error        TEXT
) STRICT;

-- Per family: the persisted Automerge sync state with the server, the
-- heads the server acknowledged (comma-separated hex), whether the server
-- has ever acknowledged the family, and when the server evicted it (it is
-- removed once nothing on it is unacknowledged). A row without a document
-- is a family whose first download has not completed.
CREATE TABLE sync_docs (
    family_id       TEXT PRIMARY KEY,
    state           BLOB,
    acked_heads     TEXT NOT NULL DEFAULT '',
    known_to_server INTEGER NOT NULL DEFAULT 0,
    evicted_at      TEXT
) STRICT;

-- The server's latest refusal per family, shown by `doorstep sync status`.
CREATE TABLE sync_rejections (
    family_id TEXT PRIMARY KEY,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;

-- Keys holding concurrent values: a projection of the documents, rewritten
-- for a family after every merge and every write to a family that has any.
-- `path` is a JSON array of keys, `vals` a JSON array of the values with
-- who wrote each, when and on which device.
CREATE TABLE conflicts (
    family_id TEXT NOT NULL,
    idx       INTEGER NOT NULL,
    path      TEXT NOT NULL,
    vals      TEXT NOT NULL,
    PRIMARY KEY (family_id, idx)
) STRICT;
