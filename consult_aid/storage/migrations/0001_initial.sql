-- Consult Aid schema version 1: people, consults, archived documents, addenda.
-- A consult's sections are stored as its canonical JSON form (docs/consult-json.md) in `body`.
-- Signed records are immutable: enforced here, by triggers, not only in code.

CREATE TABLE clinicians (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(trim(name)) > 0),
    credentials   TEXT NOT NULL DEFAULT '',
    registration  TEXT NOT NULL DEFAULT '',
    clinic        TEXT NOT NULL DEFAULT '',
    clinic_phone  TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE patients (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL CHECK (length(trim(name)) > 0),
    date_of_birth  TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    mrn            TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE TABLE consults (
    id            TEXT PRIMARY KEY,
    patient_id    TEXT NOT NULL REFERENCES patients(id),
    clinician_id  TEXT NOT NULL REFERENCES clinicians(id),
    pack_id       TEXT NOT NULL,
    pack_version  TEXT NOT NULL,
    pack_hash     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'signed', 'amended')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    signed_at     TEXT,
    pdf_sha256    TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL CHECK (json_valid(body))
) STRICT;

CREATE INDEX consults_by_patient ON consults(patient_id);
CREATE INDEX consults_by_created ON consults(created_at);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    consult_id  TEXT NOT NULL REFERENCES consults(id),
    kind        TEXT NOT NULL CHECK (kind IN ('summary', 'addendum')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at  TEXT NOT NULL,
    pdf         BLOB NOT NULL
) STRICT;

CREATE INDEX documents_by_consult ON documents(consult_id);
CREATE INDEX documents_by_sha256 ON documents(sha256);

CREATE TABLE addenda (
    id           TEXT PRIMARY KEY,
    consult_id   TEXT NOT NULL REFERENCES consults(id),
    written_at   TEXT NOT NULL,
    author       TEXT NOT NULL CHECK (length(trim(author)) > 0),
    text         TEXT NOT NULL CHECK (length(trim(text)) > 0),
    document_id  INTEGER REFERENCES documents(id)
) STRICT;

-- A signed consult changes only from 'signed' to 'amended' (when an addendum is added).
CREATE TRIGGER consults_signed_are_immutable
BEFORE UPDATE ON consults
WHEN OLD.status <> 'draft' AND NOT (
    NEW.status = 'amended'
    AND NEW.id IS OLD.id AND NEW.patient_id IS OLD.patient_id
    AND NEW.clinician_id IS OLD.clinician_id AND NEW.pack_id IS OLD.pack_id
    AND NEW.pack_version IS OLD.pack_version AND NEW.pack_hash IS OLD.pack_hash
    AND NEW.created_at IS OLD.created_at AND NEW.signed_at IS OLD.signed_at
    AND NEW.pdf_sha256 IS OLD.pdf_sha256 AND NEW.body IS OLD.body
)
BEGIN
    SELECT RAISE(ABORT, 'consult is signed: it cannot be changed, only amended by an addendum');
END;

CREATE TRIGGER consults_signed_are_kept
BEFORE DELETE ON consults
WHEN OLD.status <> 'draft'
BEGIN
    SELECT RAISE(ABORT, 'consult is signed: it cannot be deleted');
END;

-- Signing needs the archived summary whose hash the consult records.
CREATE TRIGGER consults_signing_needs_archived_pdf
BEFORE UPDATE OF status ON consults
WHEN OLD.status = 'draft' AND NEW.status <> 'draft' AND NOT EXISTS (
    SELECT 1 FROM documents
    WHERE consult_id = NEW.id AND kind = 'summary' AND sha256 = NEW.pdf_sha256
)
BEGIN
    SELECT RAISE(ABORT, 'consult cannot be signed without its archived summary PDF');
END;

CREATE TRIGGER documents_are_immutable
BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'archived documents cannot be changed');
END;

CREATE TRIGGER documents_are_kept
BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'archived documents cannot be deleted');
END;

CREATE TRIGGER documents_one_summary
BEFORE INSERT ON documents
WHEN NEW.kind = 'summary' AND (
    EXISTS (SELECT 1 FROM documents WHERE consult_id = NEW.consult_id AND kind = 'summary')
    OR (SELECT status FROM consults WHERE id = NEW.consult_id) <> 'draft'
)
BEGIN
    SELECT RAISE(ABORT, 'consult already has its signed summary');
END;

CREATE TRIGGER addenda_are_immutable
BEFORE UPDATE ON addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda cannot be changed');
END;

CREATE TRIGGER addenda_are_kept
BEFORE DELETE ON addenda
BEGIN
    SELECT RAISE(ABORT, 'addenda cannot be deleted');
END;

CREATE TRIGGER addenda_only_after_signing
BEFORE INSERT ON addenda
WHEN (SELECT status FROM consults WHERE id = NEW.consult_id) = 'draft'
BEGIN
    SELECT RAISE(ABORT, 'a draft consult is edited directly, not amended');
END;
