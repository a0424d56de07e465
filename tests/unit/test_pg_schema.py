"""The PostgreSQL schema (migrations_pg/0001_schema.sql) keeps the SQLite archive's rules in the
server: signed records immutable, the audit trail append-only and hash-chained, the search index,
archive list and insights counts kept by triggers, and the same folding as Python's fold()."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg

from consult_aid.domain import Consult, TeachBack
from consult_aid.exchange.consult_json import stored_text
from consult_aid.storage import open_database
from consult_aid.storage.audit import chain_hash
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.folding import fold
from consult_aid.storage.search_query import tsquery
from tests.builders import NOW, sample_consult, sample_patient

PDF = b"%PDF-1.7\n% a stand-in archived summary\n%%EOF\n"
PDF_SHA = hashlib.sha256(PDF).hexdigest()
SIGNED_AT = "2026-11-25T15:02:00+01:00"
IMMUTABLE = "consult is signed: it cannot be changed, only amended by an addendum"


def schema_script() -> str:
    return (resources.files("consult_aid.storage")
            .joinpath("migrations_pg/0001_schema.sql").read_text(encoding="utf-8"))


@pytest.fixture
def con(pg_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection (autocommit) to a database with the schema applied."""
    with psycopg.connect(pg_url) as connection:
        connection.execute(schema_script())  # one script, no parameters
        connection.commit()
        connection.autocommit = True
        yield connection


def refused(con: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] | None,
            message: str) -> None:
    with pytest.raises(pg.RaiseException) as caught:
        con.execute(sql, params)
    assert caught.value.diag.message_primary == message


def searchable_consult(consult_id: str = "c0ffee00000000000000000000000001") -> Consult:
    c = sample_consult(consult_id, patient=sample_patient("Łukasz Müller", "MRN-0012"))
    c.condition.diagnosis = "Failed back surgery syndrome"
    c.lifestyle.work = "Works as a carpenter; enjoys fishing"
    partly = c.understanding_of("ipump-device")
    partly.discussed, partly.level, partly.re_explained = True, TeachBack.PARTLY, True
    not_yet = c.understanding_of("ipump-refill")
    not_yet.discussed, not_yet.level = True, TeachBack.NOT_YET
    c.understanding_of("ipump-mri").discussed = False  # not discussed: not counted
    return c


