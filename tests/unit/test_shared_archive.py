"""Several rooms on one archive (issue 18): processes of their own writing at once, and two
opening the same draft — the second save is refused, never written over the first. On both
backends: the SQLite file (WAL, one PC) and a PostgreSQL server (a clinic's rooms)."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from pathlib import Path

import pytest

from consult_aid.errors import EditConflictError
from consult_aid.services.check import check_database, check_server
from consult_aid.services.consults import get_consult, save_draft
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.server import ServerAddress
from tests import rooms
from tests.builders import NOW, sample_consult
from tests.signed_in import sign_in_db

ROOMS = 4
EACH = 6


def _text(where: Path | ServerAddress) -> str:
    return where.url if isinstance(where, ServerAddress) else str(where)


def _check(where: Path | ServerAddress):
    return check_server(where) if isinstance(where, ServerAddress) else check_database(where)


@pytest.mark.slow
def test_rooms_writing_different_consults_at_once_lose_nothing(archive_location) -> None:
    with open_store(archive_location) as db:  # made (and migrated) before the rooms start
        sign_in_db(db)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(ROOMS) as pool:
        results = [pool.apply_async(rooms.write_consults, (_text(archive_location), r, EACH))
                   for r in range(1, ROOMS + 1)]
        written = [r.get(timeout=240) for r in results]
    with open_store(archive_location) as db:
        sign_in_db(db)
        for room, ids in enumerate(written, start=1):
            for n, cid in enumerate(ids):
                assert get_consult(db, cid).lifestyle.goals == f"Goal {n} of room {room}"
        assert db.query_one("SELECT count(*) FROM consults")[0] == ROOMS * EACH
        saved = [e for e in AuditLog(db).entries() if e.action == "consult.saved"]
        assert {e.actor for e in saved} == {f"room{r}" for r in range(1, ROOMS + 1)}
    report = _check(archive_location)
    assert report.ok, report.findings  # the audit chain did not fork under the rooms' writes
    assert report.consults == ROOMS * EACH


def test_two_rooms_opening_the_same_draft_the_later_save_is_refused(archive_location) -> None:
    with open_store(archive_location) as db:
        sign_in_db(db)
        consult = sample_consult()
        save_draft(db, consult, now=NOW)
        mine = get_consult(db, consult.id)  # room 1 opens the draft
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(1) as pool:  # room 9 opens it too, changes the goals and saves
            pool.apply(rooms.change_goals, (_text(archive_location), consult.id,
                                            "Swim again (room 9)"))
        mine.lifestyle.goals = "Garden again (room 1)"
        with pytest.raises(EditConflictError, match="saved somewhere else"):
            save_draft(db, mine, now=NOW + timedelta(minutes=31))
        assert get_consult(db, consult.id).lifestyle.goals == "Swim again (room 9)"
        # opened again, it is saved from its latest state
        again = get_consult(db, consult.id)
        again.lifestyle.goals = "Garden and swim"
        save_draft(db, again, now=NOW + timedelta(minutes=32))
        assert get_consult(db, consult.id).lifestyle.goals == "Garden and swim"


def test_a_draft_discarded_in_another_room_is_not_brought_back(archive_location) -> None:
    with open_store(archive_location) as db:
        sign_in_db(db)
        consult = sample_consult()
        save_draft(db, consult, now=NOW)
        mine = get_consult(db, consult.id)
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(1) as pool:
            pool.apply(rooms.discard, (_text(archive_location), consult.id))
        mine.lifestyle.goals = "Garden again"
        with pytest.raises(EditConflictError, match="discarded somewhere else"):
            save_draft(db, mine, now=NOW + timedelta(minutes=41))
        assert db.query_one("SELECT count(*) FROM consults")[0] == 0
