-- The KPI report reads the measurements of the quarter's 2–2½ year reviews
-- by contact (docs/PERFORMANCE.md: a scan of every measurement was a fifth
-- of the report's time at 10,000 families).
CREATE INDEX measurements_contact ON measurements(contact_id);
