"""The start screen: drafts listed with date, procedure and the step reached; the new-patient
form empty for the next patient; every Alt letter used once."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain import Sex
from consult_aid.domain.dates import day
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.start_screen import StartScreen

from .helpers import WAIT_MS, add_patient_and_start, click, type_into

MNEMONIC = re.compile(r"&([^&\s])")


def screen_mnemonics(window: MainWindow, screen: QWidget) -> dict[str, list[str]]:
    """Letter -> every control claiming it with '&' on ``screen`` (label buddies, buttons) and
    in the window's menu bar, which shares the same Alt letters."""
    found: dict[str, list[str]] = defaultdict(list)
    texts = [a.text() for a in window.menuBar().actions()]
    for widget in screen.findChildren(QWidget):
        is_buddy = isinstance(widget, QLabel) and widget.buddy() is not None
        if is_buddy or isinstance(widget, QAbstractButton):
            texts.append(widget.text())  # type: ignore[attr-defined]
    for text in texts:
        match = MNEMONIC.search(text)
        if match:
            found[match.group(1).lower()].append(text.replace("&", ""))
    return found


def clashes(letters: dict[str, list[str]]) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in letters.items() if len(texts) > 1}


def draft_texts(start: StartScreen) -> list[str]:
    return [start.drafts.item(i).text() for i in range(start.drafts.count())]


def assert_new_patient_form_is_empty(start: StartScreen) -> None:
    assert start.new_name.text() == ""
    assert start.new_mrn.text() == ""
    assert start.new_dob.value() is None and start.new_dob.text() == ""
    assert start.new_sex.currentData() == Sex.UNKNOWN.value
    assert start.new_sex.currentText() == "Not recorded"
    assert all(not label.isVisibleTo(start) for label in start.new_form.errors.values())


def fill_new_patient(qtbot: QtBot, start: StartScreen, name: str) -> None:
    type_into(qtbot, start.new_name, name)
    start.new_dob.setDate(QDate(1958, 11, 2))
    start.new_sex.setCurrentIndex(start.new_sex.findData(Sex.FEMALE.value))
    type_into(qtbot, start.new_mrn, "MRN-31")


def test_a_draft_shows_patient_date_procedure_and_the_step_reached(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, "Dora Draft")
    title = view.session.pack.title
    view.go_to("benefits_risks")
    click(qtbot, view.close_button)
    start = window.start
    qtbot.waitUntil(lambda: window.stack.currentWidget() is start, timeout=WAIT_MS)
    today = day(window.ctx.clock().date())
    expected = f"Dora Draft · {today}\n{title} · 6. Benefits and risks"
    qtbot.waitUntil(lambda: draft_texts(start) == [expected], timeout=WAIT_MS)
    item = start.drafts.item(0)
    assert item.data(Qt.ItemDataRole.AccessibleTextRole) == \
        f"Dora Draft, {today}, {title}, 6. Benefits and risks"
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}", item.text())  # day month year, in words


def test_step_titles_are_numbered_as_in_the_step_list(window: MainWindow) -> None:
    start = window.start
    assert start.step_reached("patient") == "1. Patient and participants"
    assert start.step_reached("benefits_risks") == "6. Benefits and risks"
    assert start.step_reached("review") == "9. Review and sign"
    assert start.step_reached("") == start.step_reached("no-such-step") == ""


def test_after_adding_a_patient_the_form_is_empty_for_the_next(
        qtbot: QtBot, window: MainWindow) -> None:
    start = window.start
    click(qtbot, start.add_button)  # nothing typed: the form says what is missing
    assert start.new_form.errors["patient.name"].isVisibleTo(start)
    fill_new_patient(qtbot, start, "Nora Next")
    click(qtbot, start.add_button)
    qtbot.waitUntil(lambda: start.selected_patient() is not None
                    and start.selected_patient().name == "Nora Next", timeout=WAIT_MS)
    patient = start.selected_patient()
    assert patient is not None
    assert patient.date_of_birth == date(1958, 11, 2) and patient.sex is Sex.FEMALE
    assert_new_patient_form_is_empty(start)


def test_after_closing_a_consult_the_start_screen_is_empty(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, "Cleo Closed")
    start = window.start
    fill_new_patient(qtbot, start, "Half Typed")  # left behind on the start screen
    type_into(qtbot, start.search, "Cleo")
    click(qtbot, view.close_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is start, timeout=WAIT_MS)
    assert_new_patient_form_is_empty(start)
    assert start.search.text() == ""
    assert QApplication.focusWidget() is start.search


def test_no_two_controls_on_the_start_screen_share_an_alt_letter(window: MainWindow) -> None:
    letters = screen_mnemonics(window, window.start)
    assert {"a", "c", "i", "s", "r"} <= letters.keys()
    assert clashes(letters) == {}


def test_alt_letters_add_the_patient_and_open_the_archive(
        qtbot: QtBot, window: MainWindow) -> None:
    start = window.start
    fill_new_patient(qtbot, start, "Alt Added")
    qtbot.keyClick(start.new_mrn, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: start.selected_patient() is not None
                    and start.selected_patient().name == "Alt Added", timeout=WAIT_MS)
    qtbot.keyClick(start.pack, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is start.search
    qtbot.keyClick(start.search, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.archive, timeout=WAIT_MS)
