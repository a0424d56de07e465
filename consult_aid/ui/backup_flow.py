"""Back up the data folder from the window (File ▸ Back up…, or the start screen's reminder).

The clinician picks a folder (another disk is best); every change already handed to the
database writer is stored first (a no-op job on the writer thread is the barrier), then
``services.backup.make_backup`` runs on the task pool, so the window never waits for the disk.
The result is said in a calm dialog: the new backup folder, or why there is none.

Signals: ``busy(str)`` with what is running ("" when idle); ``written(object)`` with the
:class:`~consult_aid.services.backup.BackupResult` once a backup is written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from consult_aid.errors import KnownError
from consult_aid.services.backup import BackupResult, make_backup
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import ChooseFolder
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import BackgroundOp, WriteOp

READ_ONLY_MESSAGE = ("The database is open read-only, so Consult Aid does not back it up from "
                     "this window. Restore from a backup to work normally; the person who "
                     "looks after Consult Aid can run “consult-aid check” for the details.")


class BackupFlow(QObject):
    busy = Signal(str)
    written = Signal(object)

    def __init__(self, ctx: AppContext, parent_widget: QWidget, *, folder: ChooseFolder,
                 before: Callable[[], None] = lambda: None) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.parent_widget = parent_widget
        self.choose_folder = folder
        self.before = before  # hands the open consult's latest state to the writer
        self.running = False
        self.box: QMessageBox | None = None  # the last result said

    def back_up(self) -> None:
        """Ask for the folder, then write a backup into it (off the GUI thread)."""
        if self.running:
            return
        if self.ctx.read_only:
            self.box = show_error(self.parent_widget, KnownError(READ_ONLY_MESSAGE))
            return
        dest = self.choose_folder(self.parent_widget)
        if dest is None:
            return
        self.running = True
        self.busy.emit(self.tr("Backing up…"))
        self.before()
        # the no-op runs after every write queued before it: the backup holds them all
        WriteOp(self.parent_widget, lambda _db: None) \
            .success(lambda _none: self._write(dest)).failure(self._failed) \
            .run_in_background(self.ctx.writer)

    def _write(self, dest: Path) -> None:
        data, now, actor = self.ctx.data, self.ctx.clock(), self.ctx.account
        if actor is None:
            self._failed(KnownError("Sign in first: a backup is made under your account."))
            return
        BackgroundOp(self.parent_widget, lambda: make_backup(data, dest, now=now, actor=actor)) \
            .success(self._written).failure(self._failed) \
            .run_in_background(self.ctx.tasks)

    def _written(self, result: BackupResult) -> None:
        self.running = False
        self.busy.emit("")
        box = QMessageBox(self.parent_widget)
        box.setObjectName("backupWrittenDialog")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(self.tr("Backup written"))
        box.setTextFormat(Qt.TextFormat.PlainText)  # a folder name is never markup
        box.setText(self.tr("Backup written: {folder}").format(folder=result.folder))
        box.setInformativeText(self.tr(
            "{files} files, {size}, checked after writing. Keep backups on another disk or "
            "computer: a copy on this one is lost with it.").format(
                files=result.files, size=_size(result.size)))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.box = box
        self.written.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.running = False
        self.busy.emit("")
        self.box = show_error(self.parent_widget, error, self.tr("No backup written"))


def _size(size: int) -> str:
    if size < 1_000_000:
        return f"{max(1, round(size / 1000))} kB"
    return f"{size / 1_000_000:.1f} MB"
