"""Start the window: ``run_app(data)`` is what ``consult-aid run`` calls.

One window per data folder: two windows on the same folder would overwrite each other's
autosaves, so the window holds a lock file (``consult-aid.lock``) in the data folder while it
is open. A lock left by a window that crashed is recognised (its process is gone) and taken.

Before the database is opened the data folder is checked (``quick_check``); when it fails, or
opening it finds it damaged, the clinician is told what is wrong and chooses: restore from a
backup, open read-only, or quit (:mod:`consult_aid.ui.startup_check`). A damaged, emptied or
missing database is never used silently, and no traceback reaches the clinician.

A folder with accounts shows its sign-in page first: the lock (when no lock file is there: no
other window), the check, the opening of the database (the demo patient, the writer thread)
and the rest of the window follow right after that first paint, and a sign-in waits for them;
it goes ahead only when the check passed (issue 16).

``CONSULT_AID_QUIT_AFTER_FIRST_PAINT`` (set by ``benchmarks/bench_startup.py`` only): the window
quits as soon as it has painted once, so that start-up is measured as a whole process (what
follows the first paint is then not done); ``=ready``: once the data folder is open as well.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QLockFile, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


def skip_feature_scan_of_loaded_modules() -> int:
    """Spare PySide6 reading the source of every module already loaded (issue 16: start-up);
    the number of modules marked.

    Once PySide6 is imported, its ``__feature__`` import hook reads the whole source file of
    each module named by an ``import`` statement the first time it sees that name (looking for
    "PySide6" in it), even when the module was loaded long before: ``typing``, ``logging``,
    ``datetime`` and the rest, about 30 files and 10 ms before the first paint. The modules
    loaded before Qt are marked here as the hook marks a module that does not use PySide6
    (-1: its feature selection is ignored); Consult Aid selects no ``__feature__`` anywhere,
    so the mark changes nothing but the time. Modules loaded later are read as before. A
    PySide6 without that table (another version) is left as it is."""
    feature = sys.modules.get("shibokensupport.feature")
    seen = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(seen, dict):
        return 0
    marked = 0
    for name in list(sys.modules):
        if name not in seen:
            seen[name] = -1
            marked += 1
    return marked


skip_feature_scan_of_loaded_modules()  # before the window's modules below are imported

from consult_aid.errors import DamagedDatabaseError, KnownError  # noqa: E402
from consult_aid.services.first_page import opens_at_sign_in  # noqa: E402
from consult_aid.ui.main_window import MainWindow  # noqa: E402
from consult_aid.ui.theme import apply_theme  # noqa: E402

if TYPE_CHECKING:  # imported where used: most of it after the first paint (issue 16)
    from consult_aid.content import PackCatalog
    from consult_aid.datadir import DataFolder
    from consult_aid.services.restore import RestoreResult
    from consult_aid.ui.context import AppContext
    from consult_aid.ui.dialogs import Dialogs
    from consult_aid.ui.startup_check import Choose, Restore, StartupDecision, StartupProblem

log = logging.getLogger(__name__)

LOCK_FILE = "consult-aid.lock"
LOCK_WAIT_MS = 100
QUIT_AFTER_FIRST_PAINT = "CONSULT_AID_QUIT_AFTER_FIRST_PAINT"  # for the start-up benchmark
# A database larger than this is checked whole in the background once the window is open; None:
# services.check's own figure (imported after the first paint, issue 16; a test sets its own).
WHOLE_CHECK_MAX_BYTES: int | None = None


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
    lock = _instance_lock(data)
    if lock.tryLock(LOCK_WAIT_MS):
        return lock
    return None


def _instance_lock(data: DataFolder) -> QLockFile:
    """The data folder's lock, not taken yet."""
    lock = QLockFile(str(data.root / LOCK_FILE))
    lock.setStaleLockTime(0)
    return lock


