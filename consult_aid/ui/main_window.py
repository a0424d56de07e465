"""The main window: setup on first run, the start screen, a consult, the archive.

Menus: File (start screen, archive, back up, settings, quit), Go (next/previous step:
Ctrl+PgDown/Ctrl+PgUp, Alt+Right/Alt+Left), View (larger text, remembered; what patients
find hard).

With the database open read-only (``ctx.read_only``) a banner across the window says so and
why; nothing that writes is offered (no setup, no new patient or consult, no signing, no
addendum, no settings saved, no backup) and consults open to be read and printed.

Leaving a consult (or closing the window) stores its latest state and waits for the database;
if that fails or takes too long the window stays, says so, and offers Retry or Close anyway.

Start-up (issue 16): the start screen is built with the window; the setup page, the
archive, a signed consult's record, the settings page and the insights view are built, and
their modules imported, the first time they are shown (or the attribute is read); the consult
view's modules the first time a consult opens.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from consult_aid.content import Pack
from consult_aid.domain import Consult, Patient
from consult_aid.errors import KnownError
from consult_aid.services import consults
from consult_aid.services.clinic import current_clinician, needs_setup
from consult_aid.services.settings import save_settings
from consult_aid.ui.backup_flow import BackupFlow
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import Dialogs
from consult_aid.ui.errors import SaveFailedBox, ask_save_failed, show_error
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.start_screen import StartScreen
from consult_aid.ui.theme import apply_theme

if TYPE_CHECKING:  # imported where they are built (see the module's docstring)
    from consult_aid.ui.archive import ArchiveView
    from consult_aid.ui.consult_view import ConsultView
    from consult_aid.ui.documents_flow import DocumentActions
    from consult_aid.ui.insights_view import InsightsView
    from consult_aid.ui.record_view import RecordView
    from consult_aid.ui.settings_page import SettingsPage
    from consult_aid.ui.setup_page import SetupPage
    from consult_aid.ui.signing_flow import SigningFlow

log = logging.getLogger(__name__)

SAVE_WAIT_SECONDS = 15.0  # how long leaving a consult waits for its last save

READ_ONLY_CHECK_FAILED = (
    "Read-only: the database failed its check — you can read and print consults; nothing can "
    "be saved. Restore from a backup to work normally (quit, start Consult Aid again and "
    "choose Restore from a backup).")
READ_ONLY_ASKED = (
    "Read-only, as asked (--read-only) — you can read and print consults; nothing can be "
    "saved. Start Consult Aid without --read-only to work normally.")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, dialogs: Dialogs | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.dialogs = dialogs or Dialogs()
        self.save_wait_seconds = SAVE_WAIT_SECONDS
        self.save_failed_box: SaveFailedBox | None = None
        self.setWindowTitle(self.tr("Consult Aid — read-only") if ctx.read_only
                            else self.tr("Consult Aid"))
        central = QWidget(self)
        self.stack = QStackedWidget(central)
        self.read_only_banner = QLabel(central)
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setText(self.tr(READ_ONLY_CHECK_FAILED) if ctx.check_failed
                                      else self.tr(READ_ONLY_ASKED))
        self.read_only_banner.setAccessibleName(self.tr("Read-only"))
        self.read_only_banner.setVisible(ctx.read_only)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.read_only_banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # The window's size comes from the screen, not from its pages' minimum sizes (and the
        # offscreen platform used by tests cannot take size hints).
        # a QMainWindow always has its own layout
        cast(QLayout, self.layout()).setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._setup_page: SetupPage | None = None  # built when first shown (below)
        self.start = StartScreen(ctx)
        self.start.start_requested.connect(self.start_consult)
        self.start.resume_requested.connect(self.open_consult)
        self.start.archive_requested.connect(self.show_archive)
        self.stack.addWidget(self.start)
        # built when first shown (the properties below)
        self._archive: ArchiveView | None = None
        self._record: RecordView | None = None
        self._settings_page: SettingsPage | None = None
        self._insights_view: InsightsView | None = None
        self.consult_view: ConsultView | None = None
        self.signing: SigningFlow | None = None  # of the open consult
        self.documents: DocumentActions | None = None  # of the open consult
        self.busy_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.busy_label)
        self.backup = BackupFlow(ctx, self, folder=self.dialogs.backup_folder,
                                 before=self._hand_over_consult)
        self.backup.busy.connect(self._busy)
        self.backup.written.connect(lambda _result: self.start.refresh_backup_notice())
        self.start.backup_requested.connect(self.back_up)
        self._build_menus()
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
        else:
            self.show_start()

    # --- pages built when first needed ---------------------------------------------------------
    @property
    def setup_page(self) -> SetupPage:
        if self._setup_page is None:
            from consult_aid.ui.setup_page import SetupPage

            page = SetupPage(self.ctx)
            page.completed.connect(self.show_start)
            self.stack.insertWidget(0, page)
            self._setup_page = page
        return self._setup_page

    @property
    def archive(self) -> ArchiveView:
        if self._archive is None:
            from consult_aid.ui.archive import ArchiveView

            archive = ArchiveView(self.ctx.db, {p.id: p.title for p in self.ctx.catalog.packs()})
            archive.back_requested.connect(self.show_start)
            archive.open_requested.connect(self.open_consult)
            archive.record_requested.connect(self.show_record)
            self.stack.addWidget(archive)
            self._archive = archive
        return self._archive

    @property
    def record(self) -> RecordView:
        if self._record is None:
            from consult_aid.ui.record_view import RecordView

            record = RecordView(self.ctx, self.dialogs)
            record.back_requested.connect(self.show_archive)
            record.open_requested.connect(self.open_consult)
            record.busy.connect(self._busy)
            record.printed.connect(self._printed)
            self.stack.addWidget(record)
            self._record = record
        return self._record

    @property
    def settings_page(self) -> SettingsPage:
        if self._settings_page is None:
            from consult_aid.ui.settings_page import SettingsPage

            page = SettingsPage(self.ctx, self.large_text_action)
            page.back_requested.connect(self.show_start)
            self.stack.addWidget(page)
            self._settings_page = page
        return self._settings_page

    @property
    def insights_view(self) -> InsightsView:
        if self._insights_view is None:
            from consult_aid.services.insights import (
                filter_choices,
                insights_in_own_connection,
                item_titles,
            )
            from consult_aid.ui.insights_view import InsightsView

            ctx = self.ctx
            view = InsightsView(
                lambda f: insights_in_own_connection(ctx.data.database, f),
                lambda: filter_choices(ctx.db), {p.id: p.title for p in ctx.catalog.packs()},
                item_titles(ctx.catalog.packs()), run_in_background=ctx.tasks.run)
            view.back_requested.connect(self.show_start)
            self.stack.addWidget(view)
            self._insights_view = view
        return self._insights_view

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.start_action = file_menu.addAction(self.tr("&Start screen"), self.show_start)
        self.start_action.setShortcut(QKeySequence("Ctrl+Home"))
        self.archive_action = file_menu.addAction(self.tr("&Archive"), self.show_archive)
        self.archive_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.backup_action = file_menu.addAction(self.tr("&Back up…"), self.back_up)
        if self.ctx.read_only:
            self.backup_action.setEnabled(False)
            self.backup_action.setToolTip(self.tr("Not while the database is open read-only."))
        self.settings_action = file_menu.addAction(self.tr("Se&ttings…"), self.show_settings)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
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
        self.insights_action = view.addAction(self.tr("What patients find &hard…"),
                                              self.show_insights)

    # --- screens ------------------------------------------------------------------------------
    def needs_setup(self) -> bool:
        """Setup writes (the clinician, a signing key): never offered read-only."""
        return not self.ctx.read_only and needs_setup(self.ctx.db, self.ctx.data)

    def back_up(self) -> None:
        """File ▸ Back up… and the start screen's "Back up now…"."""
        self.backup.back_up()

    def _hand_over_consult(self) -> None:
        """The open consult's latest state goes to the writer (before a backup)."""
        if self.consult_view is not None:
            self.consult_view.autosaver.flush()

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

    def show_insights(self) -> None:
        """View ▸ What patients find hard: counts over signed consults (an open consult is
        stored and closed first, as for the archive)."""
        if not self._leave_consult(self.show_insights):
            return
        self.insights_view.enter()
        self.stack.setCurrentWidget(self.insights_view)
        self.insights_view.pack.setFocus()

    def show_record(self, consult_id: str) -> None:
        """A signed consult's record from the archive: its PDF, addenda, reprint, export."""
        if not self._leave_consult(lambda: self.show_record(consult_id)):
            return
        try:
            consult = consults.get_consult(self.ctx.db, consult_id)
        except Exception as exc:  # a KnownError (damaged database) or a bug
            show_error(self, exc)
            return
        if not consult.is_locked:  # a draft is gone on with in the consult view
            self.open_consult(consult_id)
        elif self.record.show_record(consult):
            self.stack.setCurrentWidget(self.record)
            self.record.reprint_button.setFocus()

    def show_settings(self) -> None:
        """The settings page; an open consult is stored and closed first (as for the archive)."""
        if not self._leave_consult(self.show_settings):
            return
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
            return
        self.stack.setCurrentWidget(self.settings_page)
        self.settings_page.enter()

    def start_consult(self, patient: Patient, pack: Pack) -> None:
        if self.ctx.read_only:
            return  # the start screen offers no Start; nothing is written read-only
        clinician = current_clinician(self.ctx.db)
        if clinician is None:
            self.show_start()
            return
        now = self.ctx.clock()
        self.start.set_busy(True)
        WriteOp(self, lambda db: consults.start_consult(db, patient, clinician, pack, now)) \
            .success(lambda consult: self._open(consult, pack)) \
            .finally_(lambda: self.start.set_busy(False)) \
            .run_in_background(self.ctx.writer)

    def open_consult(self, consult_id: str) -> None:
        try:
            consult = consults.get_consult(self.ctx.db, consult_id)
            # a signed consult opens on its record (review: addenda, print, verify)
            step = ("review" if consult.is_locked
                    else consults.last_step(self.ctx.db, consult_id))
            pack = self.ctx.catalog.find(consult.pack.id, consult.pack.version,
                                         consult.pack.content_hash)
        except Exception as exc:  # a KnownError (missing pack, damaged database) or a bug
            show_error(self, exc)
            return
        if self._open(consult, pack, step) and consult.is_locked and self.documents is not None:
            self.documents.show_signed()

    def _open(self, consult: Consult, pack: Pack, step: str = "") -> bool:
        if not self._leave_consult(lambda: self._open(consult, pack, step)):
            return False
        from consult_aid.ui.autosave import Autosaver
        from consult_aid.ui.consult_view import ConsultView
        from consult_aid.ui.documents_flow import DocumentActions
        from consult_aid.ui.session import ConsultSession
        from consult_aid.ui.signing_flow import SigningFlow
        from consult_aid.ui.steps import ReviewActions

        read_only = self.ctx.read_only
        session = ConsultSession(consult, pack, self.ctx.clock, database_read_only=read_only)
        autosaver = Autosaver(self.ctx.writer, consult, self.ctx.clock, step=step,
                              read_only=read_only)
        documents = DocumentActions(self.ctx, session, self, printer=self.dialogs.printer)
        signing = SigningFlow(self.ctx, session, documents, self,
                              password=self.dialogs.password, flush=autosaver.flush)
        actions = ReviewActions(sign=signing.sign, preview=documents.preview,
                                print_summary=documents.print_summary,
                                print_handout=documents.print_handout,
                                print_carer_handout=documents.print_carer_handout,
                                add_addendum=signing.add_addendum)
        view = ConsultView(session, autosaver, actions, start_step=step)
        for child in (session, autosaver, documents, signing):
            child.setParent(view)  # they go when the consult view goes
        documents.busy.connect(self._busy)
        documents.printed.connect(self._printed)
        signing.busy.connect(self._busy)
        view.closed.connect(self.show_start)
        self.consult_view, self.signing, self.documents = view, signing, documents
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        view.page(view.current_step()).focus_first()
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
        for flow in (self.documents, self.signing):
            if flow is not None:
                flow.close_all()  # previews and dialogs of this consult go with it
        view.shutdown()
        self.stack.removeWidget(view)
        view.deleteLater()
        self.consult_view = self.signing = self.documents = None
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

    def _printed(self, pages: int) -> None:
        self.statusBar().showMessage(
            self.tr("Sent {n} pages to the printer.").format(n=pages) if pages != 1
            else self.tr("Sent 1 page to the printer."), 10_000)

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
        # instance() is typed QCoreApplication | None; the window runs in a QApplication
        apply_theme(cast(QApplication, QApplication.instance()), on)
        if self.ctx.read_only:
            return  # applied for now, not remembered: nothing is written read-only
        data, settings = self.ctx.data, dataclasses.replace(self.ctx.settings)
        WriteOp(self, lambda db: save_settings(db, data, settings)) \
            .failure(self._settings_not_saved) \
            .run_in_background(self.ctx.writer, coalesce="settings")

    @staticmethod
    def _settings_not_saved(error: BaseException) -> None:
        # A full or read-only disk is expected and said in one line; anything else is a bug
        # and keeps its traceback in the log. Either way the window goes on (larger text is
        # applied already; only remembering it failed).
        expected = isinstance(error, KnownError | OSError)
        log.warning("settings not saved: %s", getattr(error, "strerror", None) or error,
                    exc_info=None if expected else error)

    # --- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._leave_consult(self.close):
            event.ignore()  # the last save failed: the dialog says so, Retry or Close anyway
            return
        for timer in self.findChildren(QTimer):  # pending searches must not outlive the window
            timer.stop()
        self.ctx.writer.settle(self.save_wait_seconds)
        event.accept()