def store_draft(con: psycopg.Connection[Any], c: Consult) -> None:
    """The patient, clinician and draft rows of ``c`` (as the repositories write them)."""
    p, k = c.patient, c.clinician
    now = NOW.isoformat()
    con.execute("INSERT INTO clinicians(id, name, credentials, clinic, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (k.id, k.name, k.credentials, k.clinic, now, now))
    con.execute("INSERT INTO patients(id, name, date_of_birth, sex, mrn, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (p.id, p.name, p.date_of_birth.isoformat(), p.sex.value, p.mrn, now, now))
    con.execute("INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
                "pack_hash, status, created_at, updated_at, body) "
                "VALUES (%s, %s, %s, %s, %s, %s, 'draft', %s, %s, %s)",
                (c.id, p.id, k.id, c.pack.id, c.pack.version, c.pack.content_hash,
                 c.created_at.isoformat(), c.updated_at.isoformat(),
                 stored_text(dataclasses.replace(c, addenda=[]))))


def archive_summary(con: psycopg.Connection[Any], consult_id: str) -> None:
    con.execute("INSERT INTO documents(consult_id, kind, sha256, created_at, pdf) "
                "VALUES (%s, 'summary', %s, %s, %s)", (consult_id, PDF_SHA, SIGNED_AT, PDF))


def sign(con: psycopg.Connection[Any], consult_id: str, sha: str = PDF_SHA) -> None:
    con.execute("UPDATE consults SET status = 'signed', signed_at = %s, pdf_sha256 = %s "
                "WHERE id = %s", (SIGNED_AT, sha, consult_id))


@pytest.fixture
def signed_id(con: psycopg.Connection[Any]) -> str:
    c = searchable_consult()
    store_draft(con, c)
    archive_summary(con, c.id)
    sign(con, c.id)
    return c.id


def one(con: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> Any:
    row = con.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


# -- the script -------------------------------------------------------------------------------

def test_the_script_applies_on_an_empty_database(con: psycopg.Connection[Any]) -> None:
    tables = {r[0] for r in con.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {
        "clinicians", "patients", "consults", "documents", "addenda", "draft_steps",
        "audit_log", "audit_chain", "certificates", "consult_search", "patient_search",
        "archive_rows", "insight_days", "insight_months", "accounts", "account_roles",
        "emergency_codes"}
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'consults' "
        "ORDER BY ordinal_position")]
    assert columns == ["id", "patient_id", "clinician_id", "pack_id", "pack_version",
                       "pack_hash", "status", "created_at", "updated_at", "signed_at",
                       "pdf_sha256", "body", "row_version", "rowid"]
    assert one(con, "SELECT count(*) FROM pg_collation WHERE collname = 'nocase'") == 1


def test_a_database_without_a_utf8_aware_locale_is_refused(pg_admin_url: str) -> None:
    from tests.pg_server import with_database

    name = "consult_aid_test_c_locale"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                      "LC_COLLATE 'C' LC_CTYPE 'C'")
    try:
        with (psycopg.connect(with_database(pg_admin_url, name)) as connection,
              pytest.raises(pg.RaiseException, match="not UTF-8 aware")):
            connection.execute(schema_script())
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_body_that_is_not_json_is_refused(con: psycopg.Connection[Any]) -> None:
    c = sample_consult()
    store_draft(con, c)
    with pytest.raises(pg.CheckViolation):
        con.execute("UPDATE consults SET body = '{\"consult\": ' WHERE id = %s", (c.id,))


# -- signed records ---------------------------------------------------------------------------

def test_a_signed_consult_cannot_be_updated_deleted_or_truncated(
        con: psycopg.Connection[Any], signed_id: str) -> None:
    assert one(con, "SELECT status FROM consults WHERE id = %s", (signed_id,)) == "signed"
    refused(con, "UPDATE consults SET body = replace(body, 'carpenter', 'plumber') "
            "WHERE id = %s", (signed_id,), IMMUTABLE)
    refused(con, "UPDATE consults SET status = 'draft' WHERE id = %s", (signed_id,), IMMUTABLE)
    refused(con, "UPDATE consults SET pdf_sha256 = %s WHERE id = %s", ("0" * 64, signed_id),
            IMMUTABLE)
    refused(con, "DELETE FROM consults WHERE id = %s", (signed_id,),
            "consult is signed: it cannot be deleted")
    refused(con, "TRUNCATE consults CASCADE", None, "consult is signed: it cannot be deleted")
    # an upsert does not change it either
    refused(con, "INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
            "pack_hash, status, created_at, updated_at, body) "
            "SELECT id, patient_id, clinician_id, pack_id, pack_version, pack_hash, 'draft', "
            "created_at, updated_at, '{}' FROM consults WHERE id = %s "
            "ON CONFLICT (id) DO UPDATE SET body = excluded.body", (signed_id,), IMMUTABLE)
    assert "carpenter" in one(con, "SELECT body FROM consults WHERE id = %s", (signed_id,))


def test_signing_needs_the_archived_summary(con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    message = "consult cannot be signed without its archived summary PDF"
    refused(con, "UPDATE consults SET status = 'signed', signed_at = %s, pdf_sha256 = %s "
            "WHERE id = %s", (SIGNED_AT, PDF_SHA, c.id), message)
    archive_summary(con, c.id)
    refused(con, "UPDATE consults SET status = 'signed', signed_at = %s, pdf_sha256 = %s "
            "WHERE id = %s", (SIGNED_AT, "f" * 64, c.id), message)
    sign(con, c.id)
    assert one(con, "SELECT status FROM consults WHERE id = %s", (c.id,)) == "signed"


def test_a_consult_enters_as_a_draft(con: psycopg.Connection[Any]) -> None:
    c = sample_consult()
    store_draft(con, c)
    refused(con, "INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
            "pack_hash, status, created_at, updated_at, body, pdf_sha256) "
            "SELECT 'other', patient_id, clinician_id, pack_id, pack_version, pack_hash, "
            "'signed', created_at, updated_at, body, %s FROM consults", (PDF_SHA,),
            "a consult is stored as a draft first; it is signed with its archived PDF")


def test_row_version_changes_only_while_a_draft_and_when_amended(
        con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    for _ in range(2):
        con.execute("UPDATE consults SET row_version = row_version + 1, updated_at = %s "
                    "WHERE id = %s", (SIGNED_AT, c.id))
    assert one(con, "SELECT row_version FROM consults WHERE id = %s", (c.id,)) == 3
    archive_summary(con, c.id)
    con.execute("UPDATE consults SET status = 'signed', signed_at = %s, pdf_sha256 = %s, "
                "row_version = row_version + 1 WHERE id = %s", (SIGNED_AT, PDF_SHA, c.id))
    refused(con, "UPDATE consults SET row_version = row_version + 1 WHERE id = %s", (c.id,),
            IMMUTABLE)
    con.execute("UPDATE consults SET status = 'amended', row_version = row_version + 1 "
                "WHERE id = %s", (c.id,))
    assert one(con, "SELECT row_version FROM consults WHERE id = %s", (c.id,)) == 5
    refused(con, "UPDATE consults SET row_version = row_version + 1 WHERE id = %s", (c.id,),
            IMMUTABLE)
    con.execute("UPDATE consults SET status = 'amended', updated_at = %s WHERE id = %s",
                (SIGNED_AT, c.id))  # as SQLite: amending again, nothing else changing


# The program's save of a draft (consult_aid/storage/consults.py save_draft), as it runs here.
SAVE_DRAFT = (
    "INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
    "pack_hash, status, created_at, updated_at, body) "
    "VALUES (%s, %s, %s, %s, %s, %s, 'draft', %s, %s, %s) "
    "ON CONFLICT(id) DO UPDATE SET patient_id=excluded.patient_id, "
    "clinician_id=excluded.clinician_id, pack_id=excluded.pack_id, "
    "pack_version=excluded.pack_version, pack_hash=excluded.pack_hash, "
    "updated_at=excluded.updated_at, body=excluded.body, "
    "row_version=consults.row_version + 1 "
    "WHERE consults.status = 'draft' RETURNING row_version"
)


def save_draft(con: psycopg.Connection[Any], c: Consult) -> tuple[Any, ...] | None:
    return con.execute(SAVE_DRAFT, (
        c.id, c.patient.id, c.clinician.id, c.pack.id, c.pack.version, c.pack.content_hash,
        c.created_at.isoformat(), c.updated_at.isoformat(), stored_text(c))).fetchone()


def test_the_programs_draft_save_updates_a_draft_and_never_a_signed_one(
        con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    c.lifestyle.work = "Works as a plumber"
    assert save_draft(con, c) == (2,)
    assert save_draft(con, c) == (3,)
    assert found(con, "plumber:*") and not found(con, "carpenter:*")
    archive_summary(con, c.id)
    sign(con, c.id)
    c.lifestyle.work = "Works as a baker"
    with pytest.raises(pg.RaiseException) as caught:
        save_draft(con, c)
    assert caught.value.diag.message_primary == IMMUTABLE
    assert one(con, "SELECT row_version FROM consults") == 3
    assert "plumber" in one(con, "SELECT body FROM consults")


def test_documents_are_kept_and_one_summary(con: psycopg.Connection[Any],
                                             signed_id: str) -> None:
    refused(con, "UPDATE documents SET pdf = %s", (b"%PDF forged",),
            "archived documents cannot be changed")
    refused(con, "DELETE FROM documents", None, "archived documents cannot be deleted")
    refused(con, "TRUNCATE documents CASCADE", None, "archived documents cannot be deleted")
    with pytest.raises(pg.RaiseException, match="consult already has its signed summary"):
        archive_summary(con, signed_id)
    refused(con, "INSERT INTO documents(id, consult_id, kind, sha256, created_at, pdf) "
            "SELECT id, consult_id, 'addendum', sha256, created_at, pdf FROM documents", None,
            "archived documents cannot be changed")


def test_addenda_only_after_signing_and_kept(con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    add = ("INSERT INTO addenda(id, consult_id, written_at, author, text) "
           "VALUES (%s, %s, %s, 'Dr. Amara Okafor', 'Trial booked for 9 December.')")
    refused(con, add, ("a1", c.id, SIGNED_AT), "a draft consult is edited directly, not amended")
    archive_summary(con, c.id)
    sign(con, c.id)
    con.execute(add, ("a1", c.id, SIGNED_AT))
    con.execute("UPDATE consults SET status = 'amended' WHERE id = %s", (c.id,))
    refused(con, "UPDATE addenda SET text = 'Changed.'", None, "addenda cannot be changed")
    refused(con, "DELETE FROM addenda", None, "addenda cannot be deleted")
    refused(con, "TRUNCATE addenda", None, "addenda cannot be deleted")
    refused(con, add, ("a1", c.id, SIGNED_AT), "addenda cannot be changed")
    assert one(con, "SELECT count(*) FROM addenda") == 1


def test_a_draft_can_be_deleted_and_its_step_goes_with_it(con: psycopg.Connection[Any]) -> None:
    c = sample_consult()
    store_draft(con, c)
    con.execute("INSERT INTO draft_steps(consult_id, step_id) VALUES (%s, 'history')", (c.id,))
    con.execute("DELETE FROM consults WHERE id = %s", (c.id,))
    assert one(con, "SELECT count(*) FROM draft_steps") == 0
    assert one(con, "SELECT count(*) FROM consult_search") == 0


# -- the audit chain --------------------------------------------------------------------------

AUDIT_INSERT = ("INSERT INTO audit_log(at, actor, action, consult_id, detail, hash) "
                "VALUES (%s, %s, %s, %s, %s, %s)")


def test_the_audit_chain_is_enforced(con: psycopg.Connection[Any]) -> None:
    first = ("2026-11-25T14:00:00+00:00", "amara", "sign-in", None, "")
    link1 = chain_hash("", *first)
    con.execute(AUDIT_INSERT, (*first, link1))
    second = ("2026-11-25T14:01:00+00:00", "amara", "draft-saved", "c1", "parts: patient")
    wrong = chain_hash("", *second)  # not linked to the first entry
    refused(con, AUDIT_INSERT, (*second, wrong), "the audit entry does not continue the hash chain")
    refused(con, AUDIT_INSERT, (*second, ""), "the audit entry does not continue the hash chain")
    link2 = chain_hash(link1, *second)
    con.execute(AUDIT_INSERT, (*second, link2))
    # a third entry with Unicode and a separator-like text still links the same way
    third = ("2026-11-25T14:02:00+00:00", "łukasz", "exported", "c1", "to: Müller\x1fcopy")
    con.execute(AUDIT_INSERT, (*third, chain_hash(link2, *third)))
    assert one(con, "SELECT count(*) FROM audit_log") == 3

    refused(con, "UPDATE audit_log SET detail = 'x' WHERE id = 1", None,
            "the audit log is append-only")
    refused(con, "DELETE FROM audit_log", None, "the audit log is append-only")
    refused(con, "TRUNCATE audit_log", None, "the audit log is append-only")
    refused(con, "INSERT INTO audit_log(id, at, actor, action, detail, hash) "
            "VALUES (2, 'x', 'x', 'x', '', '')", None, "the audit log is append-only")
    refused(con, "INSERT INTO audit_chain(legacy_until) VALUES (10)", None,
            "where the audit chain starts is fixed")


def test_two_rooms_cannot_fork_the_audit_chain(con: psycopg.Connection[Any],
                                               pg_url: str) -> None:
    """Room A's entry is not committed yet; room B, which read the chain before it, waits
    for A and is then refused, instead of making a second entry after the same link."""
    first = ("2026-11-25T14:00:00+00:00", "amara", "sign-in", None, "")
    link1 = chain_hash("", *first)
    con.execute(AUDIT_INSERT, (*first, link1))
    entry_a = ("2026-11-25T14:01:00+00:00", "amara", "opened", "c1", "")
    entry_b = ("2026-11-25T14:01:00+00:00", "ben", "opened", "c2", "")
    outcome: list[BaseException | None] = []
    with psycopg.connect(pg_url) as room_a, psycopg.connect(pg_url) as room_b:
        room_b.execute("SET lock_timeout = '20s'")
        room_a.execute(AUDIT_INSERT, (*entry_a, chain_hash(link1, *entry_a)))  # not committed

        def write_b() -> None:
            try:
                room_b.execute(AUDIT_INSERT, (*entry_b, chain_hash(link1, *entry_b)))
                room_b.commit()
                outcome.append(None)
            except psycopg.Error as exc:
                room_b.rollback()
                outcome.append(exc)

        thread = threading.Thread(target=write_b)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # B waits for A
        room_a.commit()
        thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], pg.RaiseException)
    assert outcome[0].diag.message_primary == "the audit entry does not continue the hash chain"
    assert [r[0] for r in con.execute("SELECT actor FROM audit_log ORDER BY id")] == [
        "amara", "amara"]


def test_entries_copied_from_sqlite_keep_their_legacy_start(con: psycopg.Connection[Any]) -> None:
    con.execute("INSERT INTO audit_chain(legacy_until) VALUES (0)")
    con.execute("UPDATE audit_chain SET legacy_until = 2")  # while the log is empty
    refused(con, "INSERT INTO audit_chain(legacy_until) VALUES (5)", None,
            "where the audit chain starts is fixed")
    for number in (1, 2):  # written before SQLite's chain began: no hash
        con.execute("INSERT INTO audit_log(id, at, actor, action, detail) "
                    "VALUES (%s, '2025-01-01T00:00:00+00:00', 'old', 'opened', '')", (number,))
    refused(con, "INSERT INTO audit_log(id, at, actor, action, detail) "
            "VALUES (3, '2025-01-02T00:00:00+00:00', 'old', 'opened', '')", None,
            "the audit entry does not continue the hash chain")
    entry = ("2025-01-02T00:00:00+00:00", "amara", "opened", None, "")
    con.execute("INSERT INTO audit_log(id, at, actor, action, consult_id, detail, hash) "
                "VALUES (3, %s, %s, %s, %s, %s, %s)", (*entry, chain_hash("", *entry)))
    refused(con, "UPDATE audit_chain SET legacy_until = 3", None,
            "where the audit chain starts is fixed")
    refused(con, "DELETE FROM audit_chain", None, "where the audit chain starts is fixed")


# -- folding and search -----------------------------------------------------------------------

NAMES = [
    "Łukasz Müller", "Mueller", "MÜLLER", "Möller", "Moeller", "Bäcker", "Baecker", "Straße",
    "GROẞE", "Grzegorz Brzęczyszczykiewicz", "Józef Żółć", "Søren Ørsted", "Ærø", "Åsa Ångström",
    "Þórður Guðmundsdóttir", "Ðorđe Đukić", "Ὀδυσσεύς Παπαδόπουλος", "ΆΈΉΊΌΎΏ ΐΰ",
    "İsmail Işık Çağlar Şahin Ğ", "Nguyễn Thị Hương", "Trần Đức Thắng", "François Lefèvre-Noël",
    "Œuvre cœur", "José Peña Núñez", "Ångel Ñandú", "ﬁnal ﬂow ﬀ ﬃ", "Œdipe Æsir ĳssel",
    "McDonald O'Brien", "Ħal Għargħur ħ", "Saint-Étienne ſ", "ŉ", "Ŀlobregat", "² ½ ™ ℃ ①",
    "ＭＲＮ－００１２", "MRN-0012", "mrn_0012", "12345", "Aeoeue", "QUEUE", "", "tab\tand\nline",
    "Zoë Brontë", "Dvořák Škoda Čapek Řehoř", "Ṣọ̀ọ̀kọ́", "Ōsaka Tōkyō", "Łódź", "café",
    "naïve", "Heinz-Jürgen Schäfer-Ueberreuter",
]


def test_consult_fold_is_pythons_fold(con: psycopg.Connection[Any]) -> None:
    for name in NAMES:
        assert one(con, "SELECT consult_fold(%s)", (name,)) == fold(name), name
    assert one(con, "SELECT consult_fold(NULL)") is None
    assert one(con, "SELECT consult_fold(%s)", ("Łukasz Müller",)) == "Lukasz Muller"
    assert one(con, "SELECT consult_search_words(%s)", ("MRN-0012 Łukasz_Müller",)) == (
        "mrn 0012 lukasz muller")


def test_consult_fold_is_pythons_fold_for_every_character(con: psycopg.Connection[Any]) -> None:
    """Each character (but NUL and the surrogates), alone and before an 'e': no exception."""
    chars = [chr(c) for c in range(1, sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]
    for start in range(0, len(chars), 60_000):
        batch = [ch + "e" for ch in chars[start:start + 60_000]]
        folded = con.execute("SELECT consult_fold(s) FROM unnest(%s::text[]) "
                             "WITH ORDINALITY AS t(s, n) ORDER BY n", (batch,)).fetchall()
        differ = [(hex(ord(s[0])), fold(s), r) for s, (r,) in zip(batch, folded, strict=True)
                  if fold(s) != r]
        assert differ == []


def found(con: psycopg.Connection[Any], query: str) -> bool:
    return bool(one(con, "SELECT count(*) FROM consult_search "
                         "WHERE document @@ to_tsquery('simple', %s)", (query,)))


def test_search_finds_a_consult_as_sqlite_does(con: psycopg.Connection[Any],
                                               tmp_path: Path) -> None:
    c = searchable_consult()
    store_draft(con, c)
    for query in ("lukasz:*", "muller:*", "mrn <-> 0012:*", "carp:*", "fish:*",
                  "failed & syndrome", "'lu':*"):
        assert found(con, query), query
    for query in ("fisherman:*", "mueller:*", "mrn <-> 0013:*", "plumber:*"):
        assert not found(con, query), query  # (the program folds "mueller" before it asks)
    for typed in ("Lukasz", "mueller", "MÜLLER", "Muller", "mrn-0012", "MRN 0012", "carp",
                  "fish", "Failed back", "lu"):
        assert found(con, tsquery(typed) or ""), typed
    for typed in ("fisherman", "MRN-0013", "Moeller", "plumber"):
        assert not found(con, tsquery(typed) or ""), typed

    # the folded columns hold what SQLite's consult_search holds for the same consult
    with open_database(tmp_path / "db.sqlite3") as db:
        ConsultRepository(db).save_draft(c)
        expected = db.query_one("SELECT patient_name, mrn, diagnosis, free_text "
                                "FROM consult_search WHERE rowid > 0")
    got = con.execute("SELECT patient_name, mrn, diagnosis, free_text FROM consult_search"
                      ).fetchone()
    assert got == tuple(expected or ())
    assert got is not None and got[0] == "Lukasz Muller" and got[1] == "MRN-0012"

    # a changed body is searched as changed; a deleted draft is gone
    con.execute("UPDATE consults SET body = replace(body, 'carpenter', 'plumber')")
    assert found(con, "plumber:*") and not found(con, "carp:*")
    con.execute("DELETE FROM consults")
    assert one(con, "SELECT count(*) FROM consult_search") == 0


def test_patients_are_searched_by_name_and_mrn(con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    query = ("SELECT count(*) FROM patient_search AS s JOIN patients AS p ON p.rowid = s.rowid "
             "WHERE s.document @@ to_tsquery('simple', %s)")
    assert one(con, query, (tsquery("Mueller"),)) == 1
    assert one(con, query, (tsquery("MRN-0012"),)) == 1
    con.execute("UPDATE patients SET name = 'Łucja Nowak'")
    assert one(con, query, (tsquery("Mueller"),)) == 0
    assert one(con, query, (tsquery("Łucja"),)) == 1
    assert one(con, "SELECT name FROM patient_search") == "Lucja Nowak"


# -- archive list and insights ----------------------------------------------------------------

def archive_row(con: psycopg.Connection[Any]) -> tuple[Any, ...] | None:
    return con.execute("SELECT a.consult_rowid = c.rowid, a.consult_id, a.patient_name, "
                       "a.date_of_birth, a.mrn, a.diagnosis, a.status, a.decision, "
                       "a.clinician_name FROM archive_rows AS a "
                       "LEFT JOIN consults AS c ON c.id = a.consult_id").fetchone()


def test_archive_rows_follow_the_consults(con: psycopg.Connection[Any]) -> None:
    c = searchable_consult()
    store_draft(con, c)
    assert archive_row(con) == (True, c.id, "Łukasz Müller", "1961-04-12", "MRN-0012",
                                "Failed back surgery syndrome", "draft", "go_ahead_trial",
                                "Dr. Amara Okafor")
    c.decision = dataclasses.replace(c.decision, choice=None)
    con.execute("UPDATE consults SET body = %s", (stored_text(c),))
    row = archive_row(con)
    assert row is not None and row[7] == ""
    con.execute("UPDATE clinicians SET name = 'Dr. Amara Okafor-Reid'")
    row = archive_row(con)
    assert row is not None and row[8] == "Dr. Amara Okafor-Reid"
    archive_summary(con, c.id)
    sign(con, c.id)
    row = archive_row(con)
    assert row is not None and row[6] == "signed"
    other = sample_consult("c0ffee00000000000000000000000002")
    store_draft(con, other)
    assert one(con, "SELECT count(*) FROM archive_rows") == 2
    con.execute("DELETE FROM consults WHERE id = %s", (other.id,))
    assert one(con, "SELECT count(*) FROM archive_rows") == 1


def test_insight_counts_are_added_when_signed(con: psycopg.Connection[Any]) -> None:
    counts = ("SELECT item_id, discussed, partly, not_yet, re_explained FROM {} "
              "ORDER BY item_id")
    for number in (1, 2):
        c = searchable_consult(f"c0ffee0000000000000000000000000{number}")
        store_draft(con, c)
        if number == 1:  # a draft counts nothing
            assert con.execute(counts.format("insight_days")).fetchall() == []
        archive_summary(con, c.id)
        sign(con, c.id)
    expected = [("ipump-device", 2, 2, 0, 2), ("ipump-infection", 2, 0, 0, 0),
                ("ipump-refill", 2, 0, 2, 0)]
    assert con.execute(counts.format("insight_days")).fetchall() == expected
    assert con.execute(counts.format("insight_months")).fetchall() == expected
    assert one(con, "SELECT DISTINCT day FROM insight_days") == "2026-11-25"
    assert one(con, "SELECT DISTINCT month FROM insight_months") == "2026-11"
    con.execute("UPDATE consults SET status = 'amended'")  # amending adds nothing
    assert con.execute(counts.format("insight_days")).fetchall() == expected


# -- collation, accounts, certificates, emergency codes ---------------------------------------

def test_nocase_orders_and_compares_without_case(con: psycopg.Connection[Any]) -> None:
    names = [r[0] for r in con.execute(
        "SELECT n FROM unnest(ARRAY['Bert', 'adam', 'Carl', 'bea']) AS n "
        "ORDER BY n COLLATE nocase")]
    assert names == ["adam", "bea", "Bert", "Carl"]
    assert one(con, "SELECT 'ADAM' = 'adam' COLLATE nocase") is True


ACCOUNT = ("INSERT INTO accounts(username, display_name, password_hash, created_at, "
           "password_changed_at) VALUES (%s, 'Amara Okafor', '$argon2id$v=19$m=1,t=1,p=1$x$y', "
           "'2026-11-25T14:00:00+00:00', '2026-11-25T14:00:00+00:00')")


def test_account_names_are_unique_without_case_and_kept(con: psycopg.Connection[Any]) -> None:
    con.execute(ACCOUNT, ("amara",))
    with pytest.raises(pg.UniqueViolation):
        con.execute(ACCOUNT, ("AMARA",))
    assert one(con, "SELECT count(*) FROM accounts WHERE username = 'Amara'") == 1
    refused(con, "UPDATE accounts SET username = 'amara2'", None, "an account keeps its user name")
    con.execute("UPDATE accounts SET active = 0, failed_attempts = 3")
    refused(con, "DELETE FROM accounts", None, "an account stays on record; deactivate it instead")
    with pytest.raises(pg.CheckViolation):
        con.execute(ACCOUNT, ("x",))


def test_certificates_and_emergency_codes_are_kept(con: psycopg.Connection[Any]) -> None:
    con.execute("INSERT INTO certificates(fingerprint, role, subject, pem, added_at) "
                "VALUES (%s, 'trusted', 'CN=Other', 'PEM', '2026-11-25')", ("a" * 64,))
    con.execute("UPDATE certificates SET removed_at = '2026-11-26'")
    refused(con, "UPDATE certificates SET pem = 'forged'", None,
            "a pinned or trusted certificate is never changed")
    refused(con, "DELETE FROM certificates", None,
            "a pinned or trusted certificate stays on record")
    con.execute("INSERT INTO emergency_codes(code_hash, issued_at, issued_by) "
                "VALUES ('$argon2id$h', '2026-11-25', 'amara')")
    con.execute("UPDATE emergency_codes SET used_at = '2026-11-26', used_by = 'Ben', "
                "used_reason = 'locked out', used_for = 'amara'")
    refused(con, "UPDATE emergency_codes SET used_at = '2026-11-27'", None,
            "an emergency code is used once")
    con.execute("UPDATE emergency_codes SET acknowledged_at = '2026-11-27', "
                "acknowledged_by = 'amara'")
    refused(con, "DELETE FROM emergency_codes", None, "an emergency code stays on record")