def lock_holder_message(data: DataFolder) -> str:
    """What to tell the clinician when :func:`acquire_instance_lock` gave None."""
    from PySide6.QtCore import QSysInfo

    info = QLockFile(str(data.root / LOCK_FILE)).getLockInfo()  # (pid, host, application)
    host = str(info[-2]) if isinstance(info, tuple) and len(info) >= 3 else ""
    if host and host != QSysInfo.machineHostName():
        return (f"Consult Aid is already open for this data folder on another computer "
                f"({host}). Close it there first; two windows would overwrite each other's "
                "work.")
    return ("Consult Aid is already open for this data folder on this computer; switch to "
            "that window.")


def _tell(message: str) -> None:
    from PySide6.QtWidgets import QMessageBox  # (its enums: not before the first paint)

    QMessageBox.information(None, "Consult Aid", message)


def build_context(data: DataFolder, *, read_only: bool = False) -> AppContext:
    """Open everything the window needs (the writer thread is started).

    Read-only: both connections (the window's and the writer's) open the database as it is,
    with no migration, and refuse every write; the demo patient is not added."""
    from consult_aid.files import remove_stale_temp_files
    from consult_aid.services.demo import ensure_demo_patient
    from consult_aid.services.settings import load_settings
    from consult_aid.services.store import open_store
    from consult_aid.ui.context import AppContext, PackSource
    from consult_aid.ui.worker import DatabaseWriter, TaskRunner

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
    from consult_aid.ui.startup_check import ask_startup

    return ask_startup(problem, restore=restore)


def close_context(ctx: AppContext) -> None:
    """The data folder is closed: work finished, connections closed, and any signing key
    decrypted in this session forgotten."""
    from consult_aid.services.clinic import forget_unlocked_keys

    ctx.tasks.stop_long_work()  # the whole check of a large archive: never waited for
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
        from consult_aid.ui.context import local_now

        # no one can have signed in yet: the restore is audited as made at start-up
        return restore_backup(data, src, now=local_now(), actor=None, caller_holds_lock=True)

    return restore


def _load_settings(data: DataFolder) -> bool:
    """The clinician's text size (the look of the first page and of the start-up dialog)."""
    from consult_aid.services.settings import load_settings

    return load_settings(data.settings).large_text


def open_window(data: DataFolder, *, read_only: bool = False, choose: Choose | None = None,
                tell: Callable[[str], object] = _tell, dialogs: Dialogs | None = None,
                window: MainWindow | None = None) -> tuple[AppContext, MainWindow] | int:
    """Check the data folder, open it and build the window (not shown yet); an exit code when
    the clinician quit or the window cannot start (what was wrong has been said).

    A failed check, or a damaged database found while opening, asks ``choose`` (by default
    :func:`~consult_aid.ui.startup_check.ask_startup`): after a restore the folder is checked
    again, read-only opens it read-only, quit returns 1. The same happens when opening
    read-only finds nothing readable (read-only is then not offered again).

    ``window``: a window already shown at its sign-in page (:func:`run_app`), opened here with
    :meth:`MainWindow.attach` instead of a new one; a sign-in asked for in it goes ahead only
    when the folder passed its check and nothing was asked."""
    from consult_aid.services.check import quick_check
    from consult_aid.ui.startup_check import StartupDecision, StartupProblem, ask_startup

    choose = choose or ask_startup
    # instance() is typed QCoreApplication; the window runs in a QApplication
    app = cast(QApplication, QApplication.instance())
    if window is None:  # (a window shown has its look already)
        apply_theme(app, _load_settings(data))  # the dialog looks as the window
    check_failed = asked = False
    problem: StartupProblem | None = None
    if not read_only and data.server is None:  # a server keeps its own pages
        report = quick_check(data.database, data.identity)
        if not report.ok:
            log.warning("the start-up check failed: %s",
                        "; ".join(f.line() for f in report.findings))
            problem = StartupProblem.of_report(data, report)
    while True:
        if problem is not None:
            asked = True
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
            _tell_start_failed(exc, data, tell)
            return 1
        ctx.check_failed = check_failed
        apply_theme(app, ctx.settings.large_text)
        try:
            if window is None:
                return ctx, MainWindow(ctx, dialogs)
            window.attach(ctx, keep_sign_in=not asked)
            return ctx, window
        except DamagedDatabaseError as exc:  # the first reads (start screen, drafts) hit damage
            close_context(ctx)
            log.warning("the database could not be read: %s", exc)
            problem = StartupProblem.of_error(
                data, exc, read_only_possible=not read_only,
                note="Even reading it read-only failed." if read_only else "")
        except Exception as exc:
            close_context(ctx)
            _tell_start_failed(exc, data, tell)
            return 1


