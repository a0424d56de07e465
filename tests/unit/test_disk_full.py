"""A full disk is a known error ("the disk is full"), the write is rolled back, the file is intact.

The database is a real SQLite file; it is made full for real by capping its size at the pages
it already has (``PRAGMA max_page_count``), so the next write that needs a new page fails with
SQLite's own "database or disk is full".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from consult_aid.errors import KnownError
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult, sample_patient

# At the note's limit (4,000 characters), 3 bytes a character: several new database pages
LONG_NOTES = ("十分以上立っていられない。夜は四時間しか眠れない。" * 200)[:4000]


def stored_body(con: sqlite3.Connection, consult_id: str) -> str:
    (body,) = con.execute("SELECT body FROM consults WHERE id = ?", (consult_id,)).fetchone()
    return str(body)


def test_a_write_to_a_full_disk_is_a_known_error_and_keeps_the_database_intact(
        tmp_path: Path) -> None:
    path = tmp_path / "consult-aid.sqlite3"
    earlier = sample_consult("c0ffee00000000000000000000000001")
    later = sample_consult("c0ffee00000000000000000000000002",
                           patient=sample_patient("Helen Marsh", "MRN-2"))
    later.condition.function_notes = LONG_NOTES  # needs several new pages

    with open_database(path) as db:
        repo = ConsultRepository(db)
        repo.save_draft(earlier)
        before = stored_body(db.connection, earlier.id)
        pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
        capped = db.connection.execute(f"PRAGMA max_page_count = {pages}").fetchone()[0]
        assert capped == pages

        with pytest.raises(Exception) as caught:
            repo.save_draft(later)
        err = caught.value
        assert isinstance(err, KnownError), f"{type(err).__name__}: {err}"
        assert "disk is full" in str(err).lower()
        assert not db.connection.in_transaction  # rolled back, the connection still usable
        assert not repo.exists(later.id)
        assert stored_body(db.connection, earlier.id) == before
        assert db.connection.execute("PRAGMA page_count").fetchone()[0] <= pages

    con = sqlite3.connect(path)  # the file on disk, opened afresh
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = con.execute("SELECT id, status FROM consults").fetchall()
    finally:
        con.close()
    assert rows == [(earlier.id, "draft")]

    with open_database(path) as db:  # with room again, the same write succeeds
        ConsultRepository(db).save_draft(later)
        assert ConsultRepository(db).get(later.id).condition.function_notes == LONG_NOTES
