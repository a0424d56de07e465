"""One key per answer, with the focus moving on to where the next answer is wanted: the
teach-back (1 understood, 2 partly, 3 not yet), the history questions and the SURE test
(Y / N)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.domain import TeachBack
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.benefits_risks import BenefitsRisksPage
from consult_aid.ui.steps.history import HistoryPage

from .helpers import WAIT_MS, add_patient_and_start


def press(qtbot: QtBot, key: Qt.Key) -> None:
    """A key pressed wherever the focus is, as a person would."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key)


def test_teach_back_by_one_key_then_on_to_the_next_open_item(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("benefits_risks")
    page = view.page("benefits_risks")
    assert isinstance(page, BenefitsRisksPage)
    cards = [c for c in page.cards if c.isVisible()]
    first, second, third = cards[:3]
    first.discussed.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first.discussed, timeout=WAIT_MS)

    press(qtbot, Qt.Key.Key_1)  # understood: discussed too, and on to the next item
    assert first.discussed.isChecked() and first.level.value() is TeachBack.UNDERSTOOD
    assert not first.is_open
    assert QApplication.focusWidget() is second.discussed

    press(qtbot, Qt.Key.Key_2)  # partly: on to the patient's words
    assert second.level.value() is TeachBack.PARTLY and second.is_open
    assert QApplication.focusWidget() is second.words
    qtbot.keyClicks(second.words, "Something about the tube")  # typed text, not keys
    press(qtbot, Qt.Key.Key_Return)  # Enter: on to the next open item
    assert QApplication.focusWidget() is third.discussed
    assert second.words.text() == "Something about the tube"  # digits never typed here

    press(qtbot, Qt.Key.Key_3)
    assert third.level.value() is TeachBack.NOT_YET
    qtbot.waitUntil(lambda: view.session.consult.understanding.get(third.item.id) is not None
                    and view.session.consult.understanding[third.item.id].level
                    is TeachBack.NOT_YET, timeout=WAIT_MS)
    # with Ctrl held, a digit is not an answer
    fourth = cards[3]
    fourth.discussed.setFocus()
    qtbot.keyClick(fourth.discussed, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert fourth.level.value() is None


def test_history_and_sure_questions_by_y_or_n(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("history")
    page = view.page("history")
    assert isinstance(page, HistoryPage)
    names = list(page.findings)
    page.findings[names[0]][0].buttons()[0].setFocus()
    press(qtbot, Qt.Key.Key_N)  # no: on to the next question
    assert page.findings[names[0]][0].value() is False
    assert QApplication.focusWidget() in page.findings[names[1]][0].buttons()
    press(qtbot, Qt.Key.Key_Y)  # yes: on to its details
    assert page.findings[names[1]][0].value() is True
    assert QApplication.focusWidget() is page.findings[names[1]][1]
    qtbot.keyClicks(page.findings[names[1]][1], "Yes, and N is just a letter here")
    assert page.findings[names[1]][0].value() is True

    view.go_to("questions")
    questions = view.page("questions")
    groups = list(questions.sure.values())
    groups[0].buttons()[0].setFocus()
    for key in (Qt.Key.Key_Y, Qt.Key.Key_Y, Qt.Key.Key_N, Qt.Key.Key_Y):
        press(qtbot, key)
    assert [g.value() for g in groups] == [True, True, False, True]
    assert "3 of 4" in questions.sure_result.text()
