"""The idle lock: after a set time without keyboard or mouse input, every patient detail is
hidden behind a lock screen (HIPAA §164.312(a)(2)(iii), automatic logoff).

:class:`IdleWatch` watches the whole application's input and says when it went idle.
:class:`LockScreen` is what stands in front of the window while locked: who locked it and
when, a password field for that person, and "Sign in as someone else". It shows no patient
detail; the window that uses it hides its other pages and top-level windows (previews) while
it is shown, and keeps the consult in progress saved behind it.

Signals: IdleWatch ``idle()``; LockScreen ``unlock_requested(str)`` with the password,
``switch_requested(str, str)`` with a user name and password.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QInputEvent
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from consult_aid.ui.sign_in import centred_panel, error_label

DEFAULT_IDLE_MINUTES = 5
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 1, 60

_INPUT = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})


class IdleWatch(QObject):
    """Emits ``idle`` once no input reached the application for ``minutes``."""

    idle = Signal()

    def __init__(self, minutes: float = DEFAULT_IDLE_MINUTES,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._paused = False

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, round(minutes * 60_000)))
        if self._timer.isActive():
            self._timer.start()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        self._paused = False
        self._timer.start()

    def pause(self) -> None:
        """Stop counting (while locked, or before anyone signed in)."""
        self._paused = True
        self._timer.stop()

    def remaining_ms(self) -> int:
        return self._timer.remainingTime()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # every event of the application passes here (some 25,000 while a step's page is
        # built): the isinstance test first, asking the type (a Python enum) only of input
        if not self._paused and isinstance(event, QInputEvent) and event.type() in _INPUT:
            self._timer.start()
        return False

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockScreen(QWidget):
    unlock_requested = Signal(str)
    switch_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        panel, column, self.who = centred_panel(self, self.tr("Consult Aid is locked"))
        self.password = QLineEdit(panel)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Your password"))
        self.password.returnPressed.connect(self._unlock)
        self.unlock_button = QPushButton(self.tr("&Unlock"), panel)
        self.unlock_button.setObjectName("primary")
        self.unlock_button.clicked.connect(self._unlock)
        self.message = error_label(panel)
        self.other_button = QPushButton(self.tr("&Sign in as someone else…"), panel)
        self.other_button.clicked.connect(self._show_other)
        self.other = QFrame(panel)
        other_form = QFormLayout(self.other)
        self.other_name = QLineEdit(self.other)
        self.other_password = QLineEdit(self.other)
        self.other_password.setEchoMode(QLineEdit.EchoMode.Password)
        other_form.addRow(self.tr("User &name"), self.other_name)
        other_form.addRow(self.tr("Pass&word"), self.other_password)
        self.other_sign_in = QPushButton(self.tr("Sign &in"), self.other)
        self.other_sign_in.clicked.connect(self._switch)
        self.other_password.returnPressed.connect(self._switch)
        other_form.addRow("", self.other_sign_in)
        self.other.hide()
        form = QFormLayout()
        password_label = QLabel(self.tr("Your &password"), panel)
        password_label.setBuddy(self.password)
        form.addRow(password_label, self.password)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.other_button)
        row.addWidget(self.unlock_button)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(row)
        column.addWidget(self.other)

    def show_locked(self, display_name: str, at: datetime) -> None:
        """Locked for ``display_name``: the fields are emptied, the password has the focus."""
        self.who.setText(self.tr("Locked for {name} at {time}. Patient details are hidden; "
                                 "any consult in progress is saved.").format(
            name=display_name, time=f"{at:%H:%M}"))
        for field in (self.password, self.other_name, self.other_password):
            field.clear()
        self.message.hide()
        self.other.hide()
        self.password.setFocus()

    def show_refusal(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        (self.other_password if self.other.isVisible() else self.password).clear()

    def _unlock(self) -> None:
        if self.password.text():
            self.unlock_requested.emit(self.password.text())

    def _show_other(self) -> None:
        self.other.show()
        self.other_name.setFocus()

    def _switch(self) -> None:
        if self.other_name.text().strip() and self.other_password.text():
            self.switch_requested.emit(self.other_name.text().strip(),
                                       self.other_password.text())
