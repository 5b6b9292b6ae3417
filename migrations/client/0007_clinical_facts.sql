-- The facts the schedule and the metrics read besides the first schema's:
-- why a review was not face to face, feeding status, the ASQ-3 completed
-- for each child at a contact (from the completed review form), and people
-- who died, moved away or transferred in.
--
-- The new columns are derived from the documents, so the store rebuilds
-- every projection after this migration (the marker below).
-- doorstep: rebuild projections
ALTER TABLE contacts ADD COLUMN remote_reason TEXT;
ALTER TABLE contacts ADD COLUMN feeding_status TEXT;
ALTER TABLE contact_subjects ADD COLUMN asq_interval INTEGER;
ALTER TABLE contact_subjects ADD COLUMN asq_scores TEXT;
ALTER TABLE people ADD COLUMN left_reason TEXT;
ALTER TABLE people ADD COLUMN left_on TEXT;
ALTER TABLE people ADD COLUMN left_to TEXT;
ALTER TABLE people ADD COLUMN transferred_in_on TEXT;
