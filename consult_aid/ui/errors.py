"""Errors as the clinician sees them: a calm dialog that says what to do, never a traceback.

A :class:`KnownError` (disk full, database busy, wrong password) shows its own message. Anything
else is a bug: it is logged with its traceback, and the dialog says the consult is saved and
where the details are.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from consult_aid.errors import KnownError

log = logging.getLogger(__name__)


BUG_MESSAGE = ("Something went wrong that Consult Aid did not expect. What was entered so far "
               "is saved. The details were written to the log in the data folder; please pass "
               "it to the person who looks after Consult Aid.")
STARTUP_BUG_MESSAGE = ("Consult Aid could not start because of an error it did not expect. "
                       "The details were written to the log in the data folder ({log}); "
                       "please pass it to the person who looks after Consult Aid.")
STARTUP_BUG_UNLOGGED = ("Consult Aid could not start because of an error it did not expect, "
                        "and the data folder's log could not be written (a read-only "
                        "folder?). Please tell the person who looks after Consult Aid.")


def message_for(error: BaseException) -> str:
    """What the clinician reads: a known error's own message, else the calm bug message."""
    from consult_aid.domain import ValidationError  # (not at start-up: issue 16)

    if isinstance(error, ValidationError):
        return "\n".join(p.message for p in error.problems)
    if isinstance(error, KnownError):
        return str(error)
    return BUG_MESSAGE


def startup_message(error: BaseException, log_file: object) -> str:
    """The message when the window could not start: nothing was being edited yet, so it does
    not say that work was saved."""
    if isinstance(error, KnownError):
        return message_for(error)
    if log_file is None:
        return STARTUP_BUG_UNLOGGED
    return STARTUP_BUG_MESSAGE.format(log=log_file)


def show_error(parent: QWidget | None, error: BaseException, title: str = "") -> QMessageBox:
    """Show ``error`` without blocking (the dialog is window-modal and returns at once)."""
    from PySide6.QtCore import Qt  # (its enums are built on first use: not at start-up)

    if not isinstance(error, KnownError):
        log.error("unexpected error", exc_info=error)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information if isinstance(error, KnownError)
                else QMessageBox.Icon.Warning)
    box.setWindowTitle(title or box.tr("Consult Aid"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(message_for(error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setObjectName("errorDialog")
    box.open()
    return box


class SaveFailedBox(QMessageBox):
    """The last changes are not stored: said calmly, with Retry or Close anyway."""

    def __init__(self, parent: QWidget, problem: str, anyway_label: str = "") -> None:
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self.setObjectName("saveFailedDialog")
        self.setIcon(QMessageBox.Icon.Information)
        self.setWindowTitle(self.tr("Consult Aid"))
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(self.tr(
            "The latest changes to this consult are not saved yet.\n\n{problem}\n\nRetry "
            "stores them again. Close anyway closes without them: what was saved before stays "
            "saved.").format(problem=problem))
        self.retry_button = self.addButton(self.tr("&Retry"), QMessageBox.ButtonRole.AcceptRole)
        self.anyway_button = self.addButton(anyway_label or self.tr("&Close anyway"),
                                            QMessageBox.ButtonRole.DestructiveRole)
        # Enter and Escape both retry: a stray key never throws changes away.
        self.setDefaultButton(self.retry_button)
        self.setEscapeButton(self.retry_button)


def ask_save_failed(parent: QWidget, problem: str, *, retry: Callable[[], None],
                    anyway: Callable[[], None], anyway_label: str = "") -> SaveFailedBox:
    """Show :class:`SaveFailedBox` window-modal, returning at once; ``retry`` or ``anyway`` is
    called with the answer."""
    from PySide6.QtCore import Qt

    box = SaveFailedBox(parent, problem, anyway_label)

    def answered(button: object) -> None:
        (anyway if button is box.anyway_button else retry)()

    box.buttonClicked.connect(answered)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_excepthook(parent_provider: object) -> None:
    """Route uncaught exceptions in Qt slots to the log and a calm dialog."""

    def hook(kind: type[BaseException], error: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        log.error("uncaught exception", exc_info=(kind, error, tb))
        parent = parent_provider() if callable(parent_provider) else None
        show_error(parent, error)

    sys.excepthook = hook
