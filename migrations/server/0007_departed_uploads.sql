-- A departed practitioner's laptop may upload its work from before the
-- move until that upload is taken once; then nothing new is taken from it
-- for that family. The laptops whose departed upload was taken, per
-- departure (cleared when the family leaves that practitioner again).
CREATE TABLE departed_uploads (
    practitioner_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (practitioner_id, family_id, device_id)
);
