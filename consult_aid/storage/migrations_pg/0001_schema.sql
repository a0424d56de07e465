-- Consult Aid on a clinic's PostgreSQL server (issue 18): the whole schema, version 1.
--
-- The same tables, columns, constraints and rules as the SQLite archive after its migration
-- 0013 (consult_aid/storage/migrations/), so that the same SQL (with `?` as `%s`) runs on both:
--   * timestamps and dates are TEXT (ISO 8601), booleans INTEGER 0/1, PDFs BYTEA, a consult's
--     body its JSON text (checked to parse);
--   * SQLite's implicit rowid, which the queries use (c.rowid, archive_rows.consult_rowid, the
--     search tables), is a real column `rowid` of consults, patients, addenda and clinicians;
--   * COLLATE NOCASE is the collation `nocase` (ICU, case-insensitive);
--   * every trigger is a PL/pgSQL trigger with the same error text (the program maps the text
--     to what it tells the user), and TRUNCATE of the kept records is refused as well;
--   * the audit trail's hash chain is enforced by the server, not only written by the program;
--   * the search index is PostgreSQL full-text search over the same folded text as FTS5's.
-- Run in one transaction. The program's own table schema_migrations is not created here.

DO $$
BEGIN
    IF NOT ('é' ~ '^[[:alpha:]]$') THEN
        RAISE EXCEPTION 'this database was created with a locale that is not UTF-8 aware (e.g. "C"): create it with ENCODING UTF8 and LC_CTYPE C.UTF-8 or another UTF-8 locale';
    END IF;
END $$;

-- SQLite's NOCASE: equal when they differ only in case. (ICU folds every script's case, not
-- only A-Z as SQLite does, and orders by the Unicode collation: 'adam' < 'Bert' < 'Ćma'.)
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);


-- Helpers ---------------------------------------------------------------------------------------

