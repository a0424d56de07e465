"""A damaged, emptied or missing database is never used silently (issue 13): the window checks
the data folder before opening it, says what is wrong, and offers Restore from a backup, Open
read-only or Quit. Real SQLite files on disk, real widgets, a real backup and restore."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician, Consult
from consult_aid.domain.accounts import Account
from consult_aid.errors import StorageError
from consult_aid.services.backup import make_backup
from consult_aid.services.consults import save_draft, start_consult
from consult_aid.services.store import DATABASE_MARKER, open_store
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.app import close_context, open_window, run_app
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import READ_ONLY_ASKED, READ_ONLY_CHECK_FAILED, MainWindow
from consult_aid.ui.startup_check import (
    StartupCheckDialog,
    StartupDecision,
    StartupProblem,
    ask_startup,
)
from tests.builders import NOW, sample_patient
from tests.pdfcheck import builtin_pack
from tests.signed_in import add_account, sign_in_db

from .helpers import WAIT_MS, click, sign_in_through, type_into

DIALOG_LOG = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def folder_with_a_consult(data: DataFolder, identity: Path) -> Consult:
    """A data folder as a clinic has it: a clinician, a signing identity, a draft consult; the
    database closed (its file complete on disk, no journal left)."""
    shutil.copytree(identity, data.identity, dirs_exist_ok=True)
    pack = builtin_pack("intrathecal-pump")
    with open_store(data.database) as db:
        sign_in_db(db)
        clinician = ClinicianRepository(db).save(Clinician(
            name="Dr Test Clinician", credentials="MD", clinic="Test Clinic"))
        consult = start_consult(db, sample_patient("Rosa Restore", "MRN-1313"), clinician,
                                pack, NOW)
        consult.lifestyle.goals = "Garden again"
        save_draft(db, consult, now=NOW, step="lifestyle")
    assert not Path(f"{data.database}-wal").exists()
    return consult


def the_account(data: DataFolder) -> Account:
    """The test clinician's account (made by :func:`folder_with_a_consult`)."""
    with open_store(data.database) as db:
        return add_account(db)


def nothing_in_the_journal(data: DataFolder) -> bool:
    """No write waits in the write-ahead log (a reader may leave it there, empty)."""
    wal = Path(f"{data.database}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def scribble(data: DataFolder) -> None:
    """4 KiB of random bytes written into the database file at offset 8192 (a disk fault)."""
    assert data.database.stat().st_size > 8192 + 4096
    with data.database.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(4096))


def empty(data: DataFolder) -> None:
    data.database.write_bytes(b"")


def delete(data: DataFolder) -> None:
    data.database.unlink()
    assert (data.root / DATABASE_MARKER).is_file()


class Answers:
    """The clinician's answers to the start-up dialog, one per time it is shown; the problems
    it was shown with are kept."""

    def __init__(self, *decisions: StartupDecision) -> None:
        self.decisions = list(decisions)
        self.shown: list[StartupProblem] = []

    def __call__(self, problem: StartupProblem) -> StartupDecision:
        self.shown.append(problem)
        return self.decisions.pop(0)


@pytest.fixture
def opened(qtbot: QtBot) -> Iterator[list[tuple[AppContext, MainWindow]]]:
    """Windows a test opened with open_window: closed, and their database let go, after it."""
    windows: list[tuple[AppContext, MainWindow]] = []
    yield windows
    for ctx, window in windows:
        window.close()
        close_context(ctx)


def show(qtbot: QtBot, result: tuple[AppContext, MainWindow] | int,
         opened: list[tuple[AppContext, MainWindow]]) -> tuple[AppContext, MainWindow]:
    assert not isinstance(result, int), result
    ctx, window = result
    opened.append(result)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return ctx, window


def no_tell(message: str) -> None:
    raise AssertionError(f"told instead of asked: {message}")


