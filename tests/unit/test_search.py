"""Full-text search over patient name, MRN, diagnosis and free text, ignoring accents and
finding German spellings (mueller / muller / Müller)."""

from __future__ import annotations

import sqlite3
import unicodedata
from pathlib import Path

import pytest

from consult_aid.services.store import open_store
from consult_aid.storage import open_database
from consult_aid.storage.consults import (
    ConsultRepository,
    refresh_search_index,
    search_index_is_current,
)
from consult_aid.storage.folding import fold
from consult_aid.storage.people import PatientRepository
from tests.builders import sample_consult, sample_patient


@pytest.fixture
def repo(archive_location: Path):
    with open_store(archive_location) as db:
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


# -- German spellings: ä ö ü ß written ae oe ue ss, or without their dots, find each other ----

GERMAN = {"g1": "Jürgen Müller", "g2": "Greta Moeller", "g3": "Anna Bäcker",
          "g4": "Ernst Strauß", "g5": "Fritz Weiss", "g6": "Samuel Blue"}


@pytest.fixture
def german(archive_location: Path):
    with open_store(archive_location) as db:
        repo = ConsultRepository(db)
        for key, name in GERMAN.items():
            repo.save_draft(sample_consult(key.ljust(32, "0"), patient=sample_patient(name, "")))
        yield repo


def keys(rows) -> list[str]:
    return sorted(r.id[:2] for r in rows)


@pytest.mark.parametrize(("query", "expected"), [
    ("mueller", ["g1"]), ("muller", ["g1"]), ("müller", ["g1"]), ("MUELLER", ["g1"]),
    ("juergen mueller", ["g1"]), ("Jurgen", ["g1"]),
    ("moeller", ["g2"]), ("möller", ["g2"]), ("moller", ["g2"]), ("Greta Möller", ["g2"]),
    ("baecker", ["g3"]), ("backer", ["g3"]), ("bäcker", ["g3"]),
    ("strauss", ["g4"]), ("strauß", ["g4"]), ("STRAUSS", ["g4"]),
    ("weiß", ["g5"]), ("weiss", ["g5"]),
    ("samuel", ["g6"]), ("blue", ["g6"]),  # ue in English words is still found
    ("mu", ["g1"]), ("mue", ["g1"]), ("muel", ["g1"]),  # while typing, letter by letter
    ("moe", ["g2"]), ("baecke", ["g3"]),
    ("maier", []),
])
def test_german_spellings_find_each_other(german, query: str, expected: list[str]) -> None:
    assert keys(german.search(query)) == expected


def test_patients_are_found_by_german_spellings(german) -> None:
    patients = PatientRepository(german.db)
    assert [p.name for p in patients.search("mueller")] == ["Jürgen Müller"]
    assert [p.name for p in patients.search("möller")] == ["Greta Moeller"]


@pytest.mark.parametrize("word", ["Müller", "Mueller", "Schroeder", "Baeumer", "Straße",
                                  "Samuel", "Zoë", "Œuvre", "Queue"])
def test_the_fold_of_what_is_typed_so_far_is_the_start_of_the_words_fold(word: str) -> None:
    whole = fold(word) or ""
    for end in range(len(word) + 1):
        assert whole.startswith(fold(word[:end]) or "")


def _fold_char_by_char(text: str) -> str:
    """The fold as first written: every character of the decomposed text looked at."""
    from consult_aid.storage.folding import _GERMAN_E, _SPECIAL

    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return _GERMAN_E.sub(r"\1", "".join(c for c in decomposed if not unicodedata.combining(c)))


def test_the_fold_looks_at_runs_outside_ascii_only_and_folds_the_same() -> None:
    """The fold skips ASCII (no combining marks there); every code point, and texts mixing
    ASCII with marks, accents and other alphabets, fold as the character-by-character fold."""
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(every), 4096):  # each code point, between ASCII letters
        text = "a".join(every[start:start + 4096])
        assert fold(text) == _fold_char_by_char(text), hex(start)
    for text in ["Müller walks — 3 km", "Zoë\u0301 a\u0308e", "Łódź, Ærø: œuvre ß",
                 "plain ascii only", "α\u0301βγ e\u0301\u0302x", "\u0301leading mark"]:
        assert fold(text) == _fold_char_by_char(text)


def _fold_before_german(text: str | None) -> str | None:
    """The fold of Consult Aid before German spellings (accents and Ł, Ø, ß ... only)."""
    if text is None:
        return None
    special = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss"})
    decomposed = unicodedata.normalize("NFKD", text.translate(special))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _rebuild_with_the_earlier_fold(path: Path) -> None:
    """Leave the search index as a database written before German folding has it."""
    con = sqlite3.connect(path)
    try:
        con.create_function("old_fold", 1, _fold_before_german, deterministic=True)
        with con:
            con.execute("DELETE FROM consult_search")
            con.execute(
                "INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text) "
                "SELECT a.date_key, old_fold(json_extract(c.body, '$.consult.patient.name')), "
                "old_fold(json_extract(c.body, '$.consult.patient.mrn')), "
                "old_fold(json_extract(c.body, '$.consult.condition.diagnosis')), "
                "old_fold((SELECT group_concat(value, ' ') FROM json_tree(c.body, '$.consult') "
                "WHERE type = 'text')) FROM consults AS c "
                "JOIN archive_rows AS a ON a.consult_rowid = c.rowid")
            con.execute("DELETE FROM patient_search")
            con.execute("INSERT INTO patient_search(rowid, name, mrn) "
                        "SELECT rowid, old_fold(name), old_fold(mrn) FROM patients")
    finally:
        con.close()


def test_a_database_indexed_by_the_earlier_fold_is_reindexed_once_on_open(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with open_database(path) as db:
        for key, name in GERMAN.items():
            ConsultRepository(db).save_draft(
                sample_consult(key.ljust(32, "0"), patient=sample_patient(name, "")))
    _rebuild_with_the_earlier_fold(path)

    with open_database(path) as db:
        assert not search_index_is_current(db)
        repo = ConsultRepository(db)  # the first repository on the database refolds the index
        assert search_index_is_current(db)
        assert not refresh_search_index(db)  # and only once
        assert keys(repo.search("samuel")) == ["g6"]  # "samul" now, in the index and the query
        assert keys(repo.search("moller")) == ["g2"]
        assert keys(repo.search("Mueller")) == ["g1"]
        assert [p.name for p in PatientRepository(db).search("greta möller")] == ["Greta Moeller"]
        assert keys(repo.search("consult_fold")) == []  # the index's own record is no consult
        assert len(repo.search("")) == len(GERMAN)


def test_edits_after_the_reindex_are_folded_the_same_way(german) -> None:
    consult = german.get("g6".ljust(32, "0"))
    consult.lifestyle.goals = "Wieder zur Bäckerei gehen"
    german.save_draft(consult)
    assert keys(german.search("baeckerei")) == ["g6"]
