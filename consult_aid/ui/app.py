"""Start the window: ``run_app(data)`` is what ``consult-aid run`` calls.

One window per data folder: two windows on the same folder would overwrite each other's
autosaves, so the window holds a lock file (``consult-aid.lock``) in the data folder while it
is open. A lock left by a window that crashed is recognised (its process is gone) and taken.

Before the database is opened the data folder is checked (``quick_check``); when it fails, or
opening it finds it damaged, the clinician is told what is wrong and chooses: restore from a
backup, open read-only, or quit (:mod:`consult_aid.ui.startup_check`). A damaged, emptied or
missing database is never used silently, and no traceback reaches the clinician.

``CONSULT_AID_QUIT_AFTER_FIRST_PAINT`` (set by ``benchmarks/bench_startup.py`` only): the window
quits as soon as it has painted once, so that start-up is measured as a whole process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QLockFile, QObject, QSysInfo, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from consult_aid.datadir import DataFolder
from consult_aid.errors import DamagedDatabaseError, KnownError
from consult_aid.files import remove_stale_temp_files
from consult_aid.logs import configure_logging
from consult_aid.services.check import WHOLE_CHECK_MAX_BYTES, full_quick_check, quick_check
from consult_aid.services.demo import ensure_demo_patient
from consult_aid.services.settings import load_settings
from consult_aid.services.store import open_store
from consult_aid.ui.context import AppContext, PackSource, local_now
from consult_aid.ui.dialogs import Dialogs
from consult_aid.ui.errors import install_excepthook, startup_message
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.startup_check import (
    Choose,
    Restore,
    StartupDecision,
    StartupProblem,
    ask_startup,
)
from consult_aid.ui.theme import apply_theme
from consult_aid.ui.worker import DatabaseWriter, TaskRunner

if TYPE_CHECKING:  # imported where used (issue 16: start-up)
    from consult_aid.content import PackCatalog
    from consult_aid.services.restore import RestoreResult

log = logging.getLogger(__name__)

LOCK_FILE = "consult-aid.lock"
LOCK_WAIT_MS = 100
QUIT_AFTER_FIRST_PAINT = "CONSULT_AID_QUIT_AFTER_FIRST_PAINT"  # for the start-up benchmark


class _QuitAfterFirstPaint(QObject):
    """Quits the application once the watched window's first paint is done."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)  # after this paint
        return False


def acquire_instance_lock(data: DataFolder) -> QLockFile | None:
    """The data folder's lock, held; None when another window holds it.

    The lock never goes stale by age (a window may stay open for days): a lock is stale only
    when the process that took it is gone, which QLockFile checks (same computer) before giving
    up; a stale lock is removed and taken.
    """
    lock = QLockFile(str(data.root / LOCK_FILE))
    lock.setStaleLockTime(0)
    if lock.tryLock(LOCK_WAIT_MS):
        return lock
    return None


def lock_holder_message(data: DataFolder) -> str:
    """What to tell the clinician when :func:`acquire_instance_lock` gave None."""
    info = QLockFile(str(data.root / LOCK_FILE)).getLockInfo()  # (pid, host, application)
    host = str(info[-2]) if isinstance(info, tuple) and len(info) >= 3 else ""
    if host and host != QSysInfo.machineHostName():
        return (f"Consult Aid is already open for this data folder on another computer "
                f"({host}). Close it there first; two windows would overwrite each other's "
                "work.")
    return ("Consult Aid is already open for this data folder on this computer; switch to "
            "that window.")


def _tell(message: str) -> None:
    QMessageBox.information(None, "Consult Aid", message)


def build_context(data: DataFolder, *, read_only: bool = False) -> AppContext:
    """Open everything the window needs (the writer thread is started).

    Read-only: both connections (the window's and the writer's) open the database as it is,
    with no migration, and refuse every write; the demo patient is not added."""
    if not read_only:
        for folder in (data.root, data.identity):  # leftovers of writes a crash cut short
            remove_stale_temp_files(folder)
    db = open_store(data.archive, read_only=read_only)
    try:
        if not read_only and data.server is None:  # never into a clinic's shared archive
            ensure_demo_patient(db)  # once, on a database that never had one (before the writer)
        packs, settings = PackSource(partial(_load_catalog, data.packs)), \
            load_settings(data.settings)
    except BaseException:
        db.close()
        raise
    writer = DatabaseWriter(data.archive, partial(open_store, read_only=read_only))
    writer.start()
    return AppContext(data=data, db=db, writer=writer, tasks=TaskRunner(), packs=packs,
                      settings=settings, read_only=read_only)


