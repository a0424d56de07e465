"""What an autosave writes, and what it leaves for later (issue 16: autosave under 5 ms).

A real SQLite file: a draft's save notes it for the search index instead of indexing its whole
text, and the next search indexes it first; a signed consult is indexed at once; a save that
leaves a clinician's name as it was rewrites none of their consults' archive rows; the parts a
save reports changed are the same whether they come from the parts remembered from the last
save or from the body read back.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from consult_aid.domain import Consult
from consult_aid.storage import Database, open_database
from consult_aid.storage import consults as consults_module
from consult_aid.storage.consults import ConsultRepository, index_pending
from consult_aid.storage.people import PatientRepository
from tests.builders import sample_consult, sample_patient, sign_in_place

PDF = b"%PDF-1.7\n% a stand-in: the storage layer keeps any bytes it is given\n%%EOF\n"


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    with open_database(tmp_path / "consult-aid.sqlite3") as opened:
        yield opened


def pending(db: Database) -> list[int]:
    return [int(r[0]) for r in db.query("SELECT consult_rowid FROM search_pending")]


def indexed_text(db: Database, consult_id: str) -> str:
    row = db.query_one("SELECT s.free_text FROM consult_search AS s JOIN archive_rows AS a "
                       "ON a.date_key = s.rowid WHERE a.consult_id = ?", (consult_id,))
    assert row is not None
    return str(row[0])


def ids(found: list) -> list[str]:  # type: ignore[type-arg]
    return [s.id for s in found]


def noted_draft(repo: ConsultRepository, goals: str) -> Consult:
    """A draft saved new (indexed at once), then autosaved with ``goals`` (noted only)."""
    draft = sample_consult()
    repo.save_draft(draft)
    draft.lifestyle.goals = goals
    repo.save_draft(draft)
    return draft


def test_a_drafts_autosave_is_indexed_by_the_next_search(db: Database) -> None:
    repo = ConsultRepository(db)
    draft = sample_consult()
    repo.save_draft(draft)  # a new consult: indexed at once
    assert pending(db) == [] and ids(repo.search("neuropathic")) == [draft.id]
    draft.lifestyle.goals = "Play the cello again"
    repo.save_draft(draft)
    assert len(pending(db)) == 1
    assert "cello" not in indexed_text(db, draft.id)  # the autosave did not index it
    assert ids(repo.search("cello")) == [draft.id]  # the search did, before reading
    assert pending(db) == []
    draft.lifestyle.goals = "Play the viola"
    repo.save_draft(draft)
    assert ids(repo.search("viola")) == [draft.id] and repo.search("cello") == []


def test_the_archive_page_and_its_count_index_what_is_noted_first(db: Database) -> None:
    repo = ConsultRepository(db)
    draft = noted_draft(repo, "Psoriasis nurse on Mondays")
    f = consults_module.ArchiveFilter(text="psoria")
    assert repo.archive_count(f) == 1
    assert [r.id for r in repo.archive_page(f)] == [draft.id]
    assert pending(db) == []


def test_signing_indexes_the_consult_at_once(db: Database) -> None:
    repo = ConsultRepository(db)
    draft = noted_draft(repo, "Walk to the harbour")
    assert pending(db)
    repo.sign(sign_in_place(draft), PDF)
    assert pending(db) == []
    assert "harbour" in indexed_text(db, draft.id)


def test_a_read_only_connection_searches_the_text_last_indexed(tmp_path: Path) -> None:
    path = tmp_path / "consult-aid.sqlite3"
    with open_database(path) as db:
        draft = noted_draft(ConsultRepository(db), "Sail to the island")
    with Database(path, read_only=True) as reader:
        assert index_pending(reader) == 0  # it cannot write: nothing indexed, no error
        assert ConsultRepository(reader).search("island") == []
        assert ids(ConsultRepository(reader).search("neuropathic")) == [draft.id]
    with open_database(path) as db:
        assert ids(ConsultRepository(db).search("island")) == [draft.id]


def test_discarding_a_noted_draft_leaves_nothing_to_index(db: Database) -> None:
    repo = ConsultRepository(db)
    draft = noted_draft(repo, "Garden")
    repo.discard_draft(draft.id)
    assert pending(db) == [] and repo.search("garden") == []


def test_an_unchanged_clinician_rewrites_none_of_their_archive_rows(db: Database) -> None:
    repo = ConsultRepository(db)
    for n in range(5):
        repo.save_draft(sample_consult(f"c0ffee0000000000000000000000010{n}"))
    con = db.connection
    con.execute("CREATE TEMP TABLE rewritten(n INTEGER)")
    con.execute("CREATE TEMP TRIGGER count_rewrites AFTER UPDATE ON archive_rows "
                "BEGIN INSERT INTO rewritten VALUES (1); END")
    draft = repo.get("c0ffee00000000000000000000000100")
    draft.lifestyle.goals = "Fish"
    repo.save_draft(draft)
    assert con.execute("SELECT count(*) FROM rewritten").fetchone()[0] == 1  # its own row
    repo.clinicians.save(draft.clinician)  # the same name again, directly
    assert con.execute("SELECT count(*) FROM rewritten").fetchone()[0] == 1
    renamed = dataclasses.replace(draft.clinician, name="Dr. Amara Okafor-Reid")
    repo.clinicians.save(renamed)  # a new name: every one of their consults' rows
    assert con.execute("SELECT count(*) FROM rewritten").fetchone()[0] == 6


def test_a_patient_renamed_in_a_later_save_is_stored_and_found(db: Database) -> None:
    repo = ConsultRepository(db)
    draft = sample_consult(patient=sample_patient("Ines Varga", "MRN-77"))
    repo.save_draft(draft)
    draft.patient.name = "Ines Varga-Kovács"
    assert repo.save_draft(draft) == ["patient"]
    assert [p.name for p in PatientRepository(db).search("kovacs")] == ["Ines Varga-Kovács"]


@pytest.mark.parametrize("remembered", [True, False])
def test_the_parts_changed_are_the_same_remembered_or_read_back(
        db: Database, remembered: bool) -> None:
    repo = ConsultRepository(db)
    draft = sample_consult()
    repo.save_draft(draft)
    steps = [("history", lambda c: setattr(c.history, "comorbidities", "Gout")),
             ("lifestyle", lambda c: setattr(c.lifestyle, "goals", "Dance")),
             ("condition", lambda c: setattr(c.condition, "pain_now", 3))]
    for part, change in steps:
        if not remembered:
            consults_module._STORED_PARTS.clear()  # as after the window was opened again
        change(draft)
        draft.updated_at = draft.updated_at.replace(minute=draft.updated_at.minute + 1)
        assert repo.save_draft(draft) == [part]
    if not remembered:
        consults_module._STORED_PARTS.clear()
    assert repo.save_draft(draft) == []  # nothing changed: nothing named


def test_the_stored_body_is_the_same_text_as_before(db: Database) -> None:
    """The body built from the parts is the JSON form stored before (compact, model order)."""
    from consult_aid.exchange.consult_json import stored_text

    repo = ConsultRepository(db)
    draft = sample_consult()
    repo.save_draft(draft)
    row = db.query_one("SELECT body FROM consults WHERE id = ?", (draft.id,))
    assert row is not None
    assert row[0] == stored_text(dataclasses.replace(draft, addenda=[]))
    con = sqlite3.connect(db.path)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def test_a_new_patient_is_stored_once_and_the_body_names_its_row(db: Database) -> None:
    repo = ConsultRepository(db)
    patient = dataclasses.replace(sample_patient("Noor Haddad", "MRN-5"), id="")
    draft = sample_consult(patient=patient)
    repo.save_draft(draft)
    stored = repo.get(draft.id)
    assert stored.patient.id and stored.patient.id == draft.patient.id
    stored.lifestyle.goals = "Swim"
    repo.save_draft(stored)  # from the stored body, as a window that opened it
    consults_module._STORED_PARTS.clear()
    stored.lifestyle.goals = "Swim twice a week"
    repo.save_draft(stored)
    assert db.query("SELECT count(*) FROM patients WHERE name = 'Noor Haddad'") == [(1,)]


def test_a_strokes_kept_form_is_never_another_strokes() -> None:
    """Strokes (immutable) keep their JSON form between saves; a stroke drawn again is written
    as drawn, and the text equals the one made with nothing kept."""
    from consult_aid.domain.signature import Point, Stroke
    from consult_aid.exchange import typed_json
    from consult_aid.exchange.consult_json import stored_text
    from tests.builders import sign_in_place

    consult = sign_in_place(sample_consult())
    first = stored_text(consult)
    assert stored_text(consult) == first  # from the kept forms
    redrawn = (Stroke((Point(5, 6, 0.25), Point(7, 8, 0.75))),)
    consult.signatures[0] = dataclasses.replace(consult.signatures[0], strokes=redrawn)
    again = stored_text(consult)
    typed_json._KEPT.clear()
    assert again == stored_text(consult) != first
    assert '"x":5' in again.replace(" ", "") or '"x":5.0' in again.replace(" ", "")
