"""Start the window: ``run_app(data)`` is what ``consult-aid run`` calls.

One window per data folder: two windows on the same folder would overwrite each other's
autosaves, so the window holds a lock file (``consult-aid.lock``) in the data folder while it
is open. A lock left by a window that crashed is recognised (its process is gone) and taken.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QLockFile, QSysInfo, QTimer
from PySide6.QtWidgets import QApplication

from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.logs import configure_logging
from consult_aid.services.demo import ensure_demo_patient
from consult_aid.services.settings import load_settings
from consult_aid.services.store import open_store
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import install_excepthook, startup_message
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.theme import apply_theme
from consult_aid.ui.worker import DatabaseWriter, TaskRunner

log = logging.getLogger(__name__)

LOCK_FILE = "consult-aid.lock"
LOCK_WAIT_MS = 100


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
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(None, "Consult Aid", message)


def build_context(data: DataFolder) -> AppContext:
    """Open everything the window needs (the writer thread is started)."""
    db = open_store(data.database)
    try:
        ensure_demo_patient(db)  # once, on a database that never had one (before the writer)
        catalog, settings = load_catalog(data.packs), load_settings(data.settings)
    except BaseException:
        db.close()
        raise
    writer = DatabaseWriter(data.database, open_store)
    writer.start()
    return AppContext(data=data, db=db, writer=writer, tasks=TaskRunner(), catalog=catalog,
                      settings=settings)


def close_context(ctx: AppContext) -> None:
    ctx.tasks.wait()
    ctx.writer.wait_idle()
    ctx.writer.stop()
    ctx.db.close()


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


def run_app(data: DataFolder, *, tell: Callable[[str], object] = _tell) -> int:
    # instance() is typed QCoreApplication; this process only ever creates a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv))
    app.setApplicationName("Consult Aid")
    lock = acquire_instance_lock(data)
    if lock is None:
        tell(lock_holder_message(data))
        return 1
    try:
        try:
            ctx = build_context(data)
        except Exception as exc:
            # Nothing is open yet, so nothing can have been lost: say what happened, log it.
            log_file = configure_logging(data.logs)
            log.error("the window could not start", exc_info=exc)
            tell(startup_message(exc, log_file))
            return 1
        apply_theme(app, ctx.settings.large_text)
        window = MainWindow(ctx)
        install_excepthook(lambda: window)
        window.showMaximized()
        restore_sigterm = close_on_terminate(app, window)
        try:
            return int(app.exec())
        finally:
            restore_sigterm()
            close_context(ctx)
    finally:
        lock.unlock()
