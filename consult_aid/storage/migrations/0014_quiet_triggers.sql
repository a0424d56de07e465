-- Consult Aid schema version 14 (issue 16, autosave): a save that leaves a clinician's name, or a patient's name and MRN, as
-- they were no longer rewrites the archive row of every consult of that clinician (thousands
-- in a clinic's archive, on every autosave) or the patient's search entry.
DROP TRIGGER archive_rows_clinician_name;
CREATE TRIGGER archive_rows_clinician_name AFTER UPDATE OF name ON clinicians
WHEN NEW.name IS NOT OLD.name
BEGIN
    UPDATE archive_rows SET clinician_name = NEW.name WHERE clinician_id = NEW.id;
END;

DROP TRIGGER patient_search_update;
CREATE TRIGGER patient_search_update AFTER UPDATE OF name, mrn ON patients
WHEN NEW.name IS NOT OLD.name OR NEW.mrn IS NOT OLD.mrn
BEGIN
    DELETE FROM patient_search WHERE rowid = OLD.rowid;
    INSERT INTO patient_search(rowid, name, mrn) VALUES (NEW.rowid, consult_fold(NEW.name), consult_fold(NEW.mrn));
END;

-- A draft's search entry is made again when it is next searched, not on every autosave: the
-- autosave notes the draft in search_pending (one row), and the first search after it
-- (storage.consults.index_pending) indexes the drafts noted, in one write, before it reads.
-- Folding and indexing a consult's whole text was most of an autosave's database time. A new
-- consult, a signed one and a signed one's amendment are indexed at once, as before.
CREATE TABLE search_pending (
    consult_rowid INTEGER PRIMARY KEY
);

DROP TRIGGER consult_search_update;
CREATE TRIGGER consult_search_update AFTER UPDATE OF body ON consults
WHEN NEW.status <> 'draft'
BEGIN
    DELETE FROM consult_search WHERE rowid = OLD.rowid;
    INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text)
    VALUES (
        NEW.rowid,
        consult_fold(json_extract(NEW.body, '$.consult.patient.name')),
        consult_fold(json_extract(NEW.body, '$.consult.patient.mrn')),
        consult_fold(json_extract(NEW.body, '$.consult.condition.diagnosis')),
        consult_fold((SELECT group_concat(value, ' ') FROM json_tree(NEW.body, '$.consult')
                      WHERE type = 'text'))
    );
    DELETE FROM search_pending WHERE consult_rowid = NEW.rowid;
END;

CREATE TRIGGER consult_search_later AFTER UPDATE OF body ON consults
WHEN NEW.status = 'draft'
BEGIN
    -- (not OR IGNORE: an outer statement's conflict rule would override it)
    INSERT INTO search_pending(consult_rowid)
    SELECT NEW.rowid WHERE NOT EXISTS (SELECT 1 FROM search_pending
                                       WHERE consult_rowid = NEW.rowid);
END;

DROP TRIGGER consult_search_delete;
CREATE TRIGGER consult_search_delete AFTER DELETE ON consults
BEGIN
    DELETE FROM consult_search WHERE rowid = OLD.rowid;
    DELETE FROM search_pending WHERE consult_rowid = OLD.rowid;
END;
