-- Consult Aid schema version 15 (issue 16, the archive at 100,000 consults): the search index
-- keeps its entries in the archive's date order.
--
-- The archive lists a search newest first. With the index keyed by the consult's rowid, a
-- word most consults hold ("we", "spas" while it is typed: 50,000-96,000 of 100,000) made
-- SQLite gather every match into a set and then walk the dates against it: 15-25 ms a
-- keystroke, growing with the archive. Keyed by the consult's moment instead, the index hands
-- out its matches newest (or oldest) first, and a page stops after its hundred rows.
--
-- date_key = (created_at's date and time as written, to the second, counted in seconds from
-- 1970; 0 for a time before 1970 or one that cannot be read) * 2^31 + the consult's rowid:
-- unique while rowids stay below 2^31, and in the archive's own date order (created_at's
-- text, the time shown in the list, then the rowid) but within one second, where the rowid
-- alone decides.
-- Rowid -1 stays the fold marker (storage.consults._FOLD_MARKER_ROWID); every key is above 0.
-- archive_rows keeps each consult's key (its triggers below), so a search's matches turn back
-- into consults through an index. The index is made again from its own (already folded) text,
-- now also with the lists of four-letter prefixes ("spas", "walk": each a merge of many words'
-- lists when typed, 6-8 ms at 100,000 consults; about 1.6 KiB more a consult).
ALTER TABLE archive_rows ADD COLUMN date_key INTEGER NOT NULL DEFAULT 0;
UPDATE archive_rows SET date_key =
    max(0, coalesce(CAST(strftime('%s', substr(created_at, 1, 19)) AS INTEGER), 0))
    * 2147483648 + consult_rowid;
CREATE UNIQUE INDEX archive_by_date_key ON archive_rows(date_key);

CREATE VIRTUAL TABLE consult_search_v15 USING fts5(
    patient_name, mrn, diagnosis, free_text,
    tokenize = "unicode61 remove_diacritics 2", prefix = '2 3 4'
);
INSERT INTO consult_search_v15(rowid, patient_name, mrn, diagnosis, free_text)
SELECT a.date_key, s.patient_name, s.mrn, s.diagnosis, s.free_text
FROM consult_search AS s JOIN archive_rows AS a ON a.consult_rowid = s.rowid
ORDER BY a.date_key;
INSERT INTO consult_search_v15(rowid, free_text)
SELECT rowid, free_text FROM consult_search WHERE rowid = -1;
-- one segment instead of the many a bulk insert leaves: each search looks a word up once
-- (9 s at 100,000 consults; half of a search's time afterwards)
INSERT INTO consult_search_v15(consult_search_v15) VALUES ('optimize');

DROP TRIGGER consult_search_insert;
DROP TRIGGER consult_search_update;
DROP TRIGGER consult_search_delete;
DROP TABLE consult_search;
ALTER TABLE consult_search_v15 RENAME TO consult_search;

CREATE TRIGGER consult_search_insert AFTER INSERT ON consults
BEGIN
    INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text)
    VALUES (
        max(0, coalesce(CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + NEW.rowid,
        consult_fold(json_extract(NEW.body, '$.consult.patient.name')),
        consult_fold(json_extract(NEW.body, '$.consult.patient.mrn')),
        consult_fold(json_extract(NEW.body, '$.consult.condition.diagnosis')),
        consult_fold((SELECT group_concat(value, ' ') FROM json_tree(NEW.body, '$.consult')
                      WHERE type = 'text'))
    );
END;

-- a signed or amended consult is indexed again at once; a draft is noted (search_pending,
-- migration 14, whose consult_search_later trigger stays) and indexed when next searched
CREATE TRIGGER consult_search_update AFTER UPDATE OF body ON consults
WHEN NEW.status <> 'draft'
BEGIN
    DELETE FROM consult_search WHERE rowid =
        max(0, coalesce(CAST(strftime('%s', substr(OLD.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + OLD.rowid;
    INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text)
    VALUES (
        max(0, coalesce(CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + NEW.rowid,
        consult_fold(json_extract(NEW.body, '$.consult.patient.name')),
        consult_fold(json_extract(NEW.body, '$.consult.patient.mrn')),
        consult_fold(json_extract(NEW.body, '$.consult.condition.diagnosis')),
        consult_fold((SELECT group_concat(value, ' ') FROM json_tree(NEW.body, '$.consult')
                      WHERE type = 'text'))
    );
    DELETE FROM search_pending WHERE consult_rowid = NEW.rowid;
END;

-- a consult's moment is never changed by this program; should anything change it, its entry
-- leaves the old place in the index and is made again at the next search
CREATE TRIGGER consult_search_moved AFTER UPDATE OF created_at ON consults
WHEN NEW.created_at IS NOT OLD.created_at
BEGIN
    DELETE FROM consult_search WHERE rowid =
        max(0, coalesce(CAST(strftime('%s', substr(OLD.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + OLD.rowid;
    INSERT INTO search_pending(consult_rowid)
    SELECT NEW.rowid WHERE NOT EXISTS (SELECT 1 FROM search_pending
                                       WHERE consult_rowid = NEW.rowid);
END;

CREATE TRIGGER consult_search_delete AFTER DELETE ON consults
BEGIN
    DELETE FROM consult_search WHERE rowid =
        max(0, coalesce(CAST(strftime('%s', substr(OLD.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + OLD.rowid;
    DELETE FROM search_pending WHERE consult_rowid = OLD.rowid;
END;

DROP TRIGGER archive_rows_insert;
CREATE TRIGGER archive_rows_insert AFTER INSERT ON consults
BEGIN
    INSERT INTO archive_rows(consult_rowid, consult_id, created_at, patient_name, date_of_birth,
                             mrn, diagnosis, pack_id, pack_version, status, decision,
                             clinician_id, clinician_name, date_key)
    VALUES (
        NEW.rowid, NEW.id, NEW.created_at,
        coalesce(json_extract(NEW.body, '$.consult.patient.name'), ''),
        coalesce(json_extract(NEW.body, '$.consult.patient.date_of_birth'), ''),
        coalesce(json_extract(NEW.body, '$.consult.patient.mrn'), ''),
        coalesce(json_extract(NEW.body, '$.consult.condition.diagnosis'), ''),
        NEW.pack_id, NEW.pack_version, NEW.status,
        coalesce(json_extract(NEW.body, '$.consult.decision.choice'), ''),
        NEW.clinician_id,
        coalesce((SELECT name FROM clinicians WHERE id = NEW.clinician_id), ''),
        max(0, coalesce(CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648
            + NEW.rowid
    );
END;

DROP TRIGGER archive_rows_update;
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
        clinician_name = coalesce((SELECT name FROM clinicians WHERE id = NEW.clinician_id), ''),
        date_key =
            max(0, coalesce(CAST(strftime('%s', substr(NEW.created_at, 1, 19)) AS INTEGER), 0))
            * 2147483648 + NEW.rowid
    WHERE consult_rowid = OLD.rowid;
END;
