"""The window on a clinic's PostgreSQL server (issue 18): a lost connection loses nothing
typed — autosave keeps the draft and stores it when the server takes connections again — and a
draft saved in another room meanwhile is never overwritten: the window says so."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.storage.server import ServerAddress
from consult_aid.ui import autosave
from consult_aid.ui.main_window import MainWindow
from tests import rooms
from tests.pg_server import with_database

from .helpers import WAIT_MS, add_patient_and_start, type_into

# the window's "not stored" message box (offscreen Qt warns about its size hints)
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def data_folder(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> DataFolder:
    monkeypatch.setattr(autosave, "RETRY_MS", 300)  # a retry in the test's time
    return DataFolder(DataFolder(tmp_path / "data").ensure().root, ServerAddress.parse(pg_url))


@pytest.fixture
def admin(pg_url: str) -> Iterator[psycopg.Connection]:
    """A connection of the server's own, on its maintenance database."""
    with psycopg.connect(with_database(pg_url, "postgres"), autocommit=True) as con:
        yield con


def _goals(pg_url: str, consult_id: str) -> str:
    with psycopg.connect(pg_url) as con:
        row = con.execute("SELECT body FROM consults WHERE id = %s", (consult_id,)).fetchone()
    return json.loads(row[0])["consult"]["lifestyle"]["goals"] if row else ""


def test_a_lost_server_keeps_what_was_typed_and_stores_it_when_back(
        qtbot: QtBot, window: MainWindow, pg_url: str, admin: psycopg.Connection) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("lifestyle")
    consult_id = view.session.consult.id
    name = ServerAddress.parse(pg_url).database
    # the server stops taking this database's connections, and drops the open ones
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
    type_into(qtbot, view.page("lifestyle").goals, "Swim again")
    qtbot.waitUntil(lambda: "server" in view.saved_label.text(), timeout=WAIT_MS)
    assert view.session.consult.lifestyle.goals == "Swim again"  # kept in the window
    assert "Traceback" not in view.saved_label.text()
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')  # the server is back
    qtbot.waitUntil(lambda: _goals(pg_url, consult_id) == "Swim again", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.saved_label.text().startswith("Saved "), timeout=WAIT_MS)


def test_a_draft_saved_in_another_room_meanwhile_is_not_overwritten(
        qtbot: QtBot, window: MainWindow, pg_url: str) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("lifestyle")
    consult_id = view.session.consult.id
    window.ctx.writer.wait_idle()
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:  # room 9 opens the same draft and saves its goals
        pool.apply(rooms.change_goals, (pg_url, consult_id, "Garden again (room 9)"))
    type_into(qtbot, view.page("lifestyle").goals, "Swim again")
    qtbot.waitUntil(lambda: "somewhere else" in view.saved_label.text(), timeout=WAIT_MS)
    assert _goals(pg_url, consult_id) == "Garden again (room 9)"  # room 9's change stands
    # leaving the consult: the window says what was not stored; Close anyway leaves it
    window.show_archive()
    box = window.save_failed_box
    assert box is not None and "somewhere else" in box.text()
    box.anyway_button.click()
    qtbot.waitUntil(lambda: window.consult_view is None, timeout=WAIT_MS)
    assert _goals(pg_url, consult_id) == "Garden again (room 9)"
