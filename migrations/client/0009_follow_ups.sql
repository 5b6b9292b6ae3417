-- Open follow-ups of every family (urgent results, positive screens, ASQ-3
-- below cut-off, follow-up dates set at contacts), for Today: derived from
-- the documents like every projection.
-- doorstep: rebuild projections
CREATE TABLE follow_ups (
    key        TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    person_id  TEXT,
    urgency    TEXT NOT NULL,
    text       TEXT NOT NULL,
    since      TEXT NOT NULL,
    due        TEXT NOT NULL
) STRICT;
CREATE INDEX follow_ups_family ON follow_ups(family_id);
