-- Work typed and not yet saved as a record (a contact being written, an
-- edit of a draft contact): kept in the encrypted store as it is typed so
-- a lock, a crash or a restart never loses it. Never synced; removed when
-- the record is saved or the practitioner discards it.
CREATE TABLE drafts (
    key        TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    screen     TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
