"""Leaving a consult or closing the window never loses changes silently: the last save is
written and waited for; when it fails or takes too long the window stays and says so, with
Retry or Close anyway.

The disk is made full for real: the writer's own SQLite connection is capped at the pages the
file has (``PRAGMA max_page_count``), so SQLite itself answers SQLITE_FULL and the error model
turns it into the calm "disk is full" message; the window, the writer thread and the file on
disk are all real.
"""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from consult_aid.services.store import Store
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.main_window import MainWindow

from .conftest import db_row
from .helpers import WAIT_MS, add_patient_and_start, type_into, writer_held

# A message box fixes its own size, which the offscreen test platform reports as a warning.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

DISK_FULL = "disk is full"
# Long enough that storing it needs pages the capped file cannot grow to.
# At the goals field's limit (2,000 characters), in a script of 3 bytes a character: several
# new database pages, as a patient's own words in Japanese would need
LONG_GOALS = ("毎年夏に孫たちと湖でまた泳ぎたい。" * 200)[:2000]


def stored_goals(window: MainWindow, consult_id: str) -> str:
    row = db_row(window.ctx.data, "SELECT body FROM consults WHERE id = ?", consult_id)
    assert row is not None
    return json.loads(row[0])["consult"]["lifestyle"]["goals"]


def open_lifestyle(qtbot: QtBot, window: MainWindow) -> ConsultView:
    view = add_patient_and_start(qtbot, window)
    view.go_to("lifestyle")
    qtbot.waitUntil(lambda: not view.autosaver.dirty, timeout=WAIT_MS)
    return view


def _cap_pages(window: MainWindow, full: bool) -> None:
    def cap(db: Store) -> None:
        con = db.connection
        if full:  # the free pages inside the file are taken first (a migration leaves some)
            free = con.execute("PRAGMA freelist_count").fetchone()[0]
            size = con.execute("PRAGMA page_size").fetchone()[0]
            con.execute("CREATE TABLE IF NOT EXISTS test_filler(x BLOB)")
            con.execute("INSERT INTO test_filler VALUES (zeroblob(?))", (free * size,))
            con.commit()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages if full else 1_073_741_823}")

    window.ctx.writer.submit(cap)
    assert window.ctx.writer.wait_idle(5)


def fill_the_disk(window: MainWindow) -> None:
    _cap_pages(window, full=True)


def free_space(window: MainWindow) -> None:
    _cap_pages(window, full=False)


def type_long_goals(view: ConsultView) -> None:
    view.page("lifestyle").goals.setPlainText(LONG_GOALS)  # as if pasted


def test_a_failed_last_save_keeps_the_window_open_and_says_so(
        qtbot: QtBot, window: MainWindow) -> None:
    view = open_lifestyle(qtbot, window)
    consult_id = view.session.consult.id
    fill_the_disk(window)
    type_long_goals(view)

    assert not window.close()  # refused: the change is not stored
    assert window.isVisible()
    assert window.consult_view is view
    box = window.save_failed_box
    assert box is not None and box.isVisible()
    assert "not saved yet" in box.text()
    assert DISK_FULL in box.text().lower()
    assert stored_goals(window, consult_id) == ""

    # space is freed; Retry stores the change, then the window closes
    free_space(window)
    box.retry_button.click()
    assert not window.isVisible()
    assert stored_goals(window, consult_id) == LONG_GOALS


def test_close_anyway_leaves_a_consult_whose_save_failed(
        qtbot: QtBot, window: MainWindow) -> None:
    view = open_lifestyle(qtbot, window)
    consult_id = view.session.consult.id
    fill_the_disk(window)
    type_long_goals(view)

    view.close_button.click()  # "Close consult": back to the start screen is refused
    assert window.stack.currentWidget() is view
    box = window.save_failed_box
    assert box is not None and box.isVisible()
    assert DISK_FULL in box.text().lower()
    assert DISK_FULL in view.saved_label.text().lower()
    box.retry_button.click()  # still full: asked again, still in the consult
    assert window.stack.currentWidget() is view
    assert window.save_failed_box is not None

    window.save_failed_box.anyway_button.click()  # the clinician decides
    assert window.consult_view is None
    assert window.stack.currentWidget() is window.start
    assert stored_goals(window, consult_id) == ""


def test_a_save_that_does_not_finish_in_time_keeps_the_window_open(
        qtbot: QtBot, window: MainWindow) -> None:
    view = open_lifestyle(qtbot, window)
    consult_id = view.session.consult.id
    window.save_wait_seconds = 0.2
    with writer_held(window.ctx) as slow_disk:
        type_into(qtbot, view.page("lifestyle").goals, "Swim again")
        assert not window.close()
        box = window.save_failed_box
        assert box is not None and box.isVisible()
        assert "not finished storing" in box.text()
        slow_disk.set()
        box.retry_button.click()
    assert not window.isVisible()
    assert stored_goals(window, consult_id) == "Swim again"
