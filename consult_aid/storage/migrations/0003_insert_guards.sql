-- Consult Aid schema version 3: close the INSERT doors around the immutable records.
-- "INSERT OR REPLACE" deletes the old row without firing DELETE triggers (unless
-- recursive_triggers is on, which Consult Aid sets on its own connections), so the guards
-- here are BEFORE INSERT triggers, which fire for every connection and every conflict policy.

-- A consult enters as a draft; it becomes signed only by the signing update (which requires
-- its archived summary PDF), never by inserting a signed row.
CREATE TRIGGER consults_enter_as_drafts
BEFORE INSERT ON consults
WHEN NEW.status <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'a consult is stored as a draft first; it is signed with its archived PDF');
END;

-- An insert that would replace a signed consult.
CREATE TRIGGER consults_signed_not_replaced
BEFORE INSERT ON consults
WHEN EXISTS (SELECT 1 FROM consults WHERE id = NEW.id AND status <> 'draft')
BEGIN
    SELECT RAISE(ABORT, 'consult is signed: it cannot be changed, only amended by an addendum');
END;

CREATE TRIGGER documents_not_replaced
BEFORE INSERT ON documents
WHEN EXISTS (SELECT 1 FROM documents WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'archived documents cannot be changed');
END;

CREATE TRIGGER addenda_not_replaced
BEFORE INSERT ON addenda
WHEN EXISTS (SELECT 1 FROM addenda WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'addenda cannot be changed');
END;

CREATE TRIGGER audit_log_not_replaced
BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
