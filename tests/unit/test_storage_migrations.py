"""Numbered migrations by PRAGMA user_version; copies aside; newer databases refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from consult_aid.domain import Consult
from consult_aid.errors import KnownError, NewerDatabaseError
from consult_aid.storage import Database, latest_version, open_database
from consult_aid.storage import database as database_module
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult


def test_a_new_database_is_created_at_the_latest_version_with_safe_pragmas(tmp_path: Path) -> None:
    with open_database(tmp_path / "db.sqlite3") as db:
        con = db.connection
        assert db.version == latest_version() >= 2
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"patients", "clinicians", "consults", "documents", "addenda", "audit_log",
                "consult_search", "patient_search"} <= tables
    assert (tmp_path / "db.sqlite3").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("start", range(1, latest_version()))
def test_migrating_from_each_earlier_version_keeps_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "db.sqlite3"
    old = Database(path, migrate_to=start)
    assert old.version == start
    _copy_in(old, tmp_path, sample_consult())
    old.close()

    with open_database(path) as db:
        assert db.version == latest_version()
        repo = ConsultRepository(db)
        assert repo.get(sample_consult().id).patient.name == "Łukasz Øster-Müller"
        # consults stored before the search index existed are found by it afterwards
        assert [s.id for s in repo.search("Muller")] == [sample_consult().id]

    backup = path.with_name(f"{path.name}.schema-{start}.bak")
    assert backup.exists()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == start
        assert copy.execute("SELECT count(*) FROM consults").fetchone()[0] == 1


def _copy_in(old: Database, tmp_path: Path, consult: Consult) -> None:
    """Store ``consult`` in a database at an older schema version as that version's program
    did: saved with today's code in a current database, then copied row by row, keeping the
    columns the old tables have (a later migration may have added some)."""
    current = tmp_path / "current.sqlite3"
    with open_database(current) as db:
        ConsultRepository(db).save_draft(consult)
    con = old.connection
    con.execute("ATTACH DATABASE ? AS current", (str(current),))
    for table in ("patients", "clinicians", "consults"):
        columns = [r[1] for r in con.execute(f"PRAGMA main.table_info({table})")]
        names = ", ".join(columns)
        con.execute(f"INSERT INTO main.{table}({names}) SELECT {names} FROM current.{table}")
    con.commit()
    con.execute("DETACH DATABASE current")


def test_a_database_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    open_database(path).close()
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {latest_version() + 5}")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError, match="newer Consult Aid"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_failing_migration_rolls_back_whole(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = database_module.migrations()
    broken = (
        len(real) + 1, "9999_broken.sql",
        "CREATE TABLE half_done(x INTEGER);\nINSERT INTO no_such_table VALUES (1);",
    )
    monkeypatch.setattr(database_module, "migrations", lambda: [*real, broken])
    path = tmp_path / "db.sqlite3"
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        Database(path)
    monkeypatch.undo()
    with open_database(path) as db:
        assert db.version == len(real)
        names = {r[0] for r in db.connection.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in names


def test_a_file_that_is_not_a_database_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is a text file, not SQLite " * 100)
    with pytest.raises(KnownError, match="not a Consult Aid database"):
        open_database(path)


def test_migration_files_are_numbered_without_gaps() -> None:
    numbers = [n for n, _, _ in database_module.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))
