"""Signed consults, archived PDFs, addenda and the audit log cannot be changed, even in SQL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from consult_aid.domain import Addendum, ConsultStatus
from consult_aid.domain.consult import RecordLockedError
from consult_aid.storage import open_database
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from tests.builders import NOW, sample_consult, sign_in_place

PDF = b"%PDF-1.7\n% a stand-in archived document body\n%%EOF\n"


@pytest.fixture
def db(tmp_path: Path):
    with open_database(tmp_path / "db.sqlite3") as database:
        yield database


@pytest.fixture
def signed_id(db) -> str:
    repo = ConsultRepository(db)
    consult = sample_consult()
    repo.save_draft(consult)
    repo.sign(sign_in_place(consult), PDF)
    return consult.id


def stored_body(db, consult_id: str) -> str:
    """The consult row's JSON text as stored (read with SQL, past the repositories)."""
    row = db.query_one("SELECT body FROM consults WHERE id = ?", (consult_id,))
    assert row is not None
    return str(row[0])


def raw(db, sql: str, *params) -> None:
    """Bypass the repositories: the rule must hold in SQL itself."""
    with db.transaction() as con:
        con.execute(sql, params)


@pytest.mark.parametrize("sql", [
    "UPDATE consults SET body = json_set(body, '$.consult.decision.choice', 'decline') "
    "WHERE id = ?",
    "UPDATE consults SET status = 'draft' WHERE id = ?",
    "UPDATE consults SET pdf_sha256 = 'x' WHERE id = ?",
    "DELETE FROM consults WHERE id = ?",
    "UPDATE documents SET pdf = X'00' WHERE consult_id = ?",
    "DELETE FROM documents WHERE consult_id = ?",
])
def test_sql_cannot_change_or_delete_a_signed_consult_or_its_pdf(db, signed_id, sql) -> None:
    with pytest.raises(RecordLockedError):
        raw(db, sql, signed_id)
    consult = ConsultRepository(db).get(signed_id)
    assert consult.status is ConsultStatus.SIGNED
    assert consult.decision.choice.value == "go_ahead_trial"
    assert ConsultRepository(db).document(signed_id) == PDF


@pytest.mark.parametrize("sql", [
    "INSERT OR REPLACE INTO consults SELECT id, patient_id, clinician_id, pack_id, pack_version, "
    "pack_hash, 'draft', created_at, updated_at, NULL, '', "
    "json_set(body, '$.consult.decision.choice', 'decline'), row_version "
    "FROM consults WHERE id = ?",
    "REPLACE INTO documents SELECT id, consult_id, kind, sha256, created_at, X'00' "
    "FROM documents WHERE consult_id = ?",
])
def test_insert_or_replace_cannot_overwrite_a_signed_record(db, signed_id, sql) -> None:
    with pytest.raises(RecordLockedError):
        raw(db, sql, signed_id)
    assert ConsultRepository(db).get(signed_id).decision.choice.value == "go_ahead_trial"
    assert ConsultRepository(db).document(signed_id) == PDF


def test_the_guards_hold_without_recursive_triggers(db, signed_id) -> None:
    """Another program's connection may not set recursive_triggers: the INSERT guards hold."""
    db.connection.execute("PRAGMA recursive_triggers=OFF")
    with pytest.raises(RecordLockedError):
        raw(db, "INSERT OR REPLACE INTO consults SELECT id, patient_id, clinician_id, pack_id, "
                "pack_version, pack_hash, 'draft', created_at, updated_at, NULL, '', body, "
                "row_version FROM consults WHERE id = ?", signed_id)
    AuditLog(db).record("consult.started", consult_id="c1")
    with pytest.raises(RecordLockedError, match="append-only"):
        raw(db, "INSERT OR REPLACE INTO audit_log(id, at, actor, action) "
                "SELECT id, at, actor, 'forged' FROM audit_log")


def test_a_signed_consult_cannot_be_inserted_directly(db) -> None:
    consult = sample_consult()
    ConsultRepository(db).save_draft(consult)
    with pytest.raises(RecordLockedError, match="stored as a draft first"):
        raw(db, "INSERT INTO consults SELECT 'forged', patient_id, clinician_id, pack_id, "
                "pack_version, pack_hash, 'signed', created_at, updated_at, created_at, "
                "'', body, 1 FROM consults WHERE id = ?", consult.id)


