"""The start-up check of a large archive reads the ends of its growing tables, never the
tables whole: each of its reads of a growing table is a b-tree descent, not a scan (a scan of
the search index alone was 11.8 s at 100,000 consults, cold)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from consult_aid.services import check as check_module
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import open_database
from tests.builders import sample_consult, sample_patient


def test_the_probe_of_a_large_archive_descends_and_never_scans(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.sqlite3"
    with open_database(path) as db:
        repo = ConsultRepository(db)
        for n in range(3):
            repo.save_draft(sample_consult(f"{n:032x}",
                                           patient=sample_patient(f"Patient {n}", f"M{n}")))
    monkeypatch.setattr(check_module, "WHOLE_CHECK_MAX_BYTES", 0)  # as if it were large
    statements: list[str] = []
    opened = check_module._read_only

    def traced(where: Path) -> sqlite3.Connection:
        con = opened(where)
        con.set_trace_callback(statements.append)
        return con

    monkeypatch.setattr(check_module, "_read_only", traced)
    assert check_module.quick_check(path).ok

    growing = [s for s in statements if s.startswith("SELECT") and any(
        f'FROM "{name}"' in s for name in check_module._GROWING)]
    assert {name for name in check_module._GROWING if any(f'"{name}"' in s for s in growing)
            } >= {"consults", "documents", "consult_search_data", "archive_rows"}
    with sqlite3.connect(path) as con:
        # (a WITHOUT ROWID table is read to its first row: a scan that stops there)
        for statement in (s for s in growing if not s.endswith(" LIMIT 1")):
            plan = [str(row[3]) for row in con.execute(f"EXPLAIN QUERY PLAN {statement}")]
            assert not any(step.startswith("SCAN") for step in plan), (statement, plan)


def a_100_mb_archive(tmp_path: Path) -> Path:
    """A database with about 100 MB of pages: its whole check takes a while."""
    path = tmp_path / "db.sqlite3"
    with open_database(path) as db, db.transaction() as con:
        con.execute("CREATE TABLE filler(block BLOB)")
        con.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 25000) INSERT INTO filler SELECT randomblob(4000) FROM n")
    return path


def stopped_while_running(whole: check_module.WholeCheck) -> object:
    """What ``whole.run()`` gave (its rows, or the CheckStoppedError it raised) when stopped
    once it had started, on a thread of its own."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(whole.run())
        except check_module.CheckStoppedError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert whole.started.wait(10)
    whole.stop()
    worker.join(10)
    assert not worker.is_alive() and len(outcome) == 1
    return outcome[0]


def test_the_whole_check_runs_to_its_end_or_stops_when_asked(tmp_path: Path) -> None:
    path = a_100_mb_archive(tmp_path)
    assert check_module.WholeCheck(path).run() == ["ok"]

    before = check_module.WholeCheck(path)
    before.stop()  # the program closes before the check began
    with pytest.raises(check_module.CheckStoppedError):
        before.run()

    # the program closes while SQLite is checking
    assert isinstance(stopped_while_running(check_module.WholeCheck(path)),
                      check_module.CheckStoppedError)


def test_a_stop_asked_just_before_sqlite_starts_checking_still_stops_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite forgets an interrupt that comes before its statement runs: stop() asks again
    until the check has ended."""
    path = a_100_mb_archive(tmp_path)
    asked = threading.Event()
    opened = check_module._read_only

    class LateStart:
        """The connection, whose statement starts only after the first interrupt was asked."""

        def __init__(self, con: sqlite3.Connection) -> None:
            self.con = con

        def interrupt(self) -> None:
            self.con.interrupt()  # (no statement running yet: forgotten)
            asked.set()

        def execute(self, sql: str) -> sqlite3.Cursor:
            assert asked.wait(10)
            return self.con.execute(sql)

        def close(self) -> None:
            self.con.close()

    monkeypatch.setattr(check_module, "_read_only", lambda where: LateStart(opened(where)))
    assert isinstance(stopped_while_running(check_module.WholeCheck(path)),
                      check_module.CheckStoppedError)
