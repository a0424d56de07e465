-- Consult Aid schema version 9: the archive list as a narrow table of its own, with indexes.
--
-- The archive view shows, filters and sorts every consult by patient, date of birth, MRN,
-- procedure, date, status, decision and clinician. Read out of each consult's JSON body
-- (json_extract), every count, filter and sort read every body: at 100,000 consults, seconds.
-- `archive_rows` holds those columns, one row per consult (keyed by the consult's rowid, as
-- the search index is), kept by the triggers below in the same transaction as the consult;
-- an index per sort (ending with the date, as the archive's order does) makes a page, a
-- filter and a count an index range. It is derived: never written but by these triggers.
CREATE TABLE archive_rows (
    consult_rowid  INTEGER PRIMARY KEY,  -- consults.rowid
    consult_id     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    patient_name   TEXT NOT NULL,
    date_of_birth  TEXT NOT NULL,
    mrn            TEXT NOT NULL,
    diagnosis      TEXT NOT NULL,
    pack_id        TEXT NOT NULL,
    pack_version   TEXT NOT NULL,
    status         TEXT NOT NULL,
    decision       TEXT NOT NULL,  -- '' when none is recorded
    clinician_id   TEXT NOT NULL,
    clinician_name TEXT NOT NULL
) STRICT;

CREATE INDEX archive_by_created ON archive_rows(created_at);
CREATE INDEX archive_by_patient ON archive_rows(patient_name COLLATE NOCASE, created_at);
CREATE INDEX archive_by_born ON archive_rows(date_of_birth, created_at);
CREATE INDEX archive_by_mrn ON archive_rows(mrn COLLATE NOCASE, created_at);
CREATE INDEX archive_by_pack ON archive_rows(pack_id, created_at);
CREATE INDEX archive_by_status ON archive_rows(status, created_at);
CREATE INDEX archive_by_decision ON archive_rows(decision, created_at);
CREATE INDEX archive_by_clinician_name ON archive_rows(clinician_name COLLATE NOCASE, created_at);
CREATE INDEX archive_by_clinician ON archive_rows(clinician_id, created_at);
CREATE INDEX archive_by_consult_id ON archive_rows(consult_id);

CREATE TRIGGER archive_rows_insert AFTER INSERT ON consults
BEGIN
    INSERT INTO archive_rows(consult_rowid, consult_id, created_at, patient_name, date_of_birth,
                             mrn, diagnosis, pack_id, pack_version, status, decision,
                             clinician_id, clinician_name)
    VALUES (
        NEW.rowid, NEW.id, NEW.created_at,
        coalesce(json_extract(NEW.body, '$.consult.patient.name'), ''),
        coalesce(json_extract(NEW.body, '$.consult.patient.date_of_birth'), ''),
        coalesce(json_extract(NEW.body, '$.consult.patient.mrn'), ''),
        coalesce(json_extract(NEW.body, '$.consult.condition.diagnosis'), ''),
        NEW.pack_id, NEW.pack_version, NEW.status,
        coalesce(json_extract(NEW.body, '$.consult.decision.choice'), ''),
        NEW.clinician_id,
        coalesce((SELECT name FROM clinicians WHERE id = NEW.clinician_id), '')
    );
END;

CREATE TRIGGER archive_rows_update AFTER UPDATE ON consults
BEGIN
    UPDATE archive_rows SET
        consult_rowid = NEW.rowid,
        consult_id = NEW.id,
        created_at = NEW.created_at,
        patient_name = coalesce(json_extract(NEW.body, '$.consult.patient.name'), ''),
        date_of_birth = coalesce(json_extract(NEW.body, '$.consult.patient.date_of_birth'), ''),
        mrn = coalesce(json_extract(NEW.body, '$.consult.patient.mrn'), ''),
        diagnosis = coalesce(json_extract(NEW.body, '$.consult.condition.diagnosis'), ''),
        pack_id = NEW.pack_id,
        pack_version = NEW.pack_version,
        status = NEW.status,
        decision = coalesce(json_extract(NEW.body, '$.consult.decision.choice'), ''),
        clinician_id = NEW.clinician_id,
        clinician_name = coalesce((SELECT name FROM clinicians WHERE id = NEW.clinician_id), '')
    WHERE consult_rowid = OLD.rowid;
END;

CREATE TRIGGER archive_rows_delete AFTER DELETE ON consults
BEGIN
    DELETE FROM archive_rows WHERE consult_rowid = OLD.rowid;
END;

-- The archive shows the clinician's name as it is now.
CREATE TRIGGER archive_rows_clinician_name AFTER UPDATE OF name ON clinicians
BEGIN
    UPDATE archive_rows SET clinician_name = NEW.name WHERE clinician_id = NEW.id;
END;

-- Consults stored before this version.
INSERT INTO archive_rows(consult_rowid, consult_id, created_at, patient_name, date_of_birth, mrn,
                         diagnosis, pack_id, pack_version, status, decision, clinician_id,
                         clinician_name)
SELECT c.rowid, c.id, c.created_at,
       coalesce(json_extract(c.body, '$.consult.patient.name'), ''),
       coalesce(json_extract(c.body, '$.consult.patient.date_of_birth'), ''),
       coalesce(json_extract(c.body, '$.consult.patient.mrn'), ''),
       coalesce(json_extract(c.body, '$.consult.condition.diagnosis'), ''),
       c.pack_id, c.pack_version, c.status,
       coalesce(json_extract(c.body, '$.consult.decision.choice'), ''),
       c.clinician_id, coalesce(k.name, '')
FROM consults AS c LEFT JOIN clinicians AS k ON k.id = c.clinician_id;
