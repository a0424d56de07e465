"""The sign-in and first-account pages, by keyboard: Enter moves on and submits; a refusal
with a wait keeps the button off and counts down; a weak or mistyped password is said before
anything is sent."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from consult_aid.ui.sign_in import FirstAccountPage, SignInPage

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def test_sign_in_by_keyboard_and_the_wait_counts_down(qtbot: QtBot) -> None:
    page = SignInPage("Riverside Pain Clinic")
    qtbot.addWidget(page)
    page.show()
    page.start()
    asked: list[tuple[str, str]] = []
    page.sign_in_requested.connect(lambda u, p: asked.append((u, p)))
    qtbot.waitUntil(page.username.hasFocus)
    qtbot.keyClicks(page.username, "mkhan")
    qtbot.keyClick(page.username, Qt.Key.Key_Return)  # to the password
    assert page.password.hasFocus()
    qtbot.keyClicks(page.password, "blue harbour at dawn")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert asked == [("mkhan", "blue harbour at dawn")]
    page.show_refusal("Wait 2 seconds, then try again.", wait_seconds=2)
    assert not page.sign_in_button.isEnabled() and page.sign_in_button.text() == "Wait 2 s"
    assert page.password.text() == ""
    qtbot.keyClicks(page.password, "again")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert len(asked) == 1  # refused while waiting
    qtbot.waitUntil(page.sign_in_button.isEnabled, timeout=4000)
    assert page.sign_in_button.text() == "&Sign in"
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert asked[-1] == ("mkhan", "again")


def test_first_account_checks_before_sending(qtbot: QtBot) -> None:
    page = FirstAccountPage()
    qtbot.addWidget(page)
    page.show()
    made: list[tuple[str, str, str]] = []
    page.create_requested.connect(lambda u, n, p: made.append((u, n, p)))
    page.username.setFocus()
    for field, text in ((page.username, "SRivera"), (page.display_name, "Dr. Sam Rivera"),
                        (page.password, "password1234"), (page.repeat, "password1234")):
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert made == [] and "most common" in page.message.text()
    page.password.setText("a long walk by the river")
    page.repeat.setText("a long walk by the rivers")
    qtbot.keyClick(page.repeat, Qt.Key.Key_Return)
    assert made == [] and "differ" in page.message.text()
    page.repeat.setText("a long walk by the river")
    qtbot.keyClick(page.repeat, Qt.Key.Key_Return)
    assert made == [("srivera", "Dr. Sam Rivera", "a long walk by the river")]
    assert not page.message.isVisible()
