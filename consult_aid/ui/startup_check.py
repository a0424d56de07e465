"""When the data folder fails its start-up check: say what is wrong, offer the way forward.

Before the window opens the database, :func:`consult_aid.services.check.quick_check` looks at
it (and at the signing certificate). A damaged, emptied or missing database is never used
silently: :class:`StartupCheckDialog` lists what is wrong, says that nothing was read or
written, and offers three ways on:

- **Restore from a backup…** — a folder picker, then ``restore_backup`` on a worker thread; the
  dialog says where the replaced files were kept and offers Continue (the window then starts
  normally with the restored data). A refused restore shows its message and the choice stays.
- **Open read-only** — the window opens the database read-only; nothing can be saved.
- **Quit** — nothing is changed (Escape, or closing the dialog, is Quit too).

The answer is a :class:`StartupDecision`. ``run_app`` asks through a ``choose`` callable
(:func:`ask_startup` by default), so tests can answer without a modal loop.
"""

from __future__ import annotations

import enum
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.datadir import DataFolder
from consult_aid.errors import KnownError
from consult_aid.services.backup import BackupError, RestoreResult, restore_backup
from consult_aid.services.check import CheckReport, Finding
from consult_aid.ui.context import local_now
from consult_aid.ui.errors import message_for
from consult_aid.ui.operations import BackgroundOp
from consult_aid.ui.widgets.fields import group
from consult_aid.ui.worker import TaskRunner

log = logging.getLogger(__name__)


class StartupDecision(enum.Enum):
    RESTORED = "restored"  # a backup was restored: check again, then open normally
    READ_ONLY = "read_only"  # open the database read-only
    QUIT = "quit"  # leave everything as it is (exit code 1)


@dataclass(frozen=True, slots=True)
class StartupProblem:
    """What the dialog shows: the data folder, what is wrong (one line each), and whether
    opening read-only can help (not for a missing or empty database)."""

    data: DataFolder
    findings: tuple[str, ...]
    note: str = ""  # said under the findings (e.g. "it cannot be opened read-only either")
    read_only_possible: bool = True
    headline: str = ""  # the findings in a clinician's words, one sentence ("" : none)

    @classmethod
    def of_report(cls, data: DataFolder, report: CheckReport, note: str = "") -> StartupProblem:
        return cls(data, tuple(finding_text(f) for f in report.findings), note,
                   read_only_possible=readable(data), headline=headline(report.findings))

    @classmethod
    def of_error(cls, data: DataFolder, error: BaseException, note: str = "",
                 read_only_possible: bool = True) -> StartupProblem:
        return cls(data, (message_for(error),), note,
                   read_only_possible=read_only_possible and readable(data))


def finding_text(finding: Finding) -> str:
    """"Database: consult-aid.sqlite3 is empty (0 bytes)" — where, capitalised, and what."""
    where = finding.where[:1].upper() + finding.where[1:]
    return f"{where}: {finding.problem}"


def headline(findings: tuple[Finding, ...]) -> str:
    """What the findings mean, in plain words, for the dialog's first line (the findings
    themselves follow, for whoever looks after Consult Aid)."""
    said: list[str] = []
    for finding in findings:
        if finding.where == "database":
            problem = finding.problem
            if "missing" in problem:
                text = "The database file is missing from the data folder."
            elif "empty (0 bytes)" in problem:
                text = "The database file is empty: what it held is gone from it."
            elif "not a SQLite database" in problem:
                text = "The database file was overwritten or replaced by another file."
            elif "cannot be read" in problem:
                text = "The database file cannot be read from the disk."
            else:
                text = "The database file is damaged."
        elif finding.where == "signing identity":
            text = ("The signing certificate in the data folder is not the clinic's own: it "
                    "was replaced.")
        else:
            text = "The data folder is not as Consult Aid left it."
        if text not in said:
            said.append(text)
    return " ".join(said)


def readable(data: DataFolder) -> bool:
    """Whether there is anything to open read-only: a database file that is not empty."""
    try:
        return data.database.is_file() and data.database.stat().st_size > 0
    except OSError:
        return False


Restore = Callable[[Path], RestoreResult]
PickFolder = Callable[[QWidget], Path | None]
Choose = Callable[[StartupProblem], StartupDecision]


def pick_backup_folder(parent: QWidget) -> Path | None:
    """The system folder picker, for the backup folder (consult-aid-backup-…)."""
    chosen = QFileDialog.getExistingDirectory(
        parent, parent.tr("Choose the backup folder (consult-aid-backup-…)"), str(Path.home()))
    return Path(chosen) if chosen else None