def _tell_start_failed(exc: Exception, data: DataFolder, tell: Callable[[str], object]) -> None:
    from consult_aid.logs import configure_logging
    from consult_aid.ui.errors import startup_message

    log_file = configure_logging(data.logs)
    if isinstance(exc, KnownError):
        log.error("the window could not start: %s", exc)
    else:
        log.error("the window could not start", exc_info=exc)
    tell(startup_message(exc, log_file))


def check_whole_in_background(ctx: AppContext, tell: Callable[[str], object]) -> bool:
    """A large archive is checked at start only in part (services.check.quick_check): check
    it whole now, on the task pool, and ``tell`` the clinician at once if it is damaged.
    False when the start-up check was whole already (nothing to do)."""
    from consult_aid.services import check

    path = ctx.data.database
    if ctx.data.server is not None:  # the server's pages are the server's to check
        return False
    limit = check.WHOLE_CHECK_MAX_BYTES if WHOLE_CHECK_MAX_BYTES is None else WHOLE_CHECK_MAX_BYTES
    try:
        if path.stat().st_size <= limit:
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

    def failed(exc: BaseException) -> None:
        if not isinstance(exc, check.CheckStoppedError):  # stopped: the folder is closing
            damaged(str(exc))

    whole = check.WholeCheck(path)
    # minutes for a large archive read from a cold disk: closing stops it (close_context)
    ctx.tasks.run(whole.run, checked, failed, stop=whole.stop)
    return True


def _warn_damage(parent: QWidget, text: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(parent, parent.tr("Consult Aid found damage in its data"), text)


class _Start:
    """A start that shows the sign-in page first (issue 16): the window is shown at once, and
    :meth:`open` checks and opens the data folder right after its first paint
    (:class:`_AfterFirstPaint`; or after ``OPEN_AT_LATEST_MS`` if it is not painted, e.g.
    minimised), in the event loop. Keys typed meanwhile wait in Qt's queue; a sign-in asked
    for before the folder is open waits too, and goes ahead only if the check passed."""

    OPEN_AT_LATEST_MS = 1000

    def __init__(self, app: QApplication, window: MainWindow, data: DataFolder,
                 choose: Choose, tell: Callable[[str], object],
                 lock: QLockFile | None = None) -> None:
        self.app, self.window, self.data = app, window, data
        self.choose, self.tell = choose, tell
        self.lock = lock  # to take first (see run_app), or None: held already
        self.ctx: AppContext | None = None
        self.started = False
        self.then: Callable[[], object] | None = None  # after the folder is open

    def open(self) -> None:
        if self.started:
            return
        self.started = True
        self.window.fill_menus()  # (painted with the menus' titles only)
        if self.lock is not None and not self.lock.tryLock(LOCK_WAIT_MS):
            # another window took the folder since this one was started: as at the lock
            self.window.hide()
            self.tell(lock_holder_message(self.data))
            self.app.exit(1)
            return
        try:
            opened = open_window(self.data, choose=self.choose, tell=self.tell,
                                 window=self.window)
        except Exception as exc:  # the check could not read the folder (or a bug): as above
            _tell_start_failed(exc, self.data, self.tell)
            opened = 1
        if isinstance(opened, int):  # quit at the check, or could not start (said already)
            self.app.exit(opened)
            self.window.hide()
            return
        self.ctx = opened[0]
        _opened(self.ctx, self.window)
        if self.then is not None:
            self.then()


def _opened(ctx: AppContext, window: MainWindow) -> None:
    """What follows the window's opening: the packs read and a large archive checked whole,
    on the task pool (the benchmark, which quits at once, does not wait for the packs)."""
    if not os.environ.get(QUIT_AFTER_FIRST_PAINT):
        ctx.tasks.run(ctx.packs.get)  # read while one signs in
    check_whole_in_background(ctx, partial(_warn_damage, window))


class _AfterFirstPaint(QObject):
    """Calls ``then`` (from the event loop) once the watched window's first paint is done."""

    def __init__(self, window: QWidget, then: Callable[[], object]) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)  # after this paint
        return False