def _load_catalog(folder: Path) -> PackCatalog:
    """The packs (their module too: read after the window's first paint, issue 16)."""
    from consult_aid.content import load_catalog

    return load_catalog(folder)


def _no_restore(src: Path) -> RestoreResult:
    raise KnownError("This data folder is read-only: a backup cannot be restored into it. "
                     "Restore into a folder you may write to (consult-aid --data-dir DIR "
                     "restore BACKUP).")


def _ask(problem: StartupProblem, *, restore: Restore) -> StartupDecision:
    return ask_startup(problem, restore=restore)


def close_context(ctx: AppContext) -> None:
    """The data folder is closed: work finished, connections closed, and any signing key
    decrypted in this session forgotten."""
    from consult_aid.services.clinic import forget_unlocked_keys

    ctx.tasks.wait()
    ctx.writer.wait_idle()
    ctx.writer.stop()
    ctx.db.close()
    forget_unlocked_keys()


def close_on_terminate(app: QApplication, window: MainWindow) -> Callable[[], None]:
    """SIGTERM (a logout, a shutdown, ``kill``) closes the window as the clinician would: the
    last change is saved and the data folder's lock released. Returns the undo.

    Python runs a signal handler only between bytecodes, never inside Qt's event loop, so a
    timer lets the interpreter run four times a second while the window is open."""
    if not hasattr(signal, "SIGTERM"):
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: window.close())
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)

    def undo() -> None:
        wake.stop()
        wake.deleteLater()
        signal.signal(signal.SIGTERM, previous)

    return undo


def restore_holding(lock: QLockFile, data: DataFolder) -> Restore:
    """Restore a backup while this process holds the data folder's lock (the window, still at
    its start-up check with nothing open, keeps it: no second window can open the folder
    while its items are swapped)."""

    def restore(src: Path) -> RestoreResult:
        if not lock.isLocked():
            raise KnownError("This window no longer holds the data folder; quit and start "
                             "Consult Aid again.")
        from consult_aid.services.restore import restore_backup

        # no one can have signed in yet: the restore is audited as made at start-up
        return restore_backup(data, src, now=local_now(), actor=None, caller_holds_lock=True)

    return restore


def open_window(data: DataFolder, *, read_only: bool = False, choose: Choose = ask_startup,
                tell: Callable[[str], object] = _tell, dialogs: Dialogs | None = None
                ) -> tuple[AppContext, MainWindow] | int:
    """Check the data folder, open it and build the window (not shown yet); an exit code when
    the clinician quit or the window cannot start (what was wrong has been said).

    A failed check, or a damaged database found while opening, asks ``choose``: after a
    restore the folder is checked again, read-only opens it read-only, quit returns 1. The
    same happens when opening read-only finds nothing readable (read-only is then not offered
    again)."""
    # instance() is typed QCoreApplication; the window runs in a QApplication
    app = cast(QApplication, QApplication.instance())
    apply_theme(app, load_settings(data.settings).large_text)  # the dialog looks as the window
    check_failed = False
    problem: StartupProblem | None = None
    if not read_only and data.server is None:  # a server keeps its own pages
        report = quick_check(data.database, data.identity)
        if not report.ok:
            log.warning("the start-up check failed: %s",
                        "; ".join(f.line() for f in report.findings))
            problem = StartupProblem.of_report(data, report)
    while True:
        if problem is not None:
            decision = choose(problem)
            log.info("start-up check: the clinician chose %s", decision.value)
            if decision is StartupDecision.QUIT or (
                    decision is StartupDecision.READ_ONLY and not problem.read_only_possible):
                return 1
            problem = None
            if decision is StartupDecision.RESTORED:
                read_only = check_failed = False
                report = quick_check(data.database, data.identity)
                if not report.ok:
                    problem = StartupProblem.of_report(data, report, note=(
                        "The restored data failed the check as well."))
                    continue
            else:
                read_only = check_failed = True
        try:
            ctx = build_context(data, read_only=read_only)
        except DamagedDatabaseError as exc:  # missing, empty or damaged: found while opening
            log.warning("the database could not be opened: %s", exc)
            problem = StartupProblem.of_error(
                data, exc, read_only_possible=not read_only,
                note="It cannot be opened read-only either." if read_only else "")
            continue
        except Exception as exc:
            # Nothing is open yet, so nothing can have been lost: say what happened, log it.
            log_file = configure_logging(data.logs)
            if isinstance(exc, KnownError):
                log.error("the window could not start: %s", exc)
            else:
                log.error("the window could not start", exc_info=exc)
            tell(startup_message(exc, log_file))
            return 1
        ctx.check_failed = check_failed
        apply_theme(app, ctx.settings.large_text)
        try:
            return ctx, MainWindow(ctx, dialogs)
        except DamagedDatabaseError as exc:  # the first reads (start screen, drafts) hit damage
            close_context(ctx)
            log.warning("the database could not be read: %s", exc)
            problem = StartupProblem.of_error(
                data, exc, read_only_possible=not read_only,
                note="Even reading it read-only failed." if read_only else "")
        except Exception as exc:
            close_context(ctx)
            log_file = configure_logging(data.logs)
            log.error("the window could not start", exc_info=exc)
            tell(startup_message(exc, log_file))
            return 1


