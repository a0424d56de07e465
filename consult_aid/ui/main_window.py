"""The main window: setup on first run, the start screen, a consult, the archive.

Menus: File (start screen, archive, quit), Go (next/previous step: Ctrl+PgDown/Ctrl+PgUp,
Alt+Right/Alt+Left), View (larger text, remembered).

Leaving a consult (or closing the window) stores its latest state and waits for the database;
if that fails or takes too long the window stays, says so, and offers Retry or Close anyway.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QLayout, QMainWindow, QStackedWidget

from consult_aid.content import Pack
from consult_aid.domain import Consult, Patient
from consult_aid.services.consults import start_consult
from consult_aid.signing.identity import has_identity
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.archive import ArchiveView
from consult_aid.ui.autosave import Autosaver
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import SaveFailedBox, ask_save_failed, show_error
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.settings import save_settings
from consult_aid.ui.setup_page import SetupPage
from consult_aid.ui.signing_flow import SigningFlow
from consult_aid.ui.start_screen import StartScreen
from consult_aid.ui.steps.review import ReviewPage
from consult_aid.ui.theme import apply_theme

log = logging.getLogger(__name__)

SAVE_WAIT_SECONDS = 15.0  # how long leaving a consult waits for its last save


def save_consult(db: object, consult: Consult) -> None:
    ConsultRepository(db).save_draft(consult)  # type: ignore[arg-type]


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, flow_options: dict | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.flow_options = flow_options or {}
        self.save_wait_seconds = SAVE_WAIT_SECONDS
        self.save_failed_box: SaveFailedBox | None = None
        self.setWindowTitle(self.tr("Consult Aid"))
        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        # The window's size comes from the screen, not from its pages' minimum sizes (and the
        # offscreen platform used by tests cannot take size hints).
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setup_page = SetupPage(ctx)
        self.setup_page.completed.connect(self.show_start)
        self.start = StartScreen(ctx)
        self.start.start_requested.connect(self.start_consult)
        self.start.resume_requested.connect(self.open_consult)
        self.start.archive_requested.connect(self.show_archive)
        self.archive = ArchiveView(ctx.db, {p.id: p.title for p in ctx.catalog.packs()})
        self.archive.back_requested.connect(self.show_start)
        self.archive.open_requested.connect(self.open_consult)
        for w in (self.setup_page, self.start, self.archive):
            self.stack.addWidget(w)
        self.consult_view: ConsultView | None = None
        self.flow: SigningFlow | None = None
        self.busy_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.busy_label)
        self._build_menus()
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
        else:
            self.show_start()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.start_action = file_menu.addAction(self.tr("&Start screen"), self.show_start)
        self.start_action.setShortcut(QKeySequence("Ctrl+Home"))
        self.archive_action = file_menu.addAction(self.tr("&Archive"), self.show_archive)
        self.archive_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        file_menu.addSeparator()
        quit_action = file_menu.addAction(self.tr("&Quit"), self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        go = self.menuBar().addMenu(self.tr("&Go"))
        self.next_action = QAction(self.tr("&Next step"), self)
        self.next_action.setShortcuts([QKeySequence("Ctrl+PgDown"), QKeySequence("Alt+Right")])
        self.next_action.triggered.connect(lambda: self._step(+1))
        self.prev_action = QAction(self.tr("&Previous step"), self)
        self.prev_action.setShortcuts([QKeySequence("Ctrl+PgUp"), QKeySequence("Alt+Left")])
        self.prev_action.triggered.connect(lambda: self._step(-1))
        for action in (self.next_action, self.prev_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            go.addAction(action)
            self.addAction(action)
        view = self.menuBar().addMenu(self.tr("&View"))
        self.large_text_action = QAction(self.tr("&Larger text"), self)
        self.large_text_action.setCheckable(True)
        self.large_text_action.setChecked(self.ctx.settings.large_text)
        self.large_text_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.large_text_action.toggled.connect(self.set_large_text)
        view.addAction(self.large_text_action)

    # --- screens ------------------------------------------------------------------------------
    def needs_setup(self) -> bool:
        return (ClinicianRepository(self.ctx.db).current() is None
                or not has_identity(self.ctx.data.identity))

    def show_start(self) -> None:
        if not self._leave_consult(self.show_start):
            return
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
            return
        self.start.refresh()
        self.stack.setCurrentWidget(self.start)
        self.start.search.setFocus()

    def show_archive(self) -> None:
        if not self._leave_consult(self.show_archive):
            return
        self.archive.refresh()
        self.stack.setCurrentWidget(self.archive)
        self.archive.search.setFocus()

    def start_consult(self, patient: Patient, pack: Pack) -> None:
        clinician = ClinicianRepository(self.ctx.db).current()
        if clinician is None:
            self.show_start()
            return
        now = self.ctx.clock()
        self.start.set_busy(True)
        self.ctx.writer.submit(lambda db: start_consult(db, patient, clinician, pack, now),
                               lambda consult: self._open(consult, pack), self._start_failed)

    def _start_failed(self, error: BaseException) -> None:
        self.start.set_busy(False)
        show_error(self, error)

    def open_consult(self, consult_id: str) -> None:
        try:
            consult = ConsultRepository(self.ctx.db).get(consult_id)
            pack = self.ctx.catalog.find(consult.pack.id, consult.pack.version,
                                         consult.pack.content_hash)
        except Exception as exc:  # a KnownError (missing pack) or a damaged row
            show_error(self, exc)
            return
        if self._open(consult, pack) and consult.is_locked and self.flow is not None:
            self.flow.show_signed()

    def _open(self, consult: Consult, pack: Pack) -> bool:
        self.start.set_busy(False)
        if not self._leave_consult(lambda: self._open(consult, pack)):
            return False
        session = ConsultSession(consult, pack, self.ctx.clock)
        autosaver = Autosaver(self.ctx.writer, save_consult, consult, self.ctx.clock)
        view = ConsultView(session, autosaver, lazy=True)
        session.setParent(view)
        autosaver.setParent(view)
        flow = SigningFlow(self.ctx, session, view, flush=autosaver.flush, **self.flow_options)

        def connect_review(review: ReviewPage) -> None:
            review.sign_requested.connect(flow.sign)
            review.preview_requested.connect(flow.preview)
            review.print_summary_requested.connect(flow.print_summary)
            review.print_handout_requested.connect(flow.print_handout)
            review.addendum_requested.connect(flow.add_addendum)

        view.review_page_built.connect(connect_review)
        flow.busy.connect(self._busy)
        view.closed.connect(self.show_start)
        self.consult_view, self.flow = view, flow
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        view.start()
        return True

    def _leave_consult(self, then: Callable[[], object] | None = None, *,
                       force: bool = False) -> bool:
        """Store the open consult and take it off the screen; True when it is gone.

        When its last save failed or did not finish in time, the consult stays, a calm dialog
        offers Retry (which calls ``then`` again, saving again) or Close anyway (which leaves
        without the unsaved changes, then calls ``then``), and False is returned.
        """
        view = self.consult_view
        if view is None:
            return True
        if not force:
            problem = view.finish_saving(self.save_wait_seconds)
            if problem is not None:
                self._ask_save_failed(problem, then)
                return False
        if self.save_failed_box is not None:
            self.save_failed_box.close()
        view.shutdown()
        self.stack.removeWidget(view)
        view.deleteLater()
        self.consult_view = self.flow = None
        return True

    def _ask_save_failed(self, problem: str, then: Callable[[], object] | None) -> None:
        if self.save_failed_box is not None:
            self.save_failed_box.raise_()
            return

        def retry() -> None:
            self.save_failed_box = None
            if then is not None:
                then()
            else:
                self._leave_consult()

        def anyway() -> None:
            self.save_failed_box = None
            log.warning("left a consult whose last changes were not stored")
            self._leave_consult(force=True)
            if then is not None:
                then()

        self.save_failed_box = ask_save_failed(self, problem, retry=retry, anyway=anyway)

    def _step(self, delta: int) -> None:
        if self.consult_view is not None and self.stack.currentWidget() is self.consult_view:
            if delta > 0:
                self.consult_view.next_step()
            else:
                self.consult_view.previous_step()

    def _busy(self, text: str) -> None:
        self.busy_label.setText(text)
        if text:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        elif QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()

    # --- settings -----------------------------------------------------------------------------
    def set_large_text(self, on: bool) -> None:
        """Apply at once; the settings file is written on the writer thread (in order, the
        newest replacing one not written yet), so the window never waits for the disk."""
        self.ctx.settings.large_text = on
        apply_theme(QApplication.instance(), on)  # type: ignore[arg-type]
        path, settings = self.ctx.data.settings, dataclasses.replace(self.ctx.settings)
        self.ctx.writer.submit(lambda _db: save_settings(path, settings), None,
                               self._settings_not_saved, key="settings")

    @staticmethod
    def _settings_not_saved(error: BaseException) -> None:
        log.warning("settings not saved: %s", getattr(error, "strerror", None) or error)

    # --- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._leave_consult(self.close):
            event.ignore()  # the last save failed: the dialog says so, Retry or Close anyway
            return
        for timer in self.findChildren(QTimer):  # pending searches must not outlive the window
            timer.stop()
        self.ctx.writer.settle(self.save_wait_seconds)
        event.accept()

