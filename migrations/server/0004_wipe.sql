-- A revoked laptop sends its unsent work, then erases itself; one an
-- administrator asked to wipe (a stolen laptop) erases at its next
-- contact and sends nothing. When the wipe was asked for.
ALTER TABLE devices ADD COLUMN wipe_requested_at TEXT;