def check_whole_in_background(ctx: AppContext, tell: Callable[[str], object]) -> bool:
    """A large archive is checked at start only in part (services.check.quick_check): check
    it whole now, on the task pool, and ``tell`` the clinician at once if it is damaged.
    False when the start-up check was whole already (nothing to do)."""
    path = ctx.data.database
    if ctx.data.server is not None:  # the server's pages are the server's to check
        return False
    try:
        if path.stat().st_size <= WHOLE_CHECK_MAX_BYTES:
            return False
    except OSError:
        return False

    def checked(rows: list[str]) -> None:
        if rows != ["ok"]:
            damaged("; ".join(rows))

    def damaged(what: str) -> None:
        log.warning("the background check found damage: %s", what)
        tell("While checking the whole archive in the background, Consult Aid found damage in "
             f"its database ({what}). Finish what you are doing, quit, and restore the data "
             "folder from a backup (consult-aid restore BACKUP); `consult-aid check` gives "
             "the details.")

    ctx.tasks.run(lambda: full_quick_check(path), checked, lambda exc: damaged(str(exc)))
    return True


def _warn_damage(parent: QWidget, text: str) -> None:
    QMessageBox.warning(parent, parent.tr("Consult Aid found damage in its data"), text)


def run_app(data: DataFolder, *, read_only: bool = False,
            tell: Callable[[str], object] = _tell, choose: Choose | None = None) -> int:
    # instance() is typed QCoreApplication; this process only ever creates a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv))
    app.setApplicationName("Consult Aid")
    # A folder nothing can be written in (a backup copy, a read-only share) is opened read-only
    # and without the lock file, which could not be made there: no window can change it.
    folder_read_only = read_only and data.is_read_only()
    # The lock keeps a second window off one SQLite file; the clinic's server takes many rooms
    # (a draft saved elsewhere meanwhile is refused by its row version, never overwritten).
    unlocked = folder_read_only or data.server is not None
    lock = None if unlocked else acquire_instance_lock(data)
    if lock is None and not unlocked:
        tell(lock_holder_message(data))
        return 1
    if choose is None:
        choose = partial(_ask, restore=restore_holding(lock, data) if lock is not None
                         else _no_restore)
    try:
        opened = open_window(data, read_only=read_only, choose=choose, tell=tell)
        if isinstance(opened, int):
            return opened
        ctx, window = opened
        install_excepthook(lambda: window)
        if os.environ.get(QUIT_AFTER_FIRST_PAINT):
            window.installEventFilter(_QuitAfterFirstPaint(window))
        window.showMaximized()
        if not os.environ.get(QUIT_AFTER_FIRST_PAINT):  # (the benchmark ends at the paint)
            ctx.tasks.run(ctx.packs.get)  # read after the first paint, while one signs in
        check_whole_in_background(ctx, partial(_warn_damage, window))
        restore_sigterm = close_on_terminate(app, window)
        try:
            return int(app.exec())
        finally:
            restore_sigterm()
            close_context(ctx)
    finally:
        if lock is not None:
            lock.unlock()
