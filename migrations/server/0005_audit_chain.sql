-- The server's audit, hash-chained: rows are written without a link (so
-- syncs never wait on one another for it) and sealed into the chain
-- within seconds, in order; each sealed row's hash covers its fields and
-- the previous sealed row's hash. The tip is kept in meta.
ALTER TABLE audit ADD COLUMN chain_pos BIGINT;
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_chain ON audit (chain_pos);
INSERT INTO meta (key, value) VALUES ('audit_tip', '0:0000000000000000000000000000000000000000000000000000000000000000');
