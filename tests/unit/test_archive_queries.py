"""The archive's page and count queries, in SQL on a real SQLite file: search (accents, German
spellings, partial names, MRN), each filter, sorting both ways, paging, discarding a draft."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from consult_aid.domain import Clinician, ConsultStatus, DecisionChoice
from consult_aid.domain.consult import RecordLockedError
from consult_aid.errors import NotFoundError
from consult_aid.services import consults
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database
from tests.builders import NOW, sample_consult, sample_patient, sign_in_place
from tests.signed_in import sign_in_db

OTHER = Clinician(name="Dr. Ben Adler", clinic="Riverside Pain Clinic", id="clin-2")
# name, MRN, days before NOW, pack, decision, clinician, signed
PEOPLE = [
    ("Jürgen Müller", "MRN-1001", 0, "intrathecal-pump", DecisionChoice.GO_AHEAD_TRIAL, None, True),
    ("Greta Moeller", "MRN-1002", 3, "spinal-cord-stimulator", DecisionChoice.DECLINE, OTHER,
     False),
    ("Anna Bäcker", "MRN-2003", 10, "intrathecal-pump", None, None, False),
    ("José Núñez", "MRN-99-0042", 40, "spinal-cord-stimulator", DecisionChoice.NOT_NOW, OTHER,
     True),
    ("Zoë Abbott", "MRN-3004", 100, "intrathecal-pump", DecisionChoice.MORE_INFORMATION, None,
     False),
]


@pytest.fixture
def db(archive_location: Path) -> Iterator[Database]:
    with open_store(archive_location) as database:
        sign_in_db(database)
        repo = ConsultRepository(database)
        for i, (name, mrn, days, pack, choice, clinician, signed) in enumerate(PEOPLE):
            c = sample_consult(f"{i:032x}", patient=sample_patient(name, mrn))
            c.created_at = c.updated_at = NOW - timedelta(days=days)
            c.pack = dataclasses.replace(c.pack, id=pack)
            c.decision.choice = choice
            if clinician is not None:
                c.clinician = clinician
            repo.save_draft(c)
            if signed:
                repo.sign(sign_in_place(c, c.created_at), b"%PDF-1.7 fake " + mrn.encode())
        yield database


def names(rows: list) -> list[str]:
    return [r.patient_name for r in rows]


@pytest.mark.parametrize(("text", "expected"), [
    ("Muller", ["Jürgen Müller"]), ("mueller", ["Jürgen Müller"]),
    ("müller", ["Jürgen Müller"]), ("jurg", ["Jürgen Müller"]),  # partial name
    ("moller", ["Greta Moeller"]), ("Möller", ["Greta Moeller"]),
    ("backer", ["Anna Bäcker"]), ("nunez jose", ["José Núñez"]),
    ("MRN-99-0042", ["José Núñez"]), ("0042", ["José Núñez"]), ("mrn-200", ["Anna Bäcker"]),
    ("zoe", ["Zoë Abbott"]), ("nobody", []),
])
def test_search_folds_accents_and_german_spellings(db: Database, text: str,
                                                   expected: list[str]) -> None:
    assert names(consults.archive_page(db, text=text)) == expected
    assert consults.archive_count(db, text=text) == len(expected)


def test_every_filter_narrows_in_sql(db: Database) -> None:
    day = NOW.date()
    assert names(consults.archive_page(db, since=day - timedelta(days=10))) == [
        "Jürgen Müller", "Greta Moeller", "Anna Bäcker"]
    assert names(consults.archive_page(db, until=day - timedelta(days=10))) == [
        "Anna Bäcker", "José Núñez", "Zoë Abbott"]
    assert names(consults.archive_page(db, since=day - timedelta(days=40),
                                       until=day - timedelta(days=3))) == [
        "Greta Moeller", "Anna Bäcker", "José Núñez"]
    assert names(consults.archive_page(db, pack_id="spinal-cord-stimulator")) == [
        "Greta Moeller", "José Núñez"]
    assert names(consults.archive_page(db, status=ConsultStatus.SIGNED)) == [
        "Jürgen Müller", "José Núñez"]
    assert names(consults.archive_page(db, status=ConsultStatus.DRAFT)) == [
        "Greta Moeller", "Anna Bäcker", "Zoë Abbott"]
    assert names(consults.archive_page(db, decision="decline")) == ["Greta Moeller"]
    assert names(consults.archive_page(db, decision=consults.NO_DECISION)) == ["Anna Bäcker"]
    assert names(consults.archive_page(db, clinician_id="clin-2")) == [
        "Greta Moeller", "José Núñez"]
    both = {"clinician_id": "clin-2", "status": ConsultStatus.SIGNED, "text": "nunez"}
    assert names(consults.archive_page(db, **both)) == ["José Núñez"]  # type: ignore[arg-type]
    assert consults.archive_count(db, **both) == 1  # type: ignore[arg-type]
    assert consults.archive_count(db) == len(PEOPLE)
    assert consults.archive_count(db, pack_id="nothing-like-it") == 0


def test_rows_carry_decision_and_clinician(db: Database) -> None:
    first = consults.archive_page(db, text="moeller")[0]
    assert (first.decision, first.clinician_id, first.clinician_name) == (
        "decline", "clin-2", "Dr. Ben Adler")
    assert consults.archive_page(db, text="backer")[0].decision == ""


@pytest.mark.parametrize(("sort", "ascending"), [
    ("date", ["Zoë Abbott", "José Núñez", "Anna Bäcker", "Greta Moeller", "Jürgen Müller"]),
    ("patient", ["Anna Bäcker", "Greta Moeller", "José Núñez", "Jürgen Müller", "Zoë Abbott"]),
    ("mrn", ["Jürgen Müller", "Greta Moeller", "Anna Bäcker", "Zoë Abbott", "José Núñez"]),
    ("clinician", ["Zoë Abbott", "Anna Bäcker", "Jürgen Müller", "José Núñez",
                   "Greta Moeller"]),
])
def test_sorting_both_ways(db: Database, sort: str, ascending: list[str]) -> None:
    assert names(consults.archive_page(db, sort=sort, descending=False)) == ascending
    assert names(consults.archive_page(db, sort=sort, descending=True)) == ascending[::-1]


def test_sort_by_procedure_and_status_groups_rows(db: Database) -> None:
    rows = consults.archive_page(db, sort="procedure", descending=False)
    assert [r.pack_id for r in rows] == ["intrathecal-pump"] * 3 + ["spinal-cord-stimulator"] * 2
    rows = consults.archive_page(db, sort="status", descending=True)
    assert [r.status.value for r in rows] == ["signed"] * 2 + ["draft"] * 3
    with pytest.raises(ValueError, match="unknown archive sort"):
        consults.archive_page(db, sort="body; DROP TABLE consults")


def test_pages_with_offset_cover_everything_once(db: Database) -> None:
    pages = [consults.archive_page(db, sort="patient", descending=False, offset=o, limit=2)
             for o in (0, 2, 4, 6)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    assert [n for p in pages for n in names(p)] == names(
        consults.archive_page(db, sort="patient", descending=False))


def test_the_date_query_uses_the_index(db: Database) -> None:
    query = ("SELECT id FROM consults AS c WHERE c.created_at >= ? "
             "ORDER BY c.created_at DESC LIMIT 100")
    if db.backend == "postgresql":  # a few rows: the planner reads them all unless told not to
        db.query_one("SELECT set_config('enable_seqscan', 'off', false)")
        plan = " ".join(str(r) for r in db.query(f"EXPLAIN {query}", ("2026-01-01",)))
    else:
        plan = " ".join(str(r) for r in db.query(f"EXPLAIN QUERY PLAN {query}", ("2026-01-01",)))
    assert "consults_by_created" in plan


def test_a_draft_is_discarded_with_an_audit_entry(db: Database) -> None:
    draft_id = f"{2:032x}"  # Anna Bäcker
    consults.save_draft(db, consults.get_consult(db, draft_id), now=NOW, step="history")
    gone = consults.discard_draft(db, draft_id, now=NOW)
    assert gone.patient_name == "Anna Bäcker"
    assert not ConsultRepository(db).exists(draft_id)
    assert db.query("SELECT * FROM draft_steps WHERE consult_id = ?", (draft_id,)) == []
    assert consults.archive_page(db, text="backer") == []
    latest = AuditLog(db).latest(draft_id)
    assert latest is not None and latest.action == "consult.discarded"
    with pytest.raises(NotFoundError):
        consults.discard_draft(db, draft_id, now=NOW)


def test_a_signed_consult_is_never_discarded(db: Database) -> None:
    with pytest.raises(RecordLockedError):
        consults.discard_draft(db, f"{0:032x}", now=NOW)
    assert ConsultRepository(db).exists(f"{0:032x}")


def test_export_copy_writes_owner_only_files(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    files = consults.export_copy(db, f"{0:032x}", folder)
    assert sorted(p.name for p in files) == sorted(
        [f"consult-{0:032x}.json", f"consult-{0:032x}.pdf"])
    assert (folder / f"consult-{0:032x}.pdf").read_bytes() == b"%PDF-1.7 fake MRN-1001"
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    latest = AuditLog(db).latest(f"{0:032x}")
    assert latest is not None and latest.action == "consult.exported"


def test_dates_are_days_in_the_consults_own_time(db: Database) -> None:
    day: date = NOW.date()
    assert names(consults.archive_page(db, since=day, until=day)) == ["Jürgen Müller"]
    assert isinstance(consults.archive_page(db)[0].created_at, datetime)
