-- The audit anchored on the server: each sync carries the audit rows after
-- the last one the server acknowledged for this enrolment, and the server's
-- answer names its new tip (position and hash). `audit verify` checks the
-- row there still has that hash. Why the server refused the rows, if it did.
ALTER TABLE sync_server ADD COLUMN audit_acked_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_server ADD COLUMN audit_acked_hash TEXT;
ALTER TABLE sync_server ADD COLUMN audit_refused TEXT;