@pytest.mark.parametrize(("damage", "expected", "readable"), [
    (scribble, "damaged", True),
    (empty, "is empty (0 bytes)", False),
    (delete, "is missing, though this data folder had a database", False),
])
def test_a_damaged_database_is_named_and_quit_leaves_it_as_it_was(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path,
        damage: Callable[[DataFolder], None], expected: str, readable: bool) -> None:
    folder_with_a_consult(data_folder, identity_files)
    damage(data_folder)
    exists = data_folder.database.exists()
    before = data_folder.database.read_bytes() if exists else None
    answers = Answers(StartupDecision.QUIT)
    assert open_window(data_folder, choose=answers, tell=no_tell) == 1
    [problem] = answers.shown
    assert any(expected in line for line in problem.findings), problem.findings
    assert problem.read_only_possible is readable  # nothing to read in an empty or no file
    assert data_folder.database.exists() is exists  # no new, empty database in its place
    if before is not None:
        assert data_folder.database.read_bytes() == before
    assert nothing_in_the_journal(data_folder)


@DIALOG_LOG
def test_the_dialog_says_what_is_wrong_and_escape_quits(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path) -> None:
    folder_with_a_consult(data_folder, identity_files)
    empty(data_folder)
    seen: list[str] = []
    tries = [0]

    def answer() -> None:  # what the clinician sees, then Escape (never an assert in here:
        dialog = QApplication.activeModalWidget()  # the dialog must close whatever happens)
        tries[0] += 1
        shown = isinstance(dialog, StartupCheckDialog) and dialog.isVisible()
        if not shown or (QApplication.focusWidget() is None and tries[0] < 100):
            QTimer.singleShot(20, answer)  # not shown, or not given the keyboard, yet
            return
        assert isinstance(dialog, StartupCheckDialog)
        seen.append(dialog.text())
        seen.append("enabled" if dialog.read_only_button.isEnabled() else "disabled")
        seen.append(type(QApplication.focusWidget()).__name__ + ":" + str(
            getattr(QApplication.focusWidget(), "text", lambda: "")()))
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QTimer.singleShot(0, answer)
    answers: list[StartupProblem] = []

    def choose(problem: StartupProblem) -> StartupDecision:
        answers.append(problem)
        return ask_startup(problem)

    assert open_window(data_folder, choose=choose, tell=no_tell) == 1
    text, read_only, focus = seen
    assert focus == "QPushButton:&Restore from a backup…"
    assert "Database: consult-aid.sqlite3 is empty (0 bytes)" in text
    assert "The database file is empty" in text
    assert "Open read-only: not possible" in text and read_only == "disabled"
    assert data_folder.database.read_bytes() == b""


@DIALOG_LOG
def test_open_read_only_shows_the_banner_and_writes_nothing(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path,
        opened: list[tuple[AppContext, MainWindow]]) -> None:
    consult = folder_with_a_consult(data_folder, identity_files)
    scribble(data_folder)
    before = data_folder.database.read_bytes()
    # if the first reads hit the damage, the dialog asks again without read-only: quit then
    answers = Answers(StartupDecision.READ_ONLY, StartupDecision.QUIT)
    result = open_window(data_folder, choose=answers, tell=no_tell)
    if isinstance(result, int):  # the scribble hit a page the first reads need
        assert answers.shown[-1].read_only_possible is False
        pytest.skip("this damage left nothing readable")
    ctx, window = show(qtbot, result, opened)
    assert ctx.read_only and ctx.check_failed
    assert window.read_only_banner.isVisible()
    sign_in_through(qtbot, window)  # checked, nothing recorded on a read-only database
    assert window.read_only_banner.text() == READ_ONLY_CHECK_FAILED
    assert not window.start.start_button.isEnabled()
    window.close()
    close_context(ctx)
    opened.clear()
    assert data_folder.database.read_bytes() == before
    assert consult.id  # the consult was there to be read


