"""Every change reaches the database file within about a second, without blocking the window."""

from __future__ import annotations

import json
import time

from pytestqt.qtbot import QtBot

from consult_aid.ui.main_window import MainWindow

from .conftest import db_row
from .helpers import add_patient_and_start, type_into


def test_a_change_is_in_the_database_file_within_a_second_and_a_half(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("lifestyle")
    consult_id = view.session.consult.id

    def goals() -> str:
        row = db_row(window.ctx.data, "SELECT body FROM consults WHERE id = ?", consult_id)
        assert row is not None
        return json.loads(row[0])["consult"]["lifestyle"]["goals"]

    assert goals() == ""
    started = time.monotonic()
    type_into(qtbot, view.page("lifestyle").goals, "Swim again")
    qtbot.waitUntil(lambda: goals() == "Swim again", timeout=1500)
    assert time.monotonic() - started < 1.5
    qtbot.waitUntil(lambda: view.saved_label.text().startswith("Saved "), timeout=1500)


def test_the_page_shown_is_stored_as_the_last_step(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("options")
    consult_id = view.session.consult.id

    def last_step() -> str:
        row = db_row(window.ctx.data, "SELECT step_id FROM draft_steps WHERE consult_id = ?",
                     consult_id)
        return row[0] if row else ""

    qtbot.waitUntil(lambda: last_step() == "options", timeout=1500)
    # window state, kept beside the record: the consult's own JSON does not carry it
    row = db_row(window.ctx.data, "SELECT body FROM consults WHERE id = ?", consult_id)
    assert row is not None and "last_step" not in json.loads(row[0])["consult"]
