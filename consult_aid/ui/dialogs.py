"""The system dialogs the window asks questions with, injected so tests can answer them.

:class:`Dialogs` is handed to :class:`~consult_aid.ui.main_window.MainWindow`; the defaults are
the real dialogs (the account password asked at signing, the system print dialog, the folder
to back up into).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLocale
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QWidget

AskPassword = Callable[[QWidget], str | None]
ChoosePrinter = Callable[[QWidget, QPrinter], bool]
ChooseFolder = Callable[[QWidget], Path | None]


def ask_password(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(
        parent, parent.tr("Your password"),
        parent.tr("Your account password (it unlocks your signing key):"),
        QLineEdit.EchoMode.Password)
    return text if ok and text else None


def choose_printer(parent: QWidget, printer: QPrinter) -> bool:
    dialog = QPrintDialog(printer, parent)
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def choose_backup_folder(parent: QWidget) -> Path | None:
    """The system folder picker: where to write a backup (another disk is best)."""
    chosen = QFileDialog.getExistingDirectory(
        parent, parent.tr("Back up into which folder? (Another disk is best.)"),
        str(Path.home()))
    return Path(chosen) if chosen else None


def default_paper() -> str:
    return "letter" if QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem \
        else "a4"


@dataclass(frozen=True, slots=True)
class Dialogs:
    password: AskPassword = ask_password
    printer: ChoosePrinter = choose_printer
    backup_folder: ChooseFolder = choose_backup_folder
