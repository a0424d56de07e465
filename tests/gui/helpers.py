"""Steps a clinician takes in the window, shared by the gui tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QRadioButton
from pytestqt.qtbot import QtBot

from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow

WAIT_MS = 5000


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click a button; a check box or radio button on its indicator, where a person would."""
    if isinstance(button, QCheckBox | QRadioButton):
        pos = QPoint(button.fontMetrics().height() // 2 + 2, button.height() // 2)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, widget: object, text: str) -> None:
    """Type as a person would: key presses, or an input-method commit for non-ASCII text."""
    widget.setFocus()  # type: ignore[attr-defined]
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


def sign_in_through(qtbot: QtBot, window: MainWindow, username: str = "drtest",
                    password: str = "correct horse battery") -> None:
    """Sign in on the window's sign-in page as a person would: name, Tab, password, Enter
    (then the start screen)."""
    page = window.sign_in_page
    assert window.stack.currentWidget() is page
    type_into(qtbot, page.username, username)
    qtbot.keyClick(page.username, Qt.Key.Key_Tab)
    type_into(qtbot, page.password, password)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=WAIT_MS)


def add_patient_and_start(qtbot: QtBot, window: MainWindow, name: str = "Test Patient",
                          born: QDate | None = None,
                          pack_id: str = "intrathecal-pump") -> ConsultView:
    start = window.start
    type_into(qtbot, start.new_name, name)
    start.new_dob.setDate(born or QDate(1968, 3, 9))
    type_into(qtbot, start.new_mrn, "MRN-77")
    click(qtbot, start.add_button)
    qtbot.waitUntil(lambda: start.selected_patient() is not None
                    and start.selected_patient().name == name, timeout=WAIT_MS)
    start.pack.setCurrentIndex(start.pack.findData(pack_id))
    click(qtbot, start.start_button)
    qtbot.waitUntil(lambda: window.consult_view is not None, timeout=WAIT_MS)
    assert window.consult_view is not None
    return window.consult_view


@contextmanager
def writer_held(ctx: AppContext) -> Iterator[threading.Event]:
    """Keep the database writer busy (a slow disk) until the block ends or the event is set."""
    gate, started = threading.Event(), threading.Event()

    def hold(_db: object) -> None:
        started.set()
        gate.wait(30)

    ctx.writer.submit(hold)
    assert started.wait(5)
    try:
        yield gate
    finally:
        gate.set()


def shown_state(view: ConsultView, step_id: str) -> str:
    """What the step list says of a step, as a screen reader reads it ("Condition: Done")."""
    from consult_aid.domain.steps import STEP_IDS

    item = view.step_list.item(STEP_IDS.index(step_id))
    return str(item.data(Qt.ItemDataRole.AccessibleTextRole)).rsplit(": ", 1)[-1]
