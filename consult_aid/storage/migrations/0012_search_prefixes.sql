-- Consult Aid schema version 12: the search index keeps prefixes of two and three letters.
--
-- The archive searches as the clinician types, each word as a prefix ("mül" finds "Müller").
-- FTS5 answers a short prefix by merging the lists of every word that starts with it (all
-- "mrn-00..." numbers, every word beginning "th"): at 100,000 consults, tens to hundreds of
-- milliseconds a keystroke. With prefix = '2 3' the index keeps those lists ready. The index is
-- made again with the option, from its own (already folded) text; the triggers of version 2
-- are the same.
CREATE VIRTUAL TABLE consult_search_v12 USING fts5(
    patient_name, mrn, diagnosis, free_text,
    tokenize = "unicode61 remove_diacritics 2", prefix = '2 3'
);

INSERT INTO consult_search_v12(rowid, patient_name, mrn, diagnosis, free_text)
SELECT rowid, patient_name, mrn, diagnosis, free_text FROM consult_search;

DROP TRIGGER consult_search_insert;
DROP TRIGGER consult_search_update;
DROP TRIGGER consult_search_delete;
DROP TABLE consult_search;
ALTER TABLE consult_search_v12 RENAME TO consult_search;

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
