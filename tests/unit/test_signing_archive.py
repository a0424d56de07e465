"""sign_and_archive: validate, render, sign, verify, commit with the PDF (the database holds the
one archived copy, checked on every read), audit; verify by archive."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from consult_aid.datadir import DataFolder
from consult_aid.domain import ConsultStatus
from consult_aid.domain.consult import RecordLockedError
from consult_aid.domain.validation import ValidationError
from consult_aid.errors import DamagedDatabaseError
from consult_aid.services.signing import sign_and_archive, verify_document
from consult_aid.signing.identity import WrongPasswordError, create_identity
from consult_aid.signing.verify import Verdict
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from tests.pdfcheck import demo_consult, demo_pack, flat_text
from tests.signed_in import signed_database

PASSWORD = "clinic-password"
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=-5)))


@pytest.fixture
def identity(data_folder: DataFolder):  # type: ignore[no-untyped-def]
    return create_identity(data_folder.identity, name="Dr. Sam Rivera", clinic="Demo Pain Clinic",
                           password=PASSWORD)


def test_sign_and_archive_stores_file_row_and_audit(data_folder: DataFolder, identity) -> None:
    consult, pack = demo_consult(), demo_pack()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        result = sign_and_archive(db, consult, pack, identity, PASSWORD, NOW)
        repo = ConsultRepository(db)
        stored = repo.get(consult.id)
        archived = repo.document(consult.id)
        entries = AuditLog(db).entries(consult.id)
    assert result.pdf == archived
    assert hashlib.sha256(archived).hexdigest() == result.sha256 == stored.pdf_sha256
    assert stored.status is ConsultStatus.SIGNED and stored.signed_at == NOW
    assert [e.action for e in entries][-1] == "consult.signed"
    assert result.sha256 in entries[-1].detail
    assert consult.status is ConsultStatus.DRAFT  # the caller's object is left as it was
    assert "Signed" in flat_text(archived)
    # one copy: the database; nothing is written beside it in the data folder
    assert list(data_folder.root.rglob("*.pdf")) == []


def test_an_archived_pdf_that_no_longer_matches_its_hash_is_never_handed_out(
        data_folder: DataFolder, identity) -> None:
    import sqlite3

    consult = demo_consult()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        sign_and_archive(db, consult, demo_pack(), identity, PASSWORD, NOW)
    # Damage the stored bytes behind the program's back (its guard trigger dropped first).
    con = sqlite3.connect(data_folder.database)
    con.execute("DROP TRIGGER documents_are_immutable")
    (pdf,) = con.execute("SELECT pdf FROM documents WHERE consult_id = ?",
                         (consult.id,)).fetchone()
    damaged = bytearray(pdf)
    damaged[len(damaged) // 2] ^= 0xFF
    con.execute("UPDATE documents SET pdf = ? WHERE consult_id = ?", (bytes(damaged), consult.id))
    con.commit()
    con.close()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db, \
            pytest.raises(DamagedDatabaseError, match="no longer matches"):
        ConsultRepository(db).document(consult.id)


def test_verify_finds_the_archive_record_and_own_identity(data_folder: DataFolder,
                                                          identity) -> None:
    consult = demo_consult()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        result = sign_and_archive(db, consult, demo_pack(), identity, PASSWORD,
                                  NOW)
    report = verify_document(result.pdf, data_folder)
    assert report.verdict is Verdict.VALID
    assert report.archive_record is not None and report.archive_record.id == consult.id
    assert report.own_identity is True
    elsewhere = verify_document(result.pdf, None)
    # without the clinic's certificates nobody is known: intact, but by an unknown signer
    assert elsewhere.verdict is Verdict.UNKNOWN_SIGNER and elsewhere.archive_record is None
    assert elsewhere.verification.ok
    assert not elsewhere.archive_checked and elsewhere.own_identity is None


def test_a_signed_consult_cannot_be_signed_again(data_folder: DataFolder, identity) -> None:
    consult = demo_consult()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        result = sign_and_archive(db, consult, demo_pack(), identity, PASSWORD, NOW)
        with pytest.raises(RecordLockedError):
            sign_and_archive(db, result.consult, demo_pack(), identity, PASSWORD,
                             NOW)


def test_an_incomplete_consult_is_refused_and_nothing_written(data_folder: DataFolder,
                                                              identity) -> None:
    consult = demo_consult()
    consult.signatures = [s for s in consult.signatures if s.role.value != "patient"]
    consult.decision.next_steps = ""
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        with pytest.raises(ValidationError) as info:
            sign_and_archive(db, consult, demo_pack(), identity, PASSWORD, NOW)
        assert not ConsultRepository(db).exists(consult.id)
    fields = {p.field for p in info.value.problems}
    assert {"signatures.patient", "decision.next_steps"} <= fields


def test_a_wrong_password_writes_nothing(data_folder: DataFolder, identity) -> None:
    consult = demo_consult()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        with pytest.raises(WrongPasswordError):
            sign_and_archive(db, consult, demo_pack(), identity, "wrong-password",
                             NOW)
        assert not ConsultRepository(db).exists(consult.id)


def test_a_pack_other_than_the_consults_is_refused(data_folder: DataFolder, identity) -> None:
    from tests.pdfcheck import builtin_pack

    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db, \
            pytest.raises(ValidationError, match="was held with pack"):
        sign_and_archive(db, demo_consult(), builtin_pack("spinal-cord-stimulator"),
                         identity, PASSWORD, NOW)


def test_a_consult_needing_more_information_can_be_signed_with_open_items(
        data_folder: DataFolder, identity) -> None:
    from consult_aid.domain import DecisionChoice, TeachBack

    consult, pack = demo_consult(), demo_pack()
    from consult_aid.domain.step_rules import consult_items

    first, second = consult_items(consult, pack)[:2]
    consult.understanding[first.id].level = TeachBack.NOT_YET
    del consult.understanding[second.id]
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        with pytest.raises(ValidationError, match="Not yet understood"):
            sign_and_archive(db, consult, pack, identity, PASSWORD, NOW)
        consult.decision.choice = DecisionChoice.MORE_INFORMATION
        result = sign_and_archive(db, consult, pack, identity, PASSWORD, NOW)
    text = flat_text(result.pdf)
    # page 1 lists both as left open; the body marks each item still open
    assert text.count("Left open when the record was signed") == 1
    assert text.count("still open") == 2 + 1  # two items, and the teach-back count
    assert "Needs more information" in text


def test_signing_twice_fails_and_leaves_the_archived_pdf_alone(data_folder: DataFolder,
                                                                  identity) -> None:
    consult, pack = demo_consult(), demo_pack()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        first = sign_and_archive(db, consult, pack, identity, PASSWORD, NOW)
        stale = demo_consult()  # a second click / another window: an unsigned copy in memory
        with pytest.raises(RecordLockedError, match="already signed"):
            sign_and_archive(db, stale, pack, identity, PASSWORD,
                             NOW + timedelta(minutes=1))
        assert ConsultRepository(db).document(consult.id) == first.pdf


def test_a_draft_cannot_be_amended(data_folder: DataFolder, identity) -> None:
    from consult_aid.services.addenda import add_addendum

    consult = demo_consult()
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        ConsultRepository(db).save_draft(consult)
        with pytest.raises(ValidationError, match="not signed yet"):
            add_addendum(db, consult.id, author="Dr A", text="note", now=NOW,
                         identity=identity, password=PASSWORD)
