"""A draft's latest text is found by the archive's search: the autosave only notes the draft
for the search index (issue 16), and the search indexes it before it reads."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from consult_aid.ui.main_window import MainWindow

from .conftest import db_row
from .helpers import WAIT_MS, add_patient_and_start, type_into
from .test_archive_search import NAMES, open_archive, search_for, shown_names, store_consults


def indexed_text(window: MainWindow, consult_id: str) -> str:
    row = db_row(window.ctx.data, "SELECT s.free_text FROM consult_search AS s JOIN archive_rows "
                 "AS a ON a.date_key = s.rowid WHERE a.consult_id = ?", consult_id)
    assert row is not None
    return str(row[0])


def test_text_typed_into_a_draft_is_found_in_the_archive(
        qtbot: QtBot, window: MainWindow) -> None:
    store_consults(window.ctx)  # four other drafts: the search must narrow the list
    view = add_patient_and_start(qtbot, window, name="Rosa Lindqvist")
    view.go_to("lifestyle")
    consult_id = view.session.consult.id
    type_into(qtbot, view.page("lifestyle").goals, "Swim out to the lighthouse")
    qtbot.waitUntil(lambda: view.saved_label.text().startswith("Saved "), timeout=WAIT_MS)
    assert "lighthouse" not in indexed_text(window, consult_id)  # noted, not indexed
    archive = open_archive(window)
    qtbot.waitUntil(lambda: len(shown_names(archive)) == len(NAMES) + 1, timeout=WAIT_MS)
    search_for(qtbot, archive, "lighthouse", ["Rosa Lindqvist"])
    assert "lighthouse" in indexed_text(window, consult_id)