def run_app(data: DataFolder, *, read_only: bool = False,
            tell: Callable[[str], object] = _tell, choose: Choose | None = None) -> int:
    """The window, from the lock to the end of its event loop; the exit code.

    A folder with accounts (:func:`~consult_aid.services.first_page.opens_at_sign_in`) shows the
    sign-in page first and is checked and opened right after that first paint (issue 16);
    any other (new, read-only, a clinic's server, or one that could not be read) is checked
    and opened before the window shows, as is every folder whose check fails."""
    # instance() is typed QCoreApplication; this process only ever creates a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv))
    app.setApplicationName("Consult Aid")
    # A folder nothing can be written in (a backup copy, a read-only share) is opened read-only
    # and without the lock file, which could not be made there: no window can change it.
    folder_read_only = read_only and data.is_read_only()
    # The lock keeps a second window off one SQLite file; the clinic's server takes many rooms
    # (a draft saved elsewhere meanwhile is refused by its row version, never overwritten).
    unlocked = folder_read_only or data.server is not None
    at_sign_in = opens_at_sign_in(data, read_only=read_only)
    # A start at the sign-in page with no other window on the folder (no lock file) takes the
    # lock right after its first paint, before the folder is checked and opened (_Start.open):
    # taking it writes and syncs the lock file (1 ms on an idle disk, tens on a busy one).
    # With a lock file there (another window, or one that crashed), it is taken here: a
    # second window is refused before it shows (issue 16: start-up).
    lock_later = at_sign_in and not unlocked and not (data.root / LOCK_FILE).exists()
    if unlocked:
        lock = None
    elif lock_later:
        lock = _instance_lock(data)
    else:
        lock = acquire_instance_lock(data)
        if lock is None:
            tell(lock_holder_message(data))
            return 1
    if choose is None:
        choose = partial(_ask, restore=restore_holding(lock, data) if lock is not None
                         else _no_restore)
    # the benchmark's: quit once painted (the folder is then not opened), or once "ready"
    quit_when = os.environ.get(QUIT_AFTER_FIRST_PAINT, "")
    start: _Start | None = None
    ctx: AppContext | None = None
    try:
        if at_sign_in:
            from consult_aid.services.settings import load_settings

            settings = load_settings(data.settings)
            apply_theme(app, settings.large_text)
            window = MainWindow(None, folder=data, settings=settings)
            start = _Start(app, window, data, choose, tell,
                           lock=lock if lock_later else None)
            if quit_when == "ready":
                start.then = partial(QTimer.singleShot, 0, QApplication.quit)
            if quit_when in ("", "ready"):
                _AfterFirstPaint(window, start.open)
                QTimer.singleShot(_Start.OPEN_AT_LATEST_MS, start.open)  # not painted
        else:
            opened = open_window(data, read_only=read_only, choose=choose, tell=tell)
            if isinstance(opened, int):
                return opened
            ctx, window = opened
            if quit_when == "ready":
                QTimer.singleShot(0, QApplication.quit)
        _install_excepthook(window)
        if quit_when and quit_when != "ready":
            window.installEventFilter(_QuitAfterFirstPaint(window))
        window.showMaximized()
        if ctx is not None:
            _opened(ctx, window)
        restore_sigterm = close_on_terminate(app, window)
        try:
            return int(app.exec())
        finally:
            restore_sigterm()
            if start is not None:
                start.started = True  # never after the loop: the lock is given back below
                ctx = start.ctx
            if ctx is not None:
                close_context(ctx)
    finally:
        if lock is not None:
            lock.unlock()


def _install_excepthook(window: MainWindow) -> None:
    """Uncaught exceptions go to the log and a calm dialog (:mod:`consult_aid.ui.errors`,
    imported by the first of them: not before the first paint)."""

    def first(kind: type[BaseException], error: BaseException,
              tb: TracebackType | None) -> None:
        from consult_aid.ui.errors import install_excepthook

        install_excepthook(lambda: window)
        sys.excepthook(kind, error, tb)

    sys.excepthook = first