@DIALOG_LOG
def test_a_read_only_window_lists_and_opens_consults_and_never_writes(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path,
        opened: list[tuple[AppContext, MainWindow]]) -> None:
    consult = folder_with_a_consult(data_folder, identity_files)
    before = data_folder.database.read_bytes()
    ctx, window = show(qtbot, open_window(data_folder, read_only=True, tell=no_tell), opened)
    assert window.read_only_banner.isVisible()
    assert window.read_only_banner.text() == READ_ONLY_ASKED
    assert window.windowTitle() == "Consult Aid — read-only"
    start = window.start
    assert start.drafts.count() == 0  # nothing read before the sign-in
    sign_in_through(qtbot, window)
    assert window.stack.currentWidget() is start
    # the draft is listed; nothing that writes is offered
    assert start.drafts.count() == 1 and "Rosa Restore" in start.drafts.item(0).text()
    assert not start.start_button.isEnabled()
    assert not start.add_button.isEnabled() and not start.new_name.isEnabled()
    assert start.start_hint.text().startswith("Read-only")
    assert not start.backup_notice.isVisible()
    assert not window.backup_action.isEnabled()
    start.patients.setCurrentRow(0)
    assert start.selected_patient() is not None and not start.start_button.isEnabled()
    click(qtbot, start.start_button)  # a click on the disabled button does nothing
    # the archive lists the consult and opens it to be read
    window.archive_action.trigger()
    assert window.archive.model.rowCount() == 1
    window.open_consult(consult.id)
    view = window.consult_view
    assert view is not None and view.session.read_only
    assert view.saved_label.text() == "Read-only — nothing can be changed or saved"
    goals = view.page("lifestyle").findChildren(QLineEdit)
    view.go_to("lifestyle")
    assert goals and all(edit.isReadOnly() for edit in goals)
    review = view.review_page
    assert not review.sign_button.isEnabled()
    assert "read-only" in review.sign_hint.text()
    click(qtbot, view.close_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is start, timeout=WAIT_MS)
    # settings: nothing can be saved
    window.settings_action.trigger()
    page = window.settings_page
    assert page.read_only_note.isVisible()
    assert not page.save_button.isEnabled() and not page.backup_days.isEnabled()
    window.close()
    close_context(ctx)
    opened.clear()
    assert data_folder.database.read_bytes() == before
    assert not (data_folder.settings).exists()


def drive_restore(qtbot: QtBot, backup: Path, seen: list[str]
                  ) -> Callable[[StartupProblem], StartupDecision]:
    """The real dialog, answered as the clinician would: Restore, the backup folder, Continue."""

    def choose(problem: StartupProblem) -> StartupDecision:
        dialog = StartupCheckDialog(problem, pick_folder=lambda _parent: backup)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.restore_button,
                        timeout=WAIT_MS)
        seen.append(dialog.text())
        qtbot.keyClick(dialog.restore_button, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(dialog.continue_button.isVisible, timeout=30_000)
        seen.append(dialog.status.text())
        click(qtbot, dialog.continue_button)
        assert not dialog.isVisible()
        return dialog.decision

    return choose


@DIALOG_LOG
def test_restoring_a_backup_opens_the_window_normally_with_the_consult(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path, tmp_path: Path,
        opened: list[tuple[AppContext, MainWindow]]) -> None:
    consult = folder_with_a_consult(data_folder, identity_files)
    backup = make_backup(data_folder, tmp_path / "backups", now=NOW,
                         actor=the_account(data_folder)).folder
    scribble(data_folder)
    damaged = data_folder.database.read_bytes()
    seen: list[str] = []
    ctx, window = show(qtbot, open_window(data_folder, choose=drive_restore(qtbot, backup, seen),
                                          tell=no_tell), opened)
    asked, restored = seen
    assert "Database: damaged" in asked
    assert restored.startswith("Restored from the backup made ")
    aside = Path(restored.split("were kept in ", 1)[1].split(". Continue", 1)[0])
    assert aside.name.startswith(f"{data_folder.root.name}.replaced-")
    assert (aside / data_folder.database.name).read_bytes() == damaged  # kept, not deleted
    assert not ctx.read_only and not window.read_only_banner.isVisible()
    sign_in_through(qtbot, window)
    assert window.stack.currentWidget() is window.start
    assert [window.start.drafts.item(i).text().split(" · ")[0]
            for i in range(window.start.drafts.count())] == ["Rosa Restore"]
    window.open_consult(consult.id)
    assert window.consult_view is not None and not window.consult_view.session.read_only
    assert window.consult_view.session.consult.lifestyle.goals == "Garden again"


@DIALOG_LOG
def test_a_refused_restore_says_why_and_the_choice_stays(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path, tmp_path: Path) -> None:
    folder_with_a_consult(data_folder, identity_files)
    empty(data_folder)
    not_a_backup = tmp_path / "holiday photos"
    not_a_backup.mkdir()
    answers = Answers(StartupDecision.QUIT)
    assert open_window(data_folder, choose=answers, tell=no_tell) == 1
    dialog = StartupCheckDialog(answers.shown[0], pick_folder=lambda _parent: not_a_backup)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.restore_button)
    qtbot.waitUntil(lambda: dialog.restore_button.isEnabled(), timeout=WAIT_MS)
    assert dialog.status.text().startswith("The backup was not restored: ")
    assert "has no MANIFEST.json" in dialog.status.text()
    assert dialog.isVisible() and dialog.quit_button.isEnabled()
    assert not dialog.continue_button.isVisible()
    click(qtbot, dialog.quit_button)
    assert dialog.decision is StartupDecision.QUIT and not dialog.isVisible()
    assert data_folder.database.read_bytes() == b""


