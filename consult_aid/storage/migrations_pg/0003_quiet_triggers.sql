-- Issue 16 (autosave), as SQLite's migration 0014: a save that leaves a clinician's name, or a
-- patient's name and MRN, as they were no longer rewrites the archive row of every consult of
-- that clinician or the patient's search entry.
DROP TRIGGER archive_rows_clinician_name ON clinicians;
CREATE TRIGGER archive_rows_clinician_name AFTER UPDATE OF name ON clinicians
FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name)
EXECUTE FUNCTION archive_rows_clinician_name();

DROP TRIGGER patient_search_update ON patients;
CREATE TRIGGER patient_search_update AFTER UPDATE OF name, mrn ON patients
FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name OR NEW.mrn IS DISTINCT FROM OLD.mrn)
EXECUTE FUNCTION patient_search_kept();
