"""Full-text search over patient name, MRN, diagnosis and free text, ignoring accents."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.people import PatientRepository
from tests.builders import sample_consult, sample_patient


@pytest.fixture
def repo(tmp_path: Path):
    with open_database(tmp_path / "db.sqlite3") as db:
        repo = ConsultRepository(db)
        a = sample_consult("a" * 32)
        b = sample_consult("b" * 32, patient=sample_patient("José Núñez", "MRN-99-0042"))
        b.patient.contact.email = "jnunez@example.org"
        b.condition.diagnosis = "Complex regional pain syndrome, right foot"
        b.lifestyle.goals = "Dance at my daughter's wedding"
        c = sample_consult("c" * 32, patient=sample_patient("Αλέξανδρος Παπαδόπουλος", ""))
        c.patient.contact.email = "alex.p@example.org"
        c.condition.diagnosis = "Cancer pain, pelvis"
        for consult in (a, b, c):
            repo.save_draft(consult)
        yield repo


def ids(rows) -> list[str]:
    return sorted(r.id[0] for r in rows)


@pytest.mark.parametrize(("query", "expected"), [
    ("Muller", ["a"]),            # ü without its accent
    ("müller", ["a"]),
    ("Oster", ["a"]),             # Ø
    ("lukasz", ["a"]),            # Ł
    ("Nunez", ["b"]),
    ("jose nunez", ["b"]),        # every word must match
    ("MRN-99-0042", ["b"]),       # MRN with punctuation
    ("0042", ["b"]),
    ("regional", ["b"]),          # diagnosis
    ("wedding", ["b"]),           # free text (goals)
    ("apixaban", ["a", "b", "c"]),  # free text (history details)
    ("Παπαδόπουλος", ["c"]),
    ("παπαδοπουλος", ["c"]),      # Greek without tonos, lower case
    ("pelv", ["c"]),              # prefix
    ("nobody-by-this-name", []),
])
def test_search_finds(repo, query: str, expected: list[str]) -> None:
    assert ids(repo.search(query)) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ('"', ["a", "b", "c"]),  # nothing to search for: everything, newest first
    ("AND", []), ("NEAR(", []), ("nunez ORANGE", []), ("*", []), ("-", []),
    ("(", []), ("patient_name:nunez", []), ("'", []), ("nunez AND", []),
    ("Núñez)", ["b"]),  # a stray bracket is ignored by the tokenizer, not parsed
])
def test_fts_syntax_typed_by_a_user_is_just_text(repo, query: str, expected) -> None:
    assert ids(repo.search(query)) == expected  # and no FTS5 syntax error


def test_an_edit_to_a_draft_updates_the_index(repo) -> None:
    consult = repo.get("a" * 32)
    consult.lifestyle.goals = "Go fishing with my brother"
    repo.save_draft(consult)
    assert ids(repo.search("fishing")) == ["a"]
    assert ids(repo.search("Walk the dog")) == ["c"]  # "a" no longer


def test_patients_are_found_by_name_or_mrn_without_accents(repo) -> None:
    patients = PatientRepository(repo.db)
    assert [p.name for p in patients.search("nunez")] == ["José Núñez"]
    assert [p.name for p in patients.search("MRN-004711")] == ["Łukasz Øster-Müller"]
    assert len(patients.search("")) == 3
