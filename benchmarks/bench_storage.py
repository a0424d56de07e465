"""Autosave and search cost: ConsultRepository vs a bare SQLite insert in the same database.

Baseline: one INSERT of the same JSON bytes into a plain table of a WAL, synchronous=FULL
database on the same disk, in its own transaction, i.e. the floor any durable save pays.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import measure, report

from benchmarks.bench_account import signed_in
from consult_aid.exchange.consult_json import consult_to_json
from consult_aid.services.consults import save_draft
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult, sample_patient


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    db = open_database(folder / "db.sqlite3")
    signed_in(db)
    repo = ConsultRepository(db)
    consult = sample_consult()
    consult.condition.function_notes = "Needs help with stairs. " * 40
    body = consult_to_json(consult)

    bare = sqlite3.connect(folder / "bare.sqlite3", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)")

    def bare_insert() -> None:
        bare.execute("BEGIN IMMEDIATE")
        bare.execute("INSERT OR REPLACE INTO t(id, body) VALUES (1, ?)", (body,))
        bare.execute("COMMIT")

    counter = iter(range(10**9))

    def autosave() -> None:
        consult.lifestyle.goals = f"Walk the dog {next(counter)}"
        repo.save_draft(consult)

    def autosave_service() -> None:
        # what the window runs: the service (repository + the coalesced audit entry + step)
        consult.lifestyle.goals = f"Walk the dog {next(counter)}"
        save_draft(db, consult, now=datetime.now().astimezone(), step="lifestyle")

    base = measure(bare_insert, repeat=50)
    report("baseline: bare durable INSERT", base)
    report("autosave: save_draft(full consult)", measure(autosave, repeat=50), base)
    report("autosave through the service", measure(autosave_service, repeat=50), base)

    for i in range(2000):
        c = sample_consult(f"{i:032x}", patient=sample_patient(f"Patient {i} Müller", f"M{i}"))
        repo.save_draft(c)
    report("search 'muller 1234' over 2,001 consults",
           measure(lambda: repo.search("muller 1234"), repeat=50), base)
    report("list newest 100 of 2,001 consults",
           measure(lambda: repo.summaries(limit=100), repeat=50), base)
    db.close()


if __name__ == "__main__":
    main()
