"""Start the window: ``run_app(data)`` is what ``consult-aid run`` calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.services.first_run import ensure_demo_patient
from consult_aid.storage import open_database
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import install_excepthook, message_for
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.settings import load_settings
from consult_aid.ui.theme import apply_theme
from consult_aid.ui.worker import DatabaseWriter, TaskRunner


def build_context(data: DataFolder) -> AppContext:
    """Open everything the window needs (the writer thread is started)."""
    db = open_database(data.database)
    ensure_demo_patient(db)  # once, on a database that never had one (before the writer runs)
    writer = DatabaseWriter(data.database, open_database)
    writer.start()
    return AppContext(data=data, db=db, writer=writer, tasks=TaskRunner(),
                      catalog=load_catalog(data.packs), settings=load_settings(data.settings))


def close_context(ctx: AppContext) -> None:
    ctx.tasks.wait()
    ctx.writer.wait_idle()
    ctx.writer.stop()
    ctx.db.close()


def run_app(data: DataFolder) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Consult Aid")
    try:
        ctx = build_context(data)
    except Exception as exc:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "Consult Aid", message_for(exc))
        return 1
    apply_theme(app, ctx.settings.large_text)
    window = MainWindow(ctx)
    install_excepthook(lambda: window)
    window.showMaximized()
    try:
        return int(app.exec())
    finally:
        close_context(ctx)
