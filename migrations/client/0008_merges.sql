-- Duplicates merged without losing either history: a household or a
-- person record marked as merged into the one kept. Readers follow the
-- marks (the family list leaves merged households out; the schedule and
-- the metrics count a merged record's contacts for the person kept).
-- doorstep: rebuild projections
ALTER TABLE families ADD COLUMN merged_into TEXT;
ALTER TABLE people ADD COLUMN merged_into_family TEXT;
ALTER TABLE people ADD COLUMN merged_into_person TEXT;