-- SQLite's json_valid(): true when the text parses as JSON (false, not an error, otherwise).
CREATE FUNCTION consult_json_valid(document text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF document IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM document::pg_catalog.json;
    RETURN true;
EXCEPTION WHEN others THEN
    RETURN false;
END $$;

-- consult_aid/storage/folding.py fold(), character for character: the letters that do not
-- decompose (Ł, Ø, Đ, ß, Æ ...) as its _SPECIAL table, then compatibility decomposition (NFKD)
-- without the combining marks (every character of a non-zero canonical combining class, as
-- Python's unicodedata.combining(); the list below is Unicode 14, Python 3.11's and PostgreSQL
-- 15's version), then the German ae/oe/ue. NULL in, NULL out. (The unaccent extension is not
-- used: its rules differ from fold() for thousands of characters, e.g. '©' '«' '±' '²'; the
-- tests compare this with fold() for every character.)
CREATE FUNCTION consult_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fold$
SELECT pg_catalog.regexp_replace(
  pg_catalog.regexp_replace(
    pg_catalog.normalize(
      pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
      pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
        pg_catalog.translate($1, 'ŁłØøĐđÐðıĦħſŉ', 'LlOoDdDdiHhsn'),
        'Þ', 'Th'), 'þ', 'th'), 'ß', 'ss'), 'Æ', 'AE'),
        'æ', 'ae'), 'Œ', 'OE'), 'œ', 'oe'), 'ẞ', 'SS'),
      'NFKD'),
    '[' ||
    '\u0300-\u034E\u0350-\u036F\u0483-\u0487\u0591-\u05BD\u05BF\u05C1-\u05C2\u05C4-\u05C5' ||
    '\u05C7\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E4\u06E7-\u06E8' ||
    '\u06EA-\u06ED\u0711\u0730-\u074A\u07EB-\u07F3\u07FD\u0816-\u0819\u081B-\u0823' ||
    '\u0825-\u0827\u0829-\u082D\u0859-\u085B\u0898-\u089F\u08CA-\u08E1\u08E3-\u08FF\u093C' ||
    '\u094D\u0951-\u0954\u09BC\u09CD\u09FE\u0A3C\u0A4D\u0ABC\u0ACD\u0B3C\u0B4D\u0BCD' ||
    '\u0C3C\u0C4D\u0C55-\u0C56\u0CBC\u0CCD\u0D3B-\u0D3C\u0D4D\u0DCA\u0E38-\u0E3A' ||
    '\u0E48-\u0E4B\u0EB8-\u0EBA\u0EC8-\u0ECB\u0F18-\u0F19\u0F35\u0F37\u0F39\u0F71-\u0F72' ||
    '\u0F74\u0F7A-\u0F7D\u0F80\u0F82-\u0F84\u0F86-\u0F87\u0FC6\u1037\u1039-\u103A\u108D' ||
    '\u135D-\u135F\u1714-\u1715\u1734\u17D2\u17DD\u18A9\u1939-\u193B\u1A17-\u1A18\u1A60' ||
    '\u1A75-\u1A7C\u1A7F\u1AB0-\u1ABD\u1ABF-\u1ACE\u1B34\u1B44\u1B6B-\u1B73\u1BAA-\u1BAB' ||
    '\u1BE6\u1BF2-\u1BF3\u1C37\u1CD0-\u1CD2\u1CD4-\u1CE0\u1CE2-\u1CE8\u1CED\u1CF4' ||
    '\u1CF8-\u1CF9\u1DC0-\u1DFF\u20D0-\u20DC\u20E1\u20E5-\u20F0\u2CEF-\u2CF1\u2D7F' ||
    '\u2DE0-\u2DFF\u302A-\u302F\u3099-\u309A\uA66F\uA674-\uA67D\uA69E-\uA69F\uA6F0-\uA6F1' ||
    '\uA806\uA82C\uA8C4\uA8E0-\uA8F1\uA92B-\uA92D\uA953\uA9B3\uA9C0\uAAB0\uAAB2-\uAAB4' ||
    '\uAAB7-\uAAB8\uAABE-\uAABF\uAAC1\uAAF6\uABED\uFB1E\uFE20-\uFE2F\U000101FD\U000102E0' ||
    '\U00010376-\U0001037A\U00010A0D\U00010A0F\U00010A38-\U00010A3A\U00010A3F' ||
    '\U00010AE5-\U00010AE6\U00010D24-\U00010D27\U00010EAB-\U00010EAC\U00010F46-\U00010F50' ||
    '\U00010F82-\U00010F85\U00011046\U00011070\U0001107F\U000110B9-\U000110BA' ||
    '\U00011100-\U00011102\U00011133-\U00011134\U00011173\U000111C0\U000111CA' ||
    '\U00011235-\U00011236\U000112E9-\U000112EA\U0001133B-\U0001133C\U0001134D' ||
    '\U00011366-\U0001136C\U00011370-\U00011374\U00011442\U00011446\U0001145E' ||
    '\U000114C2-\U000114C3\U000115BF-\U000115C0\U0001163F\U000116B6-\U000116B7\U0001172B' ||
    '\U00011839-\U0001183A\U0001193D-\U0001193E\U00011943\U000119E0\U00011A34\U00011A47' ||
    '\U00011A99\U00011C3F\U00011D42\U00011D44-\U00011D45\U00011D97\U00016AF0-\U00016AF4' ||
    '\U00016B30-\U00016B36\U00016FF0-\U00016FF1\U0001BC9E\U0001D165-\U0001D169' ||
    '\U0001D16D-\U0001D172\U0001D17B-\U0001D182\U0001D185-\U0001D18B\U0001D1AA-\U0001D1AD' ||
    '\U0001D242-\U0001D244\U0001E000-\U0001E006\U0001E008-\U0001E018\U0001E01B-\U0001E021' ||
    '\U0001E023-\U0001E024\U0001E026-\U0001E02A\U0001E130-\U0001E136\U0001E2AE' ||
    '\U0001E2EC-\U0001E2EF\U0001E8D0-\U0001E8D6\U0001E944-\U0001E94A' ||
    ']+',
    '', 'g'),
  '([aouAOU])[eE]+', '\1', 'g')
$fold$;

