"""The archive finds people by German spellings and accents, says when nothing matches, and
is used from the keyboard: Down from the search box into the list, Enter opens."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician, Patient
from consult_aid.services.consults import start_consult
from consult_aid.ui.archive import ArchiveView
from consult_aid.ui.context import AppContext, local_now
from consult_aid.ui.main_window import MainWindow

from .helpers import WAIT_MS, click, type_into
from .test_start_screen import clashes, screen_mnemonics

NAMES = ("Jürgen Müller", "Greta Moeller", "Anna Bäcker", "José Núñez")


def store_consults(ctx: AppContext) -> dict[str, str]:
    """A draft for each of NAMES; name -> consult id."""
    pack = ctx.catalog.get("intrathecal-pump")
    clinician = Clinician(name="Dr Archive")
    return {name: start_consult(ctx.db, Patient(name=name, date_of_birth=date(1960, 5, 4)),
                                clinician, pack, local_now()).id for name in NAMES}


def open_archive(window: MainWindow) -> ArchiveView:
    window.show_archive()
    assert window.stack.currentWidget() is window.archive
    assert QApplication.focusWidget() is window.archive.search
    return window.archive


def shown_names(archive: ArchiveView) -> list[str]:
    model = archive.model
    return sorted(str(model.data(model.index(r, 1))) for r in range(model.rowCount()))


def search_for(qtbot: QtBot, archive: ArchiveView, text: str, expected: list[str]) -> None:
    archive.search.clear()
    type_into(qtbot, archive.search, text)
    qtbot.waitUntil(lambda: shown_names(archive) == expected, timeout=WAIT_MS)


def test_german_spellings_and_accents_find_people(qtbot: QtBot, window: MainWindow) -> None:
    store_consults(window.ctx)
    archive = open_archive(window)
    for typed, found in (("mueller", ["Jürgen Müller"]), ("muller", ["Jürgen Müller"]),
                         ("juergen", ["Jürgen Müller"]), ("möller", ["Greta Moeller"]),
                         ("moller", ["Greta Moeller"]), ("baecker", ["Anna Bäcker"]),
                         ("nunez", ["José Núñez"]), ("Núñez", ["José Núñez"])):
        search_for(qtbot, archive, typed, found)
        assert not archive.empty_label.isVisibleTo(archive)


def test_no_match_is_said_in_words(qtbot: QtBot, window: MainWindow) -> None:
    store_consults(window.ctx)
    archive = open_archive(window)
    search_for(qtbot, archive, "maier", [])
    assert archive.empty_label.isVisibleTo(archive)
    assert archive.empty_label.text() == "No consults match “maier”."
    archive.search.clear()
    type_into(qtbot, archive.search, "gre")
    qtbot.waitUntil(lambda: shown_names(archive) == ["Greta Moeller"], timeout=WAIT_MS)
    assert not archive.empty_label.isVisibleTo(archive)


def test_down_moves_into_the_list_and_enter_opens_the_row(
        qtbot: QtBot, window: MainWindow) -> None:
    ids = store_consults(window.ctx)
    archive = open_archive(window)
    type_into(qtbot, archive.search, "mueller")
    # Down at once, before the search has run by itself: it runs now
    qtbot.keyClick(archive.search, Qt.Key.Key_Down)
    assert shown_names(archive) == ["Jürgen Müller"]
    assert QApplication.focusWidget() is archive.table
    assert [i.row() for i in archive.table.selectionModel().selectedRows()] == [0]
    qtbot.keyClick(archive.table, Qt.Key.Key_Up)  # from the first row back to the search box
    assert QApplication.focusWidget() is archive.search
    qtbot.keyClick(archive.search, Qt.Key.Key_Down)
    with qtbot.waitSignal(archive.open_requested, timeout=WAIT_MS) as opened:
        qtbot.keyClick(archive.table, Qt.Key.Key_Return)
    assert opened.args == [ids["Jürgen Müller"]]
    qtbot.waitUntil(lambda: window.consult_view is not None, timeout=WAIT_MS)
    assert window.consult_view is not None
    assert window.consult_view.session.consult.id == ids["Jürgen Müller"]


def test_down_with_nothing_found_stays_in_the_search_box(
        qtbot: QtBot, window: MainWindow) -> None:
    store_consults(window.ctx)
    archive = open_archive(window)
    type_into(qtbot, archive.search, "maier")
    qtbot.keyClick(archive.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is archive.search
    assert archive.empty_label.text() == "No consults match “maier”."


def test_no_two_controls_on_the_archive_share_an_alt_letter(
        qtbot: QtBot, window: MainWindow) -> None:
    archive = open_archive(window)
    letters = screen_mnemonics(window, archive)
    assert {"s", "o", "b"} <= letters.keys()
    assert clashes(letters) == {}
    archive.table.setFocus()
    qtbot.keyClick(archive.table, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is archive.search
    click(qtbot, archive.open_button)  # nothing selected: nothing opens
    assert window.stack.currentWidget() is archive


def test_a_search_most_consults_match_is_counted_as_more_than_the_limit(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search is counted up to a limit (10,000; two here): above it the archive says "More
    than", and still lists every consult found (pages of three here: a search that fits on
    the first page is counted from it)."""
    from consult_aid.services import consults as consult_service
    from consult_aid.storage import consults as stored
    from consult_aid.ui import archive as archive_module

    monkeypatch.setattr(stored, "SEARCH_COUNT_LIMIT", 2)
    monkeypatch.setattr(consult_service, "SEARCH_COUNT_LIMIT", 2)
    monkeypatch.setattr(archive_module, "PAGE", 3)
    store_consults(window.ctx)
    archive = open_archive(window)
    assert archive.count_label.text() == "4 consults"  # no search: every consult, exactly
    type_into(qtbot, archive.search, "archive")  # the clinician's name, in all four
    qtbot.waitUntil(lambda: archive.model.filter_text == "archive", timeout=WAIT_MS)
    assert archive.count_label.text() == "More than 2 consults"
    while archive.model.canFetchMore():  # as scrolling down fetches the next page
        archive.model.fetchMore()
    assert shown_names(archive) == sorted(NAMES)
    search_for(qtbot, archive, "muller", ["Jürgen Müller"])
    assert archive.count_label.text() == "1 consult"