def test_a_window_already_open_is_said_before_any_check(qtbot: QtBot, data_folder: DataFolder,
                                                        identity_files: Path) -> None:
    """run_app takes the lock first; a second start on a damaged folder asks nothing."""
    from consult_aid.ui.app import acquire_instance_lock

    folder_with_a_consult(data_folder, identity_files)
    empty(data_folder)
    lock = acquire_instance_lock(data_folder)
    assert lock is not None
    told: list[str] = []
    name = QApplication.instance().applicationName()  # type: ignore[union-attr]
    try:
        assert run_app(data_folder, tell=told.append, choose=Answers()) == 1
    finally:
        lock.unlock()
        QApplication.instance().setApplicationName(name)  # type: ignore[union-attr]
    assert told and "already open" in told[0]


def test_the_command_line_read_only_flag_reaches_the_window(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`consult-aid --read-only` (no command: run) opens the window read-only."""
    from consult_aid import cli
    from consult_aid.ui import app

    folder_with_a_consult(data_folder, identity_files)
    calls: list[tuple[DataFolder, bool]] = []
    monkeypatch.setattr(app, "run_app", lambda data, *, read_only=False: calls.append(
        (data, read_only)) or 0)
    assert cli.main(["--data-dir", str(data_folder.root), "--read-only"]) == 0
    assert calls == [(data_folder, True)]
    assert cli.main(["--data-dir", str(data_folder.root)]) == 0
    assert calls[-1] == (data_folder, False)


def test_a_write_on_a_read_only_database_is_refused_not_silent(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path,
        opened: list[tuple[AppContext, MainWindow]]) -> None:
    """Whatever slips past the disabled controls fails loudly on the writer thread."""
    folder_with_a_consult(data_folder, identity_files)
    before = data_folder.database.read_bytes()
    ctx, window = show(qtbot, open_window(data_folder, read_only=True, tell=no_tell), opened)
    sign_in_through(qtbot, window)
    failures: list[BaseException] = []
    from consult_aid.services.patients import add_patient

    ctx.writer.submit(lambda db: add_patient(db, sample_patient("Never Stored"),
                                             today=NOW.date()),
                      on_error=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
    assert isinstance(failures[0], StorageError)
    assert "read-only" in str(failures[0])
    type_into(qtbot, window.start.search, "Never")
    window.close()
    close_context(ctx)
    opened.clear()
    assert data_folder.database.read_bytes() == before


def test_the_window_restores_while_holding_its_own_lock(
        qtbot: QtBot, data_folder: DataFolder, identity_files: Path, tmp_path: Path) -> None:
    """restore_backup refuses while a window holds the folder's lock; the starting window
    restores while holding it throughout, so no second window can open the folder meanwhile."""
    from consult_aid.services.backup import RestoreError, restore_backup
    from consult_aid.ui.app import acquire_instance_lock, restore_holding

    folder_with_a_consult(data_folder, identity_files)
    backup = make_backup(data_folder, tmp_path / "backups", now=NOW,
                         actor=the_account(data_folder)).folder
    empty(data_folder)
    lock = acquire_instance_lock(data_folder)
    assert lock is not None
    try:
        with pytest.raises(RestoreError, match="window is open"):
            restore_backup(data_folder, backup, now=NOW, actor=None)
        result = restore_holding(lock, data_folder)(backup)
        assert result.report.ok and data_folder.database.stat().st_size > 0
        assert lock.isLocked() and acquire_instance_lock(data_folder) is None
    finally:
        lock.unlock()
