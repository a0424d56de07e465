"""The two system dialogs the window asks questions with, injected so tests can answer them.

:class:`Dialogs` is handed to :class:`~consult_aid.ui.main_window.MainWindow`; the defaults are
the real dialogs (the signing password, the system print dialog).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QLocale
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

AskPassword = Callable[[QWidget], str | None]
ChoosePrinter = Callable[[QWidget, QPrinter], bool]


def ask_password(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(
        parent, parent.tr("Signing password"),
        parent.tr("Your signing password (it unlocks your signing key):"),
        QLineEdit.EchoMode.Password)
    return text if ok and text else None


def choose_printer(parent: QWidget, printer: QPrinter) -> bool:
    dialog = QPrintDialog(printer, parent)
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def default_paper() -> str:
    return "letter" if QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem \
        else "a4"


@dataclass(frozen=True, slots=True)
class Dialogs:
    password: AskPassword = ask_password
    printer: ChoosePrinter = choose_printer