def restore_into(data: DataFolder) -> Restore:
    """Restore a backup folder into ``data``, stamped with the local time now."""
    return lambda src: restore_backup(data, src, now=local_now(), actor=None)


class StartupCheckDialog(QDialog):
    """The start-up check failed: what is wrong, and Restore / Open read-only / Quit.

    After it closes, :attr:`decision` holds the answer. A restore runs on a worker thread;
    meanwhile the buttons are off and the dialog cannot be closed.
    """

    def __init__(self, problem: StartupProblem, *, restore: Restore | None = None,
                 pick_folder: PickFolder = pick_backup_folder,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.problem = problem
        self.restore = restore or restore_into(problem.data)
        self.pick_folder = pick_folder
        self.decision = StartupDecision.QUIT
        self.result_of_restore: RestoreResult | None = None
        self._busy = False
        self._tasks = TaskRunner()
        self.setObjectName("startupCheckDialog")
        self.setWindowTitle(self.tr("Consult Aid — the data needs attention"))
        self.setModal(True)

        title = QLabel(self.tr("Consult Aid has not opened its data"), self)
        title.setObjectName("pageTitle")
        title.setWordWrap(True)
        intro = QLabel(self.tr(
            "Before opening, Consult Aid checks its data. The check found a problem, so "
            "nothing was read or written."), self)
        intro.setObjectName("intro")
        intro.setWordWrap(True)

        wrong = QWidget(self)
        wrong_column = QVBoxLayout(wrong)
        wrong_column.setContentsMargins(0, 0, 0, 0)
        self.headline = self._text(self.tr(problem.headline), wrong)
        self.headline.setObjectName("consultHeader")  # bold, no extra space above
        self.headline.setVisible(bool(problem.headline))
        wrong_column.addWidget(self.headline)
        self.details = self._text(self.tr(
            "The details, for the person who looks after Consult Aid:"), wrong)
        self.details.setObjectName("hint")
        self.details.setVisible(bool(problem.headline))
        wrong_column.addWidget(self.details)
        self.finding_labels: list[QLabel] = []
        for line in problem.findings:
            label = self._text("• " + line, wrong)
            label.setObjectName("finding" if not problem.headline else "hint")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            wrong_column.addWidget(label)
            self.finding_labels.append(label)
        self.note = self._text(problem.note, wrong)
        self.note.setObjectName("hint")
        self.note.setVisible(bool(problem.note))
        wrong_column.addWidget(self.note)
        where = self._text(self.tr("Data folder: {folder}").format(folder=problem.data.root),
                           wrong)
        where.setObjectName("hint")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        wrong_column.addWidget(where)

        ways = QWidget(self)
        ways_column = QVBoxLayout(ways)
        ways_column.setContentsMargins(0, 0, 0, 0)
        read_only_way = (
            (self.tr("Open read-only"), self.tr(
                "read and print the consults that are there; nothing can be saved until the "
                "data is restored.")) if problem.read_only_possible else
            (self.tr("Open read-only"), self.tr(
                "not possible: there is no database left to read.")))
        self.ways: dict[str, QLabel] = {}
        for key, (action, what) in {
                "restore": (self.tr("Restore from a backup"), self.tr(
                    "choose the backup folder (consult-aid-backup-…). The files it replaces "
                    "are kept beside the data folder, not deleted.")),
                "read_only": read_only_way,
                "quit": (self.tr("Quit"), self.tr(
                    "nothing is changed. The person who looks after Consult Aid can run "
                    "“consult-aid check” for the details."))}.items():
            # the action in bold, then what it does (the program's own words: no user text)
            label = QLabel(f"<b>{html.escape(action)}</b>: {html.escape(what)}", ways)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            label.setAccessibleName(f"{action}: {what}")
            ways_column.addWidget(label)
            self.ways[key] = label
        self.ways_group = group(self.tr("What you can do"), ways)

        self.status = self._text("", self)
        self.status.setObjectName("savedLabel")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()

        self.quit_button = QPushButton(self.tr("&Quit"), self)
        self.quit_button.clicked.connect(self.reject)
        self.read_only_button = QPushButton(self.tr("&Open read-only"), self)
        self.read_only_button.setEnabled(problem.read_only_possible)
        self.read_only_button.clicked.connect(self._read_only)
        self.restore_button = QPushButton(self.tr("&Restore from a backup…"), self)
        self.restore_button.setObjectName("primary")
        self.restore_button.clicked.connect(self._restore)
        self.continue_button = QPushButton(self.tr("&Continue"), self)
        self.continue_button.setObjectName("primary")
        self.continue_button.clicked.connect(self._continue)
        self.continue_button.hide()
        for button in (self.quit_button, self.read_only_button, self.restore_button,
                       self.continue_button):
            button.setAutoDefault(False)
        self.restore_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.read_only_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.continue_button)

        layout = QVBoxLayout(self)
        # the size comes from resize() below, not from size constraints (which the offscreen
        # platform of the tests cannot take)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setSpacing(self.fontMetrics().height() // 2)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(group(self.tr("What is wrong"), wrong))
        layout.addWidget(self.ways_group)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)
        width = self.fontMetrics().averageCharWidth() * 88
        self.resize(width, layout.heightForWidth(width) if layout.hasHeightForWidth()
                    else self.sizeHint().height())
        self.restore_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        # the first window of the program: it takes the keyboard, Restore in focus (Enter)
        self.activateWindow()
        (self.restore_button if self.result_of_restore is None
         else self.continue_button).setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _text(text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)  # file names and messages, never markup
        return label

    def text(self) -> str:
        """Everything the dialog says, as plain text (tests, screen readers' order)."""
        said = [label.text() for label in (self.headline, *self.finding_labels, self.note)
                if not label.isHidden()]
        said += [label.accessibleName() for label in self.ways.values()]
        if not self.status.isHidden():
            said.append(self.status.text())
        return "\n".join(said)

    # --- answers ------------------------------------------------------------------------------
    def _read_only(self) -> None:
        self.decision = StartupDecision.READ_ONLY
        self.accept()

    def _continue(self) -> None:
        self.decision = StartupDecision.RESTORED
        self.accept()

    def reject(self) -> None:
        """Quit (also Escape and closing the dialog); never while a restore is running."""
        if self._busy:
            return
        if self.result_of_restore is not None:  # restored: closing means going on with it
            self._continue()
            return
        self.decision = StartupDecision.QUIT
        super().reject()

    # --- restore ------------------------------------------------------------------------------
    def _restore(self) -> None:
        if self._busy:
            return
        source = self.pick_folder(self)
        if source is None:
            return
        self._set_busy(True)
        self._say(self.tr("Restoring from {folder}… This can take a minute; the data folder "
                          "is not changed until the backup has been checked.")
                  .format(folder=source), "held")
        restore = self.restore
        BackgroundOp(self, lambda: restore(source)) \
            .success(self._restored).failure(self._restore_failed) \
            .run_in_background(self._tasks)

    def _restored(self, result: RestoreResult) -> None:
        self._set_busy(False)
        self.result_of_restore = result
        made = _when(result.created_at)
        text = self.tr("Restored from the backup made {made}.").format(made=made)
        if result.aside is not None:
            text += " " + self.tr("The files it replaced were kept in {aside}.").format(
                aside=result.aside)
        else:
            text += " " + self.tr("Nothing had to be replaced.")
        text += " " + self.tr("Continue opens Consult Aid with the restored data.")
        self._say(text)
        for button in (self.restore_button, self.read_only_button, self.quit_button):
            button.hide()
        self.ways_group.hide()
        self.continue_button.show()
        self.continue_button.setDefault(True)
        self.continue_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _restore_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(error, KnownError):  # a bug: its traceback goes to the log
            log.error("restore failed", exc_info=error)
        why = message_for(error)
        if isinstance(error, BackupError) or not isinstance(error, KnownError):
            why = self.tr("The backup was not restored: {why}").format(why=why)
        self._say(why, "failed")
        self.restore_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.restore_button.setEnabled(not busy)
        self.read_only_button.setEnabled(not busy and self.problem.read_only_possible)
        self.quit_button.setEnabled(not busy)

    def _say(self, text: str, state: str = "") -> None:
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def done(self, result: int) -> None:
        self._tasks.wait()
        super().done(result)


def _when(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return iso


def ask_startup(problem: StartupProblem, *, restore: Restore | None = None,
                pick_folder: PickFolder = pick_backup_folder) -> StartupDecision:
    """Show :class:`StartupCheckDialog` and wait for the answer."""
    dialog = StartupCheckDialog(problem, restore=restore, pick_folder=pick_folder)
    try:
        dialog.exec()
        return dialog.decision
    finally:
        dialog.deleteLater()