def test_the_repository_refuses_to_save_a_signed_consult_as_draft(db, signed_id) -> None:
    consult = ConsultRepository(db).get(signed_id)
    with pytest.raises(RecordLockedError):
        ConsultRepository(db).save_draft(consult)
    consult.status = ConsultStatus.DRAFT  # even if the object is tampered with
    with pytest.raises(RecordLockedError):
        ConsultRepository(db).save_draft(consult)


def test_signing_needs_the_archived_pdf(db) -> None:
    consult = sample_consult()
    ConsultRepository(db).save_draft(consult)
    with pytest.raises(RecordLockedError, match="archived summary"):
        raw(db, "UPDATE consults SET status = 'signed', pdf_sha256 = ? WHERE id = ?",
            "0" * 64, consult.id)


def test_a_draft_can_be_edited_and_deleted(db) -> None:
    repo = ConsultRepository(db)
    consult = sample_consult()
    repo.save_draft(consult)
    consult.lifestyle.goals = "Play with my grandchildren"
    repo.save_draft(consult)
    assert repo.get(consult.id).lifestyle.goals == "Play with my grandchildren"
    raw(db, "DELETE FROM consults WHERE id = ?", consult.id)
    assert not repo.exists(consult.id)


def test_an_addendum_amends_without_touching_the_signed_record(db, signed_id) -> None:
    repo = ConsultRepository(db)
    before = stored_body(db, signed_id)
    repo.add_addendum(signed_id, Addendum(NOW + timedelta(days=2), "Dr. Amara Okafor",
                                          "Patient phoned: trial date moved to 16 Dec."))
    after = repo.get(signed_id)
    assert after.status is ConsultStatus.AMENDED
    assert [a.text for a in after.addenda] == ["Patient phoned: trial date moved to 16 Dec."]
    assert stored_body(db, signed_id) == before
    with pytest.raises(RecordLockedError):
        raw(db, "UPDATE addenda SET text = 'changed'")
    with pytest.raises(RecordLockedError):
        raw(db, "DELETE FROM addenda")


def test_a_draft_cannot_get_an_addendum(db) -> None:
    consult = sample_consult()
    ConsultRepository(db).save_draft(consult)
    with pytest.raises(RecordLockedError, match="draft"):
        ConsultRepository(db).add_addendum(consult.id, Addendum(NOW, "Dr. A", "note"))


def test_the_audit_log_is_append_only(db) -> None:
    AuditLog(db).record("consult.started", consult_id="c1", detail="pack intrathecal-pump")
    with pytest.raises(RecordLockedError, match="append-only"):
        raw(db, "UPDATE audit_log SET action = 'x'")
    with pytest.raises(RecordLockedError, match="append-only"):
        raw(db, "DELETE FROM audit_log")
    assert [e.action for e in AuditLog(db).entries("c1")] == ["consult.started"]


def test_a_second_summary_cannot_be_archived(db, signed_id) -> None:
    with pytest.raises(RecordLockedError, match="already has"):
        raw(db, "INSERT INTO documents(consult_id, kind, sha256, created_at, pdf) "
                "VALUES (?, 'summary', ?, '2026-11-25', X'00')", signed_id, "1" * 64)


def test_foreign_keys_are_enforced(db) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        raw(db, "INSERT INTO documents(consult_id, kind, sha256, created_at, pdf) "
                "VALUES ('no-such-consult', 'addendum', ?, '2026-11-25', X'00')", "2" * 64)


def test_a_failed_transaction_leaves_nothing_behind(db) -> None:
    repo = ConsultRepository(db)
    consult = sample_consult()
    with pytest.raises(RuntimeError), db.transaction():
        repo.save_draft(consult)
        AuditLog(db).record("consult.started", consult_id=consult.id)
        raise RuntimeError("power cut")
    assert not repo.exists(consult.id)
    assert AuditLog(db).entries() == []