def test_a_letter_that_finds_the_same_consults_leaves_the_list_as_it_is(
        qtbot: QtBot, window: MainWindow) -> None:
    """One more letter of a name already found: the list is not read into the view again
    (nothing repainted, the chosen row kept); the count and "No consults match" still follow
    every letter."""
    store_consults(window.ctx)
    archive = open_archive(window)
    search_for(qtbot, archive, "muel", ["Jürgen Müller"])
    archive.table.selectRow(0)
    archive.search.setFocus()
    resets: list[str] = []
    archive.model.modelReset.connect(lambda: resets.append(archive.model.filter_text))
    type_into(qtbot, archive.search, "ler")
    qtbot.waitUntil(lambda: archive.model.filter_text == "mueller", timeout=WAIT_MS)
    assert resets == []
    assert [i.row() for i in archive.table.selectionModel().selectedRows()] == [0]
    assert archive.record_button.isEnabled() is False  # a draft: its record is not there
    assert archive.count_label.text() == "1 consult"
    # a letter that changes what is found does read it again
    type_into(qtbot, archive.search, "x")
    qtbot.waitUntil(lambda: archive.model.filter_text == "muellerx", timeout=WAIT_MS)
    assert resets == ["muellerx"]
    assert archive.empty_label.text() == "No consults match “muellerx”."
    type_into(qtbot, archive.search, "y")  # nothing found before, nothing now: the words follow
    qtbot.waitUntil(lambda: archive.model.filter_text == "muellerxy", timeout=WAIT_MS)
    assert resets == ["muellerx"]
    assert archive.empty_label.text() == "No consults match “muellerxy”."
    assert archive.count_label.text() == "0 consults"


def test_the_same_first_page_with_another_count_says_the_new_count(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of one: "a" and "an" may show the same first consult but not the same number."""
    from consult_aid.ui import archive as archive_module

    monkeypatch.setattr(archive_module, "PAGE", 1)
    store_consults(window.ctx)
    archive = open_archive(window)
    archive.model.set_filter("dr")  # the clinician's name: all four
    first = archive.model.summary(0).id
    assert archive.count_label.text() == "4 consults"
    word = archive.model.summary(0).patient_name.split()[0].lower()  # its first name only
    archive.model.set_filter(f"dr {word}")
    assert archive.model.summary(0).id == first
    assert archive.count_label.text() == "1 consult"
