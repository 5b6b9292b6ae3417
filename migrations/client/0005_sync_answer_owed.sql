-- A family that received a sync message from the server owes it an answer
-- until a round trip carrying that answer completes. Kept across syncs, so
-- an answer lost on the network is sent again by the next sync even when
-- the device has nothing new of its own (docs/SYNC.md).
ALTER TABLE sync_docs ADD COLUMN answer_owed INTEGER NOT NULL DEFAULT 0;
