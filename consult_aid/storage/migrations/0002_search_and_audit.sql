-- Consult Aid schema version 2: full-text search and the append-only audit log.

-- Search over patient name, MRN, diagnosis and all free text of a consult. consult_fold()
-- (registered by the application, consult_aid/storage/folding.py) plus unicode61 with
-- remove_diacritics 2 make "Muller" find "Müller" and "Lukasz" find "Łukasz".
-- rowid = consults.rowid.
CREATE VIRTUAL TABLE consult_search USING fts5(
    patient_name, mrn, diagnosis, free_text,
    tokenize = "unicode61 remove_diacritics 2"
);

CREATE TRIGGER consult_search_insert AFTER INSERT ON consults
BEGIN
    INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text)
    VALUES (
        NEW.rowid,
        consult_fold(json_extract(NEW.body, '$.consult.patient.name')),
        consult_fold(json_extract(NEW.body, '$.consult.patient.mrn')),
        consult_fold(json_extract(NEW.body, '$.consult.condition.diagnosis')),
        consult_fold((SELECT group_concat(value, ' ') FROM json_tree(NEW.body, '$.consult')
                      WHERE type = 'text'))
    );
END;

CREATE TRIGGER consult_search_update AFTER UPDATE OF body ON consults
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
END;

CREATE TRIGGER consult_search_delete AFTER DELETE ON consults
BEGIN
    DELETE FROM consult_search WHERE rowid = OLD.rowid;
END;

-- Consults stored before this version become searchable now.
INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text)
SELECT c.rowid,
       consult_fold(json_extract(c.body, '$.consult.patient.name')),
       consult_fold(json_extract(c.body, '$.consult.patient.mrn')),
       consult_fold(json_extract(c.body, '$.consult.condition.diagnosis')),
       consult_fold((SELECT group_concat(value, ' ') FROM json_tree(c.body, '$.consult')
                     WHERE type = 'text'))
FROM consults AS c;

-- Patients by name or MRN, for the start screen.
CREATE VIRTUAL TABLE patient_search USING fts5(
    name, mrn, tokenize = "unicode61 remove_diacritics 2"
);

CREATE TRIGGER patient_search_insert AFTER INSERT ON patients
BEGIN
    INSERT INTO patient_search(rowid, name, mrn) VALUES (NEW.rowid, consult_fold(NEW.name), consult_fold(NEW.mrn));
END;

CREATE TRIGGER patient_search_update AFTER UPDATE OF name, mrn ON patients
BEGIN
    DELETE FROM patient_search WHERE rowid = OLD.rowid;
    INSERT INTO patient_search(rowid, name, mrn) VALUES (NEW.rowid, consult_fold(NEW.name), consult_fold(NEW.mrn));
END;

CREATE TRIGGER patient_search_delete AFTER DELETE ON patients
BEGIN
    DELETE FROM patient_search WHERE rowid = OLD.rowid;
END;

INSERT INTO patient_search(rowid, name, mrn)
SELECT rowid, consult_fold(name), consult_fold(mrn) FROM patients;

-- Who did what, when. Append-only: never updated, never deleted. No patient text in `detail`.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    consult_id  TEXT,
    detail      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_by_consult ON audit_log(consult_id);

CREATE TRIGGER audit_log_no_update
BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