-- The words FTS5's unicode61 tokenizer makes of (folded) text: lower case, every run of
-- characters that are not letters or digits (the underscore too) one separator.
CREATE FUNCTION consult_words(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT pg_catalog.regexp_replace(pg_catalog.lower($1), '[^[:alnum:]]+', ' ', 'g')
$$;

-- The searched words of any text: consult_words(consult_fold(text)).
CREATE FUNCTION consult_search_words(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT consult_words(consult_fold($1))
$$;

-- SQLite's (SELECT group_concat(value, ' ') FROM json_tree(body, '$.consult') WHERE type =
-- 'text'): every string value under $.consult, in document order; NULL when there is none.
CREATE FUNCTION consult_text_values(body text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
WITH RECURSIVE node(value, path) AS (
    SELECT pg_catalog.json_extract_path($1::pg_catalog.json, 'consult'),
           ARRAY[]::bigint[]
    UNION ALL
    SELECT child.value, node.path || child.n
    FROM node, LATERAL (
        SELECT e.value, e.n FROM pg_catalog.json_each(
            CASE WHEN pg_catalog.json_typeof(node.value) = 'object' THEN node.value
                 ELSE '{}'::pg_catalog.json END) WITH ORDINALITY AS e(key, value, n)
        UNION ALL
        SELECT e.value, e.n FROM pg_catalog.json_array_elements(
            CASE WHEN pg_catalog.json_typeof(node.value) = 'array' THEN node.value
                 ELSE '[]'::pg_catalog.json END) WITH ORDINALITY AS e(value, n)
    ) AS child
    WHERE pg_catalog.json_typeof(node.value) IN ('object', 'array')
)
SELECT pg_catalog.string_agg(value #>> '{}', ' ' ORDER BY path)
FROM node WHERE pg_catalog.json_typeof(value) = 'string'
$$;

-- SQLite's json_extract(body, path) for the text the archive and the search read.
CREATE FUNCTION consult_json_text(body text, VARIADIC path text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT $1::pg_catalog.json #>> $2
$$;

-- SQLite's json_extract(value, ...) = 1: JSON true, or the number 1.
CREATE FUNCTION consult_json_is_one(value pg_catalog.json) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE pg_catalog.json_typeof($1)
           WHEN 'boolean' THEN ($1 #>> '{}') = 'true'
           WHEN 'number' THEN ($1 #>> '{}')::numeric = 1
           ELSE false
       END
$$;

-- A trigger that refuses, with the text given as its argument.
CREATE FUNCTION consult_refuse() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END $$;


-- People and consults (SQLite 0001, 0005, 0006, 0013) --------------------------------------------

CREATE TABLE clinicians (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL CHECK (length(trim(name)) > 0),
    credentials         TEXT NOT NULL DEFAULT '',
    registration        TEXT NOT NULL DEFAULT '',
    clinic              TEXT NOT NULL DEFAULT '',
    clinic_phone        TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    out_of_hours_phone  TEXT NOT NULL DEFAULT '',
    emergency_number    TEXT NOT NULL DEFAULT '',
    cost_note           TEXT NOT NULL DEFAULT '',
    rowid               bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE NOT NULL
);

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
    updated_at     TEXT NOT NULL,
    rowid          bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE NOT NULL
);

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
    body          TEXT NOT NULL CHECK (consult_json_valid(body)),
    -- a draft's version: every save adds one (two rooms saving the same draft; SQLite 0013)
    row_version   bigint NOT NULL DEFAULT 1,
    rowid         bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE NOT NULL
);

CREATE INDEX consults_by_patient ON consults(patient_id);
CREATE INDEX consults_by_created ON consults(created_at);

CREATE TABLE documents (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    consult_id  TEXT NOT NULL REFERENCES consults(id),
    kind        TEXT NOT NULL CHECK (kind IN ('summary', 'addendum')),
    sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
    created_at  TEXT NOT NULL,
    pdf         BYTEA NOT NULL
);

CREATE INDEX documents_by_consult ON documents(consult_id);
CREATE INDEX documents_by_sha256 ON documents(sha256);

CREATE TABLE addenda (
    id           TEXT PRIMARY KEY,
    consult_id   TEXT NOT NULL REFERENCES consults(id),
    written_at   TEXT NOT NULL,
    author       TEXT NOT NULL CHECK (length(trim(author)) > 0),
    text         TEXT NOT NULL CHECK (length(trim(text)) > 0),
    document_id  bigint REFERENCES documents(id),
    rowid        bigint GENERATED BY DEFAULT AS IDENTITY UNIQUE NOT NULL
);

-- Not in SQLite (which needs none to check the foreign key when a draft is deleted).
CREATE INDEX addenda_by_consult ON addenda(consult_id);

-- The window's step of each draft (SQLite 0004).
CREATE TABLE draft_steps (
    consult_id  TEXT PRIMARY KEY REFERENCES consults(id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL
);


-- Signed records are immutable (SQLite 0001, 0003, 0013) ---------------------------------------

-- A consult enters as a draft; it becomes signed only by the signing update.
CREATE FUNCTION consults_before_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION 'a consult is stored as a draft first; it is signed with its archived PDF';
    END IF;
    -- an insert over a signed consult (SQLite's INSERT OR REPLACE; here an upsert's insert)
    IF EXISTS (SELECT 1 FROM consults WHERE id = NEW.id AND status <> 'draft') THEN
        RAISE EXCEPTION 'consult is signed: it cannot be changed, only amended by an addendum';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER consults_enter_as_drafts BEFORE INSERT ON consults
FOR EACH ROW EXECUTE FUNCTION consults_before_insert();

-- A signed consult changes only from 'signed' to 'amended' (when an addendum is added); its
-- row_version stays as it was signed, but for that change. (Its rowid, which the search index
-- and the archive list are keyed by, is kept too: SQLite's trigger does not name rowid.)
CREATE FUNCTION consults_signed_are_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.status <> 'draft' AND NOT (
        NEW.status = 'amended'
        AND NEW.id IS NOT DISTINCT FROM OLD.id
        AND NEW.patient_id IS NOT DISTINCT FROM OLD.patient_id
        AND NEW.clinician_id IS NOT DISTINCT FROM OLD.clinician_id
        AND NEW.pack_id IS NOT DISTINCT FROM OLD.pack_id
        AND NEW.pack_version IS NOT DISTINCT FROM OLD.pack_version
        AND NEW.pack_hash IS NOT DISTINCT FROM OLD.pack_hash
        AND NEW.created_at IS NOT DISTINCT FROM OLD.created_at
        AND NEW.signed_at IS NOT DISTINCT FROM OLD.signed_at
        AND NEW.pdf_sha256 IS NOT DISTINCT FROM OLD.pdf_sha256
        AND NEW.body IS NOT DISTINCT FROM OLD.body
        AND NEW.rowid IS NOT DISTINCT FROM OLD.rowid
        AND (NEW.row_version IS NOT DISTINCT FROM OLD.row_version OR OLD.status = 'signed')
    ) THEN
        RAISE EXCEPTION 'consult is signed: it cannot be changed, only amended by an addendum';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER consults_signed_are_immutable BEFORE UPDATE ON consults
FOR EACH ROW EXECUTE FUNCTION consults_signed_are_immutable();

CREATE TRIGGER consults_signed_are_kept BEFORE DELETE ON consults
FOR EACH ROW WHEN (OLD.status <> 'draft')
EXECUTE FUNCTION consult_refuse('consult is signed: it cannot be deleted');

-- Signing needs the archived summary whose hash the consult records.
CREATE FUNCTION consults_signing_needs_archived_pdf() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.status = 'draft' AND NEW.status <> 'draft' AND NOT EXISTS (
        SELECT 1 FROM documents
        WHERE consult_id = NEW.id AND kind = 'summary' AND sha256 = NEW.pdf_sha256
    ) THEN
        RAISE EXCEPTION 'consult cannot be signed without its archived summary PDF';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER consults_signing_needs_archived_pdf BEFORE UPDATE OF status ON consults
FOR EACH ROW EXECUTE FUNCTION consults_signing_needs_archived_pdf();

CREATE TRIGGER consults_not_truncated BEFORE TRUNCATE ON consults
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('consult is signed: it cannot be deleted');

CREATE FUNCTION documents_before_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM documents WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'archived documents cannot be changed';
    END IF;
    IF NEW.kind = 'summary' AND (
        EXISTS (SELECT 1 FROM documents WHERE consult_id = NEW.consult_id AND kind = 'summary')
        OR (SELECT status FROM consults WHERE id = NEW.consult_id) <> 'draft'
    ) THEN
        RAISE EXCEPTION 'consult already has its signed summary';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER documents_one_summary BEFORE INSERT ON documents
FOR EACH ROW EXECUTE FUNCTION documents_before_insert();

CREATE TRIGGER documents_are_immutable BEFORE UPDATE ON documents
FOR EACH ROW EXECUTE FUNCTION consult_refuse('archived documents cannot be changed');

CREATE TRIGGER documents_are_kept BEFORE DELETE ON documents
FOR EACH ROW EXECUTE FUNCTION consult_refuse('archived documents cannot be deleted');

CREATE TRIGGER documents_not_truncated BEFORE TRUNCATE ON documents
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('archived documents cannot be deleted');

CREATE FUNCTION addenda_before_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM addenda WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'addenda cannot be changed';
    END IF;
    IF (SELECT status FROM consults WHERE id = NEW.consult_id) = 'draft' THEN
        RAISE EXCEPTION 'a draft consult is edited directly, not amended';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER addenda_only_after_signing BEFORE INSERT ON addenda
FOR EACH ROW EXECUTE FUNCTION addenda_before_insert();

CREATE TRIGGER addenda_are_immutable BEFORE UPDATE ON addenda
FOR EACH ROW EXECUTE FUNCTION consult_refuse('addenda cannot be changed');

CREATE TRIGGER addenda_are_kept BEFORE DELETE ON addenda
FOR EACH ROW EXECUTE FUNCTION consult_refuse('addenda cannot be deleted');

CREATE TRIGGER addenda_not_truncated BEFORE TRUNCATE ON addenda
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('addenda cannot be deleted');


-- The append-only, hash-chained audit log (SQLite 0002, 0003, 0007) ---------------------------

CREATE TABLE audit_log (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    consult_id  TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    hash        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_by_consult ON audit_log(consult_id);

-- Where the chain starts: entries up to this id were written before it (copied from a SQLite
-- archive, where they may have no hash); every later one must be a link. One row, written
-- before the first audit entry (by the program: 0 in a new archive, the SQLite archive's own
-- value when one is moved here) and never changed once there are entries. With no row, the
-- chain starts at the first entry.
CREATE TABLE audit_chain (legacy_until bigint NOT NULL);

CREATE FUNCTION audit_chain_fixed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE;
    IF TG_OP = 'DELETE'
       OR (TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM audit_chain))
       OR EXISTS (SELECT 1 FROM audit_log) THEN
        RAISE EXCEPTION 'where the audit chain starts is fixed';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_chain_fixed BEFORE INSERT OR UPDATE OR DELETE ON audit_chain
FOR EACH ROW EXECUTE FUNCTION audit_chain_fixed();

CREATE TRIGGER audit_chain_not_truncated BEFORE TRUNCATE ON audit_chain
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('where the audit chain starts is fixed');

-- The link of an entry: as consult_aid/storage/audit.py chain_hash().
CREATE FUNCTION audit_chain_hash(previous text, at text, actor text, action text,
                                 consult_id text, detail text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    pg_catalog.concat_ws(pg_catalog.chr(31), $1, $2, $3, $4, coalesce($5, ''), $6),
    'UTF8')), 'hex')
$$;

-- Every entry is appended (its id after every other) and, past where the chain starts, is the
-- next link. The table lock makes two rooms' entries wait for each other, so the chain never
-- forks (a deadlock between two first inserts is refused, and the program tries again).
CREATE FUNCTION audit_log_appended() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    last_id bigint;
    last_hash text;
BEGIN
    LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE;
    SELECT id, hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    IF last_id IS NOT NULL AND NEW.id <= last_id THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    IF NEW.id > coalesce((SELECT max(legacy_until) FROM audit_chain), 0)
       AND NEW.hash IS DISTINCT FROM audit_chain_hash(coalesce(last_hash, ''), NEW.at,
                                                      NEW.actor, NEW.action, NEW.consult_id,
                                                      NEW.detail) THEN
        RAISE EXCEPTION 'the audit entry does not continue the hash chain';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_appended BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_appended();

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION consult_refuse('the audit log is append-only');

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION consult_refuse('the audit log is append-only');

CREATE TRIGGER audit_log_not_truncated BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('the audit log is append-only');


-- Certificates (SQLite 0008) ------------------------------------------------------------------

CREATE TABLE certificates (
    fingerprint TEXT PRIMARY KEY CHECK (length(fingerprint) = 64),
    role TEXT NOT NULL CHECK (role IN ('own', 'trusted')),
    subject TEXT NOT NULL,
    pem TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT CHECK (removed_at IS NULL OR role = 'trusted')
);

CREATE TRIGGER certificates_fixed BEFORE UPDATE ON certificates
FOR EACH ROW WHEN (NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
                   OR NEW.role IS DISTINCT FROM OLD.role
                   OR NEW.subject IS DISTINCT FROM OLD.subject
                   OR NEW.pem IS DISTINCT FROM OLD.pem
                   OR NEW.added_at IS DISTINCT FROM OLD.added_at)
EXECUTE FUNCTION consult_refuse('a pinned or trusted certificate is never changed');

CREATE TRIGGER certificates_kept BEFORE DELETE ON certificates
FOR EACH ROW EXECUTE FUNCTION consult_refuse('a pinned or trusted certificate stays on record');

CREATE TRIGGER certificates_not_truncated BEFORE TRUNCATE ON certificates
FOR EACH STATEMENT
EXECUTE FUNCTION consult_refuse('a pinned or trusted certificate stays on record');


-- Search (SQLite 0002, 0012: FTS5 with unicode61 remove_diacritics 2) ---------------------------
--
-- The folded text of each consult (rowid = consults.rowid) and its words, for
-- `document @@ to_tsquery('simple', ...)` (consult_aid/storage/search_query.py tsquery()).

CREATE TABLE consult_search (
    rowid         bigint PRIMARY KEY,
    patient_name  text,
    mrn           text,
    diagnosis     text,
    free_text     text,
    document      tsvector NOT NULL
);

CREATE INDEX consult_search_document ON consult_search USING gin (document);

CREATE FUNCTION consult_search_kept() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    folded_name text;
    folded_mrn text;
    folded_diagnosis text;
    folded_text text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM consult_search WHERE rowid = OLD.rowid;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        folded_name := consult_fold(consult_json_text(NEW.body, 'consult', 'patient', 'name'));
        folded_mrn := consult_fold(consult_json_text(NEW.body, 'consult', 'patient', 'mrn'));
        folded_diagnosis := consult_fold(consult_json_text(NEW.body, 'consult', 'condition',
                                                           'diagnosis'));
        folded_text := consult_fold(consult_text_values(NEW.body));
        INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text, document)
        VALUES (NEW.rowid, folded_name, folded_mrn, folded_diagnosis, folded_text,
                pg_catalog.to_tsvector('simple', coalesce(consult_words(
                    concat_ws(' ', folded_name, folded_mrn, folded_diagnosis, folded_text)), '')));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER consult_search_insert AFTER INSERT ON consults
FOR EACH ROW EXECUTE FUNCTION consult_search_kept();

CREATE TRIGGER consult_search_update AFTER UPDATE OF body ON consults
FOR EACH ROW EXECUTE FUNCTION consult_search_kept();

CREATE TRIGGER consult_search_delete AFTER DELETE ON consults
FOR EACH ROW EXECUTE FUNCTION consult_search_kept();

-- Patients by name or MRN, for the start screen (rowid = patients.rowid).
CREATE TABLE patient_search (
    rowid     bigint PRIMARY KEY,
    name      text,
    mrn       text,
    document  tsvector NOT NULL
);

CREATE INDEX patient_search_document ON patient_search USING gin (document);

CREATE FUNCTION patient_search_kept() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM patient_search WHERE rowid = OLD.rowid;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO patient_search(rowid, name, mrn, document)
        SELECT NEW.rowid, f.name, f.mrn,
               pg_catalog.to_tsvector('simple', coalesce(consult_words(
                   concat_ws(' ', f.name, f.mrn)), ''))
        FROM (SELECT consult_fold(NEW.name) AS name, consult_fold(NEW.mrn) AS mrn) AS f;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER patient_search_insert AFTER INSERT ON patients
FOR EACH ROW EXECUTE FUNCTION patient_search_kept();

CREATE TRIGGER patient_search_update AFTER UPDATE OF name, mrn ON patients
FOR EACH ROW EXECUTE FUNCTION patient_search_kept();

CREATE TRIGGER patient_search_delete AFTER DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION patient_search_kept();


-- The archive list (SQLite 0009) ----------------------------------------------------------------

CREATE TABLE archive_rows (
    consult_rowid  bigint PRIMARY KEY,  -- consults.rowid
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
);

CREATE INDEX archive_by_created ON archive_rows(created_at);
CREATE INDEX archive_by_patient ON archive_rows(patient_name COLLATE nocase, created_at);
CREATE INDEX archive_by_born ON archive_rows(date_of_birth, created_at);
CREATE INDEX archive_by_mrn ON archive_rows(mrn COLLATE nocase, created_at);
CREATE INDEX archive_by_pack ON archive_rows(pack_id, created_at);
CREATE INDEX archive_by_status ON archive_rows(status, created_at);
CREATE INDEX archive_by_decision ON archive_rows(decision, created_at);
CREATE INDEX archive_by_clinician_name ON archive_rows(clinician_name COLLATE nocase, created_at);
CREATE INDEX archive_by_clinician ON archive_rows(clinician_id, created_at);
CREATE INDEX archive_by_consult_id ON archive_rows(consult_id);
-- The insights' denominators (SQLite 0010).
CREATE INDEX archive_for_insights ON archive_rows(status, pack_id, clinician_id, created_at);

CREATE FUNCTION archive_rows_kept() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    shown archive_rows;
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM archive_rows WHERE consult_rowid = OLD.rowid;
        RETURN NULL;
    END IF;
    shown := ROW(
        NEW.rowid, NEW.id, NEW.created_at,
        coalesce(consult_json_text(NEW.body, 'consult', 'patient', 'name'), ''),
        coalesce(consult_json_text(NEW.body, 'consult', 'patient', 'date_of_birth'), ''),
        coalesce(consult_json_text(NEW.body, 'consult', 'patient', 'mrn'), ''),
        coalesce(consult_json_text(NEW.body, 'consult', 'condition', 'diagnosis'), ''),
        NEW.pack_id, NEW.pack_version, NEW.status,
        coalesce(consult_json_text(NEW.body, 'consult', 'decision', 'choice'), ''),
        NEW.clinician_id,
        coalesce((SELECT name FROM clinicians WHERE id = NEW.clinician_id), ''));
    IF TG_OP = 'INSERT' THEN
        INSERT INTO archive_rows SELECT shown.*;
    ELSE
        UPDATE archive_rows SET
            consult_rowid = shown.consult_rowid, consult_id = shown.consult_id,
            created_at = shown.created_at, patient_name = shown.patient_name,
            date_of_birth = shown.date_of_birth, mrn = shown.mrn, diagnosis = shown.diagnosis,
            pack_id = shown.pack_id, pack_version = shown.pack_version, status = shown.status,
            decision = shown.decision, clinician_id = shown.clinician_id,
            clinician_name = shown.clinician_name
        WHERE consult_rowid = OLD.rowid;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_rows_insert AFTER INSERT ON consults
FOR EACH ROW EXECUTE FUNCTION archive_rows_kept();

CREATE TRIGGER archive_rows_update AFTER UPDATE ON consults
FOR EACH ROW EXECUTE FUNCTION archive_rows_kept();

CREATE TRIGGER archive_rows_delete AFTER DELETE ON consults
FOR EACH ROW EXECUTE FUNCTION archive_rows_kept();

-- The archive shows the clinician's name as it is now.
CREATE FUNCTION archive_rows_clinician_name() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE archive_rows SET clinician_name = NEW.name WHERE clinician_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_rows_clinician_name AFTER UPDATE OF name ON clinicians
FOR EACH ROW EXECUTE FUNCTION archive_rows_clinician_name();


-- The insights counts, added when a consult is signed (SQLite 0010) ----------------------------

CREATE TABLE insight_days (
    day          TEXT NOT NULL,  -- 'YYYY-MM-DD', the first ten characters of created_at
    pack_id      TEXT NOT NULL,
    clinician_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    discussed    bigint NOT NULL,
    partly       bigint NOT NULL,
    not_yet      bigint NOT NULL,
    re_explained bigint NOT NULL,
    PRIMARY KEY (day, pack_id, clinician_id, item_id)
);

CREATE TABLE insight_months (
    month        TEXT NOT NULL,  -- 'YYYY-MM'
    pack_id      TEXT NOT NULL,
    clinician_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    discussed    bigint NOT NULL,
    partly       bigint NOT NULL,
    not_yet      bigint NOT NULL,
    re_explained bigint NOT NULL,
    PRIMARY KEY (month, pack_id, clinician_id, item_id)
);

-- The marks of a consult's body: per understanding item discussed (JSON true, as SQLite's
-- json_extract(...) = 1), 1 discussed, and 1 partly / not yet understood / explained again.
CREATE FUNCTION consult_insight_marks(body text)
RETURNS TABLE (item_id text, discussed bigint, partly bigint, not_yet bigint,
               re_explained bigint)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT u.key, count(*),
       sum(CASE WHEN u.value #>> '{level}' = 'partly' THEN 1 ELSE 0 END),
       sum(CASE WHEN u.value #>> '{level}' = 'not_yet' THEN 1 ELSE 0 END),
       sum(CASE WHEN consult_json_is_one(u.value -> 're_explained') THEN 1 ELSE 0 END)
FROM pg_catalog.json_each(
    CASE WHEN pg_catalog.json_typeof($1::pg_catalog.json #> '{consult,understanding}')
              = 'object'
         THEN $1::pg_catalog.json #> '{consult,understanding}'
         ELSE '{}'::pg_catalog.json END) AS u
WHERE consult_json_is_one(u.value -> 'discussed')
GROUP BY u.key
$$;

-- Signing (draft -> signed) adds the consult's marks; nothing else changes a signed body.
CREATE FUNCTION insight_counts_signed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO insight_days AS d(day, pack_id, clinician_id, item_id, discussed, partly,
                                  not_yet, re_explained)
    SELECT substr(NEW.created_at, 1, 10), NEW.pack_id, NEW.clinician_id, m.item_id,
           m.discussed, m.partly, m.not_yet, m.re_explained
    FROM consult_insight_marks(NEW.body) AS m
    ON CONFLICT (day, pack_id, clinician_id, item_id) DO UPDATE SET
        discussed = d.discussed + excluded.discussed, partly = d.partly + excluded.partly,
        not_yet = d.not_yet + excluded.not_yet,
        re_explained = d.re_explained + excluded.re_explained;
    INSERT INTO insight_months AS o(month, pack_id, clinician_id, item_id, discussed, partly,
                                    not_yet, re_explained)
    SELECT substr(NEW.created_at, 1, 7), NEW.pack_id, NEW.clinician_id, m.item_id,
           m.discussed, m.partly, m.not_yet, m.re_explained
    FROM consult_insight_marks(NEW.body) AS m
    ON CONFLICT (month, pack_id, clinician_id, item_id) DO UPDATE SET
        discussed = o.discussed + excluded.discussed, partly = o.partly + excluded.partly,
        not_yet = o.not_yet + excluded.not_yet,
        re_explained = o.re_explained + excluded.re_explained;
    RETURN NULL;
END $$;

CREATE TRIGGER insight_counts_signed AFTER UPDATE OF status ON consults
FOR EACH ROW WHEN (OLD.status = 'draft' AND NEW.status IN ('signed', 'amended'))
EXECUTE FUNCTION insight_counts_signed();


-- Accounts and emergency access (SQLite 0011) ---------------------------------------------------

CREATE TABLE accounts (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    username TEXT COLLATE nocase NOT NULL UNIQUE
        CHECK (length(username) BETWEEN 2 AND 32 AND username = lower(username)),
    display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    last_failure_at TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE account_roles (
    account_id bigint NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL CHECK (role IN ('clinician', 'assistant', 'administrator')),
    PRIMARY KEY (account_id, role)
);

CREATE TRIGGER accounts_kept BEFORE DELETE ON accounts
FOR EACH ROW
EXECUTE FUNCTION consult_refuse('an account stays on record; deactivate it instead');

CREATE TRIGGER accounts_not_truncated BEFORE TRUNCATE ON accounts
FOR EACH STATEMENT
EXECUTE FUNCTION consult_refuse('an account stays on record; deactivate it instead');

CREATE TRIGGER accounts_named_once BEFORE UPDATE OF username, created_at ON accounts
FOR EACH ROW WHEN (NEW.username IS DISTINCT FROM OLD.username
                   OR NEW.created_at IS DISTINCT FROM OLD.created_at)
EXECUTE FUNCTION consult_refuse('an account keeps its user name');

CREATE TABLE emergency_codes (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code_hash TEXT NOT NULL CHECK (code_hash LIKE '$argon2id$%'),
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT,  -- the name the person using it gave
    used_reason TEXT,
    used_for TEXT,  -- the administrator account whose password it set
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    CHECK (used_at IS NULL OR (used_by IS NOT NULL AND used_reason IS NOT NULL
                               AND used_for IS NOT NULL)),
    CHECK (acknowledged_at IS NULL OR used_at IS NOT NULL)
);

CREATE TRIGGER emergency_codes_kept BEFORE DELETE ON emergency_codes
FOR EACH ROW EXECUTE FUNCTION consult_refuse('an emergency code stays on record');

CREATE TRIGGER emergency_codes_not_truncated BEFORE TRUNCATE ON emergency_codes
FOR EACH STATEMENT EXECUTE FUNCTION consult_refuse('an emergency code stays on record');

CREATE TRIGGER emergency_codes_used_once
BEFORE UPDATE OF used_at, used_by, used_reason, used_for ON emergency_codes
FOR EACH ROW WHEN (OLD.used_at IS NOT NULL)
EXECUTE FUNCTION consult_refuse('an emergency code is used once');
