-- The laptops' audit logs, anchored here: each sync carries the rows after
-- the last one this server acknowledged; rows that continue the device's
-- chain are appended (never updated or deleted), and the device's tip
-- (position and hash of its last row here) kept with it. Rows that do not
-- continue it are refused and the refusal audited.
ALTER TABLE devices ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN audit_hash TEXT;
CREATE TABLE device_audit (
    device_id TEXT NOT NULL REFERENCES devices (id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    practitioner TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT,
    family_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
);
