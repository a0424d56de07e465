"""A search listed by date (SQLite schema 15: the search index kept in the archive's date
order) shows the consults the unsearched list shows, in the same order, both ways and page by
page; a search alone is counted up to a limit; a schema-14 archive moves its index over."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from consult_aid.domain import ConsultStatus
from consult_aid.services import consults
from consult_aid.services.store import open_store
from consult_aid.storage import consults as stored
from consult_aid.storage.consults import ArchiveFilter, ConsultRepository, search_index_is_current
from consult_aid.storage.database import Database, latest_version, open_database
from tests.builders import NOW, sample_consult, sample_patient, sign_in_place
from tests.signed_in import sign_in_db

CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))


def _moments() -> list[datetime]:
    """Fourteen consult times: different days, two in the same second, one a second later in
    another offset, one at a time of day that sorts before the others of its day."""
    base = NOW.replace(tzinfo=CET, microsecond=0)
    times = [base - timedelta(days=d, hours=h) for d, h in
             ((0, 0), (0, 3), (1, 0), (2, 5), (9, 1), (30, 0), (31, 2), (200, 4), (400, 0),
              (401, 7), (800, 1))]
    times += [base - timedelta(days=5), base - timedelta(days=5)]  # the same second
    times.append((base - timedelta(days=5) + timedelta(seconds=1)).astimezone(CEST))
    return times


@pytest.fixture
def db(archive_location: Path) -> Iterator[Database]:
    """Consults stored in shuffled order (their rowids do not follow their times); every
    other one has "spasticity" in its diagnosis; a few are signed."""
    moments = _moments()
    order = list(range(len(moments)))
    random.Random(15).shuffle(order)
    with open_store(archive_location) as database:
        sign_in_db(database)
        repo = ConsultRepository(database)
        for n in order:
            c = sample_consult(f"{n:032x}", patient=sample_patient(f"Patient {n:02}",
                                                                   f"MRN-{n:04}"))
            c.created_at = c.updated_at = moments[n]
            c.condition.diagnosis = ("Spasticity after a stroke" if n % 2 else
                                     "Failed back surgery syndrome")
            repo.save_draft(c)
            if n % 3 == 0:
                repo.sign(sign_in_place(c, c.created_at), b"%PDF-1.7 fake " + bytes([n]))
        yield database


def ids(rows: list) -> list[str]:
    return [r.id for r in rows]


def listed(db: Database, *, descending: bool, **filters: object) -> list[str]:
    """Every consult the unsearched list shows, by date, with ``filters``."""
    return ids(consults.archive_page(db, sort="date", descending=descending, limit=1000,
                                     **filters))  # type: ignore[arg-type]


@pytest.mark.parametrize("descending", [True, False], ids=["newest-first", "oldest-first"])
def test_a_search_by_date_lists_what_the_unsearched_list_lists_in_its_order(
        db: Database, descending: bool) -> None:
    matching = {c for c in listed(db, descending=True)
                if int(c, 16) % 2}  # the spasticity ones
    assert len(matching) == 7
    expected = [c for c in listed(db, descending=descending) if c in matching]
    assert ids(consults.archive_page(db, text="spas", sort="date", descending=descending,
                                     limit=1000)) == expected
    # page by page, as the view fetches them
    pages = [ids(consults.archive_page(db, text="spas", sort="date", descending=descending,
                                       offset=o, limit=3)) for o in (0, 3, 6)]
    assert pages == [expected[0:3], expected[3:6], expected[6:9]]
    # with a filter: the signed ones among them
    signed = [c for c in listed(db, descending=descending, status=ConsultStatus.SIGNED)
              if c in matching]
    assert signed and len(signed) < len(expected)
    assert ids(consults.archive_page(db, text="spas", status=ConsultStatus.SIGNED,
                                     descending=descending, limit=1000)) == signed
    assert consults.archive_count(db, text="spas", status=ConsultStatus.SIGNED) == len(signed)


def test_a_search_alone_is_counted_up_to_the_limit(db: Database,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert consults.archive_count(db, text="spas") == 7
    monkeypatch.setattr(stored, "SEARCH_COUNT_LIMIT", 5)
    assert consults.archive_count(db, text="spasti") == 6  # the limit and one: "more than 5"
    assert consults.archive_count(db, text="spastic") == 6
    # filters set back to "any" (as the archive's Clear leaves them) add no condition
    assert consults.archive_count(db, text="spastic", pack_id="", decision="",
                                  clinician_id="") == 6
    assert consults.archive_count(db, text="failed") == 6  # 7 of them too
    assert consults.archive_count(db, text="Patient 03") == 1  # under it: exact
    # the list itself is not cut short, and a search with a filter is counted exactly
    assert len(consults.archive_page(db, text="spastic")) == 7
    assert consults.archive_count(db, text="spastic", status=ConsultStatus.DRAFT) == len(
        [r for r in consults.archive_page(db, text="spastic")
         if r.status is ConsultStatus.DRAFT])
    assert consults.archive_count(db) == 14  # no search: every consult, exactly


def _search_keys(db: Database) -> tuple[list[int], list[int]]:
    """The search index's rowids (but the fold marker) and the archive rows' date keys."""
    index = sorted(r[0] for r in db.query("SELECT rowid FROM consult_search WHERE rowid > 0"))
    keys = sorted(r[0] for r in db.query("SELECT date_key FROM archive_rows"))
    return index, keys


def test_the_index_keeps_up_with_a_time_changed_behind_the_programs_back(
        tmp_path: Path) -> None:
    with open_database(tmp_path / "db.sqlite3") as db:
        repo = ConsultRepository(db)
        for n, days in enumerate((0, 10, 20)):
            c = sample_consult(f"{n:032x}", patient=sample_patient(f"Patient {n}", f"M{n}"))
            c.created_at = c.updated_at = NOW - timedelta(days=days)
            c.condition.diagnosis = "Spasticity"
            repo.save_draft(c)
        assert ids(repo.archive_page(ArchiveFilter(text="spas"))) == [
            f"{n:032x}" for n in (0, 1, 2)]
        # (no program of ours changes a consult's time: a tool working on the file might)
        with db.transaction() as con:
            con.execute("UPDATE consults SET created_at = ? WHERE id = ?",
                        ((NOW + timedelta(days=1)).isoformat(), f"{2:032x}"))
        assert ids(repo.archive_page(ArchiveFilter(text="spas"))) == [
            f"{n:032x}" for n in (2, 0, 1)]
        index, keys = _search_keys(db)
        assert index == keys and len(index) == 3


def test_a_time_before_1970_or_unreadable_still_gets_a_place(tmp_path: Path) -> None:
    with open_database(tmp_path / "db.sqlite3") as db:
        repo = ConsultRepository(db)
        c = sample_consult(f"{1:032x}")
        c.created_at = c.updated_at = datetime(1969, 7, 20, 20, 17, tzinfo=UTC)
        repo.save_draft(c)
        later = sample_consult(f"{2:032x}")
        repo.save_draft(later)
        index, keys = _search_keys(db)
        assert index == keys and len(set(keys)) == 2 and min(keys) > 0
        assert ids(repo.archive_page(ArchiveFilter(text="Muller"))) == [later.id, c.id]


def test_a_schema_14_archive_moves_its_index_into_date_order(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    old = Database(path, migrate_to=14)
    repo = ConsultRepository(old)
    for n, days in enumerate((30, 0, 400, 7)):  # rowids not in date order
        c = sample_consult(f"{n:032x}", patient=sample_patient(f"Patient {n}", f"M{n}"))
        c.created_at = c.updated_at = NOW - timedelta(days=days)
        repo.save_draft(c)
    c = repo.get(f"{3:032x}")
    c.condition.diagnosis = "Spasticity, noted for the next search"
    repo.save_draft(c)  # (schema 14 notes a draft's change for the next search)
    with old.transaction() as con:  # as the program at schema 14 marks its index current
        con.execute("INSERT INTO consult_search(rowid, free_text) VALUES (-1, ?)",
                    (stored._FOLD_MARKER,))
    old_rowids = [r[0] for r in old.query("SELECT rowid FROM consult_search ORDER BY rowid")]
    old.close()
    assert old_rowids == [-1, 1, 2, 3, 4]

    with open_database(path) as db:
        assert db.version == latest_version() >= 15
        index, keys = _search_keys(db)
        assert index == keys and len(keys) == 4
        assert search_index_is_current(db)  # the marker came along: not rebuilt, moved
        repo = ConsultRepository(db)
        assert ids(repo.archive_page(ArchiveFilter(text="Patient"))) == [
            f"{n:032x}" for n in (1, 3, 0, 2)]
        assert ids(repo.archive_page(ArchiveFilter(text="spasticity noted"))) == [f"{3:032x}"]
        # the prefix lists of four letters are kept
        sql = db.query_one("SELECT sql FROM sqlite_master WHERE name = 'consult_search'")
        assert sql is not None and "prefix = '2 3 4'" in sql[0]


def test_the_key_is_the_time_as_written_then_the_rowid() -> None:
    """date_key, as the triggers compute it, orders as created_at's text does (to the second)."""
    sql = (Path(stored.__file__).parent / "migrations" / "0015_search_in_date_order.sql"
           ).read_text(encoding="utf-8")
    expression = sql.split("UPDATE archive_rows SET date_key =", 1)[1].split(";", 1)[0]
    con = sqlite3.connect(":memory:")
    written = ["2024-10-27T02:30:00+02:00", "2024-10-27T02:10:00+01:00",  # the hour repeated
               "2024-03-31T01:59:59+01:00", "2024-03-31T03:00:00+02:00",
               "2024-01-01T00:00:00.250000+01:00", "2026-11-28T09:00:00", "not a time"]
    expression = expression.replace("created_at", ":text").replace("consult_rowid", ":rowid")
    keys = {text: con.execute(f"SELECT {expression}", {"text": text, "rowid": rowid}).fetchone()[0]
            for rowid, text in enumerate(written, start=1)}
    readable = [t for t in written if t != "not a time"]
    assert sorted(readable, key=keys.__getitem__) == sorted(readable)
    assert keys["not a time"] == len(written)  # 0 seconds: before every readable time
    assert len(set(keys.values())) == len(written)


def test_a_search_finds_the_same_consults_by_date_and_by_name(db: Database) -> None:
    """Every sort but date reads the set of matches; by date, SQLite reads the index in date
    order: the consults found are the same."""
    by_date = set(ids(consults.archive_page(db, text="spas", limit=1000)))
    by_name = set(ids(consults.archive_page(db, text="spas", sort="patient", limit=1000)))
    assert by_date == by_name and len(by_date) == 7
