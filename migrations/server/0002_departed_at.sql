-- A departed practitioner's laptops may upload only work made before the
-- family left them: when it left.
ALTER TABLE departures ADD COLUMN departed_at TEXT;
