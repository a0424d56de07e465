"""The main window: setup on first run, the start screen, a consult, the archive.

Menus: File (start screen, archive, back up, settings, quit), Go (next/previous step:
Ctrl+PgDown/Ctrl+PgUp, Alt+Right/Alt+Left), View (larger text, remembered; what patients
find hard).

With the database open read-only (``ctx.read_only``) a banner across the window says so and
why; nothing that writes is offered (no setup, no new patient or consult, no signing, no
addendum, no settings saved, no backup) and consults open to be read and printed.

Leaving a consult (or closing the window) stores its latest state and waits for the database;
if that fails or takes too long the window stays, says so, and offers Retry or Close anyway.

Accounts (issue 14): no patient detail shows before someone signs in. A folder with no
accounts and no clinic opens on the setup page, which makes the first account too; a folder set
up before accounts opens on the first-account page; otherwise on the sign-in page. File ▸ Lock
now (Ctrl+L), File ▸ Switch user and the idle watch save the open consult and lock: every page
and top-level window (previews, dialogs) is hidden behind the lock screen and decrypted signing
keys are forgotten; the same person unlocks with their password and is back where they were;
someone else signing in there keeps the consult (saved) and starts on the start screen. File
▸ Accounts and File ▸ Audit trail are offered to administrators; an unacknowledged use of
emergency access is shown in a banner across the window.

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

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from consult_aid.errors import KnownError
from consult_aid.ui.sign_in import FirstAccountPage, NewPasswordPage, SignInPage, plain_text
from consult_aid.ui.theme import apply_theme

if TYPE_CHECKING:  # imported where they are used (see the module's docstring)
    from consult_aid.content import Pack
    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Consult, Patient
    from consult_aid.domain.accounts import Account
    from consult_aid.services import emergency
    from consult_aid.services.settings import UiSettings
    from consult_aid.services.store import Store
    from consult_aid.ui.accounts_view import AccountsView
    from consult_aid.ui.archive import ArchiveView
    from consult_aid.ui.audit_view import AuditView
    from consult_aid.ui.backup_flow import BackupFlow
    from consult_aid.ui.consult_view import ConsultView
    from consult_aid.ui.context import AppContext
    from consult_aid.ui.dialogs import Dialogs
    from consult_aid.ui.documents_flow import DocumentActions
    from consult_aid.ui.errors import SaveFailedBox
    from consult_aid.ui.idle_lock import IdleWatch, LockScreen
    from consult_aid.ui.insights_view import InsightsView
    from consult_aid.ui.record_view import RecordView
    from consult_aid.ui.settings_page import SettingsPage
    from consult_aid.ui.setup_page import SetupPage
    from consult_aid.ui.signing_flow import SigningFlow
    from consult_aid.ui.start_screen import StartScreen

log = logging.getLogger(__name__)

SAVE_WAIT_SECONDS = 15.0  # how long leaving a consult waits for its last save

READ_ONLY_CHECK_FAILED = (
    "Read-only: the database failed its check — you can read and print consults; nothing can "
    "be saved. Restore from a backup to work normally (quit, start Consult Aid again and "
    "choose Restore from a backup).")
READ_ONLY_ASKED = (
    "Read-only, as asked (--read-only) — you can read and print consults; nothing can be "
    "saved. Start Consult Aid without --read-only to work normally.")


class _KeepHidden(QObject):
    """While the window is locked: any other window that shows itself is hidden again at once
    and remembered (``hidden``), so that no patient detail appears over the lock screen."""

    def __init__(self, main: QWidget, hidden: list[QWidget]) -> None:
        super().__init__(main)
        self._main = main
        self._hidden = hidden

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import Qt

        if (event.type() == QEvent.Type.Show and isinstance(watched, QWidget)
                and watched.isWindow() and watched is not self._main
                and watched.windowType() not in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)):
            if watched not in self._hidden:
                self._hidden.append(watched)
            QTimer.singleShot(0, watched.hide)
        return False


class MainWindow(QMainWindow):
    """The window. ``MainWindow(ctx)`` opens on an open data folder at once.

    ``MainWindow(None, folder=..., settings=...)`` is the window of a start (issue 16): only
    the sign-in page is built, the window is shown, and :meth:`attach` opens the rest once the
    data folder has passed its start-up check and is open (:func:`consult_aid.ui.app.run_app`).
    Until then :attr:`ready` is False and a sign-in asked for waits: it goes ahead only on a
    data folder that passed the check (:meth:`attach` with ``keep_sign_in``), and is dropped
    otherwise."""

    ctx: AppContext  # set by attach()
    dialogs: Dialogs  # set by attach()
    start: StartScreen  # built by attach()
    backup: BackupFlow  # built by attach()
    idle: IdleWatch  # built by attach()
    lock_screen: LockScreen  # built by attach()

    def __init__(self, ctx: AppContext | None, dialogs: Dialogs | None = None, *,
                 folder: DataFolder | None = None, settings: UiSettings | None = None) -> None:
        super().__init__()
        if ctx is not None:
            folder, settings = ctx.data, ctx.settings
        assert folder is not None and settings is not None, "a context, or folder and settings"
        self.ready = False  # attach() has opened the data folder's pages
        self._given_dialogs = dialogs
        self._pending_sign_in: tuple[str, str] | None = None  # asked for before attach()
        self.save_wait_seconds = SAVE_WAIT_SECONDS
        self.save_failed_box: SaveFailedBox | None = None
        self._server_name = folder.server.server_name if folder.server is not None else None
        central = QWidget(self)
        self.stack = QStackedWidget(central)
        self.read_only_banner = QLabel(central)
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        plain_text(self.read_only_banner)  # (Qt itself is used after the first paint)
        self.read_only_banner.setAccessibleName(self.tr("Read-only"))
        self._show_read_only(ctx is not None and ctx.read_only,
                             ctx is not None and ctx.check_failed)
        self.emergency_banner = QWidget(central)
        self.emergency_banner.setObjectName("emergencyBanner")
        self.emergency_text = QLabel(self.emergency_banner)
        self.emergency_text.setObjectName("readOnlyBanner")
        self.emergency_text.setWordWrap(True)
        plain_text(self.emergency_text)
        self.emergency_text.setAccessibleName(self.tr("Emergency access was used"))
        self.acknowledge_button = QPushButton(self.tr("Ac&knowledge"), self.emergency_banner)
        self.acknowledge_button.clicked.connect(self.acknowledge_emergency)
        banner_row = QHBoxLayout(self.emergency_banner)
        banner_row.setContentsMargins(0, 0, 8, 0)
        banner_row.addWidget(self.emergency_text, 1)
        banner_row.addWidget(self.acknowledge_button)
        self.emergency_banner.hide()
        self.emergency_uses: list[emergency.EmergencyUse] = []
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.read_only_banner)
        column.addWidget(self.emergency_banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        # The window's size comes from the screen, not from its pages' minimum sizes (and the
        # offscreen platform used by tests cannot take size hints).
        # a QMainWindow always has its own layout
        cast(QLayout, self.layout()).setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._setup_page: SetupPage | None = None  # built when first shown (below)
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
        # who is signed in: the sign-in pages, the lock screen and the idle watch
        self.sign_in_page = SignInPage("", self)  # the clinic's name: attach()
        self.sign_in_page.sign_in_requested.connect(self._sign_in)
        self.sign_in_page.quit_requested.connect(self.close)
        self.stack.addWidget(self.sign_in_page)
        self._first_account_page: FirstAccountPage | None = None
        self._new_password_page: NewPasswordPage | None = None
        self.locked = False
        self._before_lock: QWidget | None = None
        self._hidden_windows: list[QWidget] = []
        self._keep_hidden: _KeepHidden | None = None
        self._pending_password = ""  # between a sign-in and the new password it must choose
        self._accounts_view: AccountsView | None = None
        self._audit_view: AuditView | None = None
        self._build_menus(large_text=settings.large_text)
        if ctx is not None:
            self.attach(ctx)
        else:  # the sign-in page, usable at once; what it asks for waits for attach()
            self._set_title(read_only=False)
            self.sign_in_page.start()
            self.stack.setCurrentWidget(self.sign_in_page)

    def attach(self, ctx: AppContext, *, keep_sign_in: bool = False) -> None:
        """Open the window's pages on ``ctx`` (the data folder checked and open).

        ``keep_sign_in`` (a window built without a context, whose folder passed its check
        with no question asked): the sign-in page stays as it is, with what was typed in it,
        and a sign-in asked for meanwhile goes ahead. Otherwise such a sign-in is dropped and
        the page for ``ctx`` shows afresh.

        What the first reads raise (a damaged database) is raised, and nothing of ``ctx`` is
        kept: attach may be called again (with a read-only context, or after a restore)."""
        from consult_aid.services.accounts import has_accounts
        from consult_aid.services.clinic import current_clinician
        from consult_aid.ui.backup_flow import BackupFlow
        from consult_aid.ui.dialogs import Dialogs
        from consult_aid.ui.idle_lock import IdleWatch, LockScreen
        from consult_aid.ui.start_screen import StartScreen

        assert not self.ready, "attached already"
        self.fill_menus()
        dialogs = self._given_dialogs or Dialogs()
        start = StartScreen(ctx)  # the first reads: they may find damage
        try:
            clinic = current_clinician(ctx.db)  # the clinic's name only: no patient detail
            keep = keep_sign_in and not ctx.read_only and ctx.account is None \
                and self.stack.currentWidget() is self.sign_in_page and has_accounts(ctx.db)
        except BaseException:
            start.deleteLater()
            raise
        self.ctx, self.dialogs, self.start = ctx, dialogs, start
        self.ready = True
        try:
            self.lock_screen = LockScreen(self)
            self.lock_screen.unlock_requested.connect(self._unlock)
            self.lock_screen.switch_requested.connect(self._switch)
            self.stack.addWidget(self.lock_screen)
            start.start_requested.connect(self.start_consult)
            start.resume_requested.connect(self.open_consult)
            start.archive_requested.connect(self.show_archive)
            start.backup_requested.connect(self.back_up)
            self.stack.addWidget(start)
            self.backup = BackupFlow(ctx, self, folder=dialogs.backup_folder,
                                     before=self._hand_over_consult)
            self.backup.busy.connect(self._busy)
            self.backup.written.connect(lambda _result: self.start.refresh_backup_notice())
            self.sign_in_page.set_clinic(clinic.clinic if clinic else "")
            # (after the first paint: it watches every event of the application, and PySide6
            # builds the Python type of each object and event it is handed on first sight)
            self.idle = IdleWatch(ctx.settings.idle_lock_minutes, self)
            self.idle.idle.connect(self.lock)
            self.idle.pause()
            self._set_title(read_only=ctx.read_only)
            self._show_read_only(ctx.read_only, ctx.check_failed)
            if ctx.read_only:
                self.backup_action.setEnabled(False)
                self.backup_action.setToolTip(self.tr("Not while the database is open read-only."))
            self.large_text_action.setChecked(ctx.settings.large_text)
            self.large_text_action.setEnabled(True)
            self._set_shortcuts()
            pending, self._pending_sign_in = self._pending_sign_in, None
            if ctx.account is not None:  # signed in already (by whoever built the context)
                self.signed_in(ctx.account)
            elif keep:
                self.sign_in_page.set_waiting(False)
                if pending is not None:
                    self._sign_in(*pending)
            else:
                self._show_signed_out()
        except BaseException:  # (a damaged database found by the first page's reads)
            self._detach()
            raise

    def _detach(self) -> None:
        """Undo an :meth:`attach` that failed part way: the window is as before it."""
        self.ready = False
        for name in ("start", "lock_screen", "backup", "idle"):
            part = self.__dict__.pop(name, None)
            if isinstance(part, QWidget):
                self.stack.removeWidget(part)
            if isinstance(part, QObject):
                part.deleteLater()
        self.__dict__.pop("ctx", None)

    def _set_title(self, *, read_only: bool) -> None:
        title = self.tr("Consult Aid — read-only") if read_only else self.tr("Consult Aid")
        if self._server_name is not None:  # which archive this room works in, always in sight
            title += " · " + self.tr("clinic archive on {server}").format(
                server=self._server_name)
        self.setWindowTitle(title)

    def _show_read_only(self, read_only: bool, check_failed: bool) -> None:
        self.read_only_banner.setText(self.tr(READ_ONLY_CHECK_FAILED) if check_failed
                                      else self.tr(READ_ONLY_ASKED))
        self.read_only_banner.setVisible(read_only)

    # --- pages built when first needed ---------------------------------------------------------
    @property
    def setup_page(self) -> SetupPage:
        if self._setup_page is None:
            from consult_aid.ui.setup_page import SetupPage

            page = SetupPage(self.ctx)
            page.completed.connect(self.show_start)
            page.account_created.connect(self.signed_in)
            self.stack.insertWidget(0, page)
            self._setup_page = page
        return self._setup_page

    @property
    def first_account_page(self) -> FirstAccountPage:
        if self._first_account_page is None:
            page = FirstAccountPage(self)
            page.create_requested.connect(self._create_first_account)
            self.stack.addWidget(page)
            self._first_account_page = page
        return self._first_account_page

    @property
    def new_password_page(self) -> NewPasswordPage:
        if self._new_password_page is None:
            page = NewPasswordPage(self)
            page.change_requested.connect(self._change_password)
            self.stack.addWidget(page)
            self._new_password_page = page
        return self._new_password_page

    @property
    def accounts_view(self) -> AccountsView:
        if self._accounts_view is None:
            from consult_aid.ui.accounts_view import AccountsView

            view = AccountsView(self.ctx)
            view.back_requested.connect(self.show_start)
            self.stack.addWidget(view)
            self._accounts_view = view
        return self._accounts_view

    @property
    def audit_view(self) -> AuditView:
        if self._audit_view is None:
            from consult_aid.ui.audit_view import AuditView

            view = AuditView(self.ctx)
            view.back_requested.connect(self.show_start)
            self.stack.addWidget(view)
            self._audit_view = view
        return self._audit_view

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
            page.idle_minutes_changed.connect(self.idle.set_minutes)
            self.stack.addWidget(page)
            self._settings_page = page
        return self._settings_page

    @property
    def insights_view(self) -> InsightsView:
        if self._insights_view is None:
            from consult_aid.services.insights import (
                InsightsFilter,
                InsightsReport,
                filter_choices,
                insights_in_own_connection,
                item_titles,
            )
            from consult_aid.ui.insights_view import InsightsView

            ctx = self.ctx
            def counted(f: InsightsFilter) -> InsightsReport:
                if ctx.account is None:
                    raise KnownError("Sign in first: the counts are read under your account.")
                return insights_in_own_connection(ctx.data.archive, f, ctx.account)

            view = InsightsView(
                counted,
                lambda: filter_choices(ctx.db), {p.id: p.title for p in ctx.catalog.packs()},
                item_titles(ctx.catalog.packs()), run_in_background=ctx.tasks.run)
            view.back_requested.connect(self.show_start)
            self.stack.addWidget(view)
            self._insights_view = view
        return self._insights_view

    def _build_menus(self, *, large_text: bool) -> None:
        """The menu bar with its menus; their items: :meth:`fill_menus`."""
        bar = self.menuBar()
        self._menus = (bar.addMenu(self.tr("&File")), bar.addMenu(self.tr("&Go")),
                       bar.addMenu(self.tr("&View")))
        self._large_text = large_text
        self.menus_filled = False

    def fill_menus(self) -> None:
        """The menus' items, made once; their shortcuts: :meth:`_set_shortcuts`.

        A window of a start (no context yet) is painted with its menus' titles only, and gets
        their items right after that first paint, before its data folder is checked
        (:func:`consult_aid.ui.app.run_app`; they cost ~3 ms: issue 16), or by :meth:`attach`,
        whichever comes first; until the folder is open only Quit is offered."""
        if self.menus_filled:
            return
        self.menus_filled = True
        file_menu, go, view = self._menus
        large_text = self._large_text
        self.start_action = file_menu.addAction(self.tr("&Start screen"), self.show_start)
        self.archive_action = file_menu.addAction(self.tr("&Archive"), self.show_archive)
        self.backup_action = file_menu.addAction(self.tr("&Back up…"), self.back_up)
        self.settings_action = file_menu.addAction(self.tr("Se&ttings…"), self.show_settings)
        # administrators only (_apply_role); in the File menu, as every letter of a menu of
        # their own ("Tools") is taken on some step
        self.accounts_action = file_menu.addAction(self.tr("Acco&unts…"), self.show_accounts)
        self.audit_action = file_menu.addAction(self.tr("Au&dit trail…"), self.show_audit)
        file_menu.addSeparator()
        self.lock_action = file_menu.addAction(self.tr("&Lock now"), self.lock)
        self.switch_action = file_menu.addAction(self.tr("S&witch user…"), self.switch_user)
        file_menu.addSeparator()
        self.quit_action = file_menu.addAction(self.tr("&Quit"), self.close)
        self.next_action = QAction(self.tr("&Next step"), self)
        self.next_action.triggered.connect(lambda: self._step(+1))
        self.prev_action = QAction(self.tr("&Previous step"), self)
        self.prev_action.triggered.connect(lambda: self._step(-1))
        for action in (self.next_action, self.prev_action):
            go.addAction(action)
            self.addAction(action)
        self.large_text_action = QAction(self.tr("&Larger text"), self)
        self.large_text_action.setCheckable(True)
        self.large_text_action.setChecked(large_text)
        self.large_text_action.toggled.connect(self.set_large_text)
        view.addAction(self.large_text_action)
        self.insights_action = view.addAction(self.tr("What patients find &hard…"),
                                              self.show_insights)
        # offered only while someone is signed in (and the menus by role: _apply_role)
        self.session_actions = [
            self.start_action, self.archive_action, self.backup_action, self.settings_action,
            self.lock_action, self.switch_action, self.next_action, self.prev_action,
            self.insights_action, self.accounts_action, self.audit_action]
        if not self.ready:  # (a start's window: attach() sets them by who signs in)
            self._set_session_actions(False)
            self.large_text_action.setEnabled(False)  # it is saved in the data folder

    def _set_shortcuts(self) -> None:
        """The menus' shortcuts, set by :meth:`attach`: PySide6 builds the enums of its ``Qt``
        namespace on the first shortcut set, about 25 ms, which the first paint does without
        (see :func:`~consult_aid.ui.sign_in.plain_text`). Keys pressed before are held in
        Qt's queue while the data folder opens, and reach the window after this."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeySequence

        self.start_action.setShortcut(QKeySequence("Ctrl+Home"))
        self.archive_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.accounts_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.audit_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        # from any window of the program (a preview in front too)
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.next_action.setShortcuts([QKeySequence("Ctrl+PgDown"), QKeySequence("Alt+Right")])
        self.prev_action.setShortcuts([QKeySequence("Ctrl+PgUp"), QKeySequence("Alt+Left")])
        for action in (self.next_action, self.prev_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.large_text_action.setShortcut(QKeySequence("Ctrl+Shift+L"))

    # --- who is signed in ---------------------------------------------------------------------
    def _signed_in_now(self) -> bool:
        """Someone is signed in and the window is not locked: pages may show patient data."""
        return self.ready and self.ctx.account is not None and not self.locked

    def _set_session_actions(self, on: bool) -> None:
        for action in self.session_actions:
            action.setEnabled(on)
        self.accounts_action.setVisible(False)  # shown again by role, signed in
        self.audit_action.setVisible(False)
        if on:
            self.backup_action.setEnabled(not self.ctx.read_only)
            self._apply_role()

    def _apply_role(self) -> None:
        """Menus by role: Accounts and the audit trail for administrators only."""
        from consult_aid.domain.accounts import Permission

        account = self.ctx.account
        accounts = account is not None and account.may(Permission.MANAGE_ACCOUNTS)
        audit = account is not None and account.may(Permission.READ_AUDIT)
        self.accounts_action.setVisible(accounts)
        self.accounts_action.setEnabled(accounts and not self.ctx.read_only)
        self.audit_action.setVisible(audit)
        self.audit_action.setEnabled(audit and not self.ctx.read_only)
        backup = account is not None and account.may(Permission.BACKUP)
        self.backup_action.setVisible(backup)

    def _show_signed_out(self) -> None:
        """No one is signed in: the first-run setup, the first account, or the sign-in."""
        from consult_aid.services.accounts import has_accounts
        from consult_aid.services.clinic import current_clinician, existing_identity

        self._set_session_actions(False)
        self.idle.pause()
        self.emergency_banner.hide()
        if has_accounts(self.ctx.db) or self.ctx.read_only:
            self.sign_in_page.start()
            if self.ctx.read_only and not has_accounts(self.ctx.db):
                self.sign_in_page.show_refusal(self.tr(
                    "This data folder has no accounts yet, and it is open read-only: start "
                    "Consult Aid normally to make the first account."))
            self.stack.setCurrentWidget(self.sign_in_page)
        elif self.needs_setup() and current_clinician(self.ctx.db) is None:
            self.setup_page.with_account(True)
            self.stack.setCurrentWidget(self.setup_page)
        else:  # set up before accounts: the first account takes the folder's identity over
            page = self.first_account_page
            try:
                folder = existing_identity(self.ctx.data)
            except KnownError:
                folder = None
            if folder is not None:
                clinician = current_clinician(self.ctx.db)
                page.take_over(folder.subject, clinician.name if clinician else "")
            self.stack.setCurrentWidget(page)
            page.username.setFocus()

    def _sign_in(self, username: str, password: str) -> None:
        if not self.ready:  # the data folder is still being checked: this waits for attach()
            self._pending_sign_in = (username, password)
            self.sign_in_page.set_waiting(True)
            return
        from consult_aid.services.accounts import sign_in
        from consult_aid.ui.operations import WriteOp

        now = self.ctx.clock()
        WriteOp(self, lambda db: sign_in(db, username, password, now=now)) \
            .success(lambda account: self._after_sign_in(account, password)) \
            .failure(self._sign_in_refused) \
            .run_in_background(self.ctx.writer)

    def _sign_in_refused(self, error: BaseException) -> None:
        from consult_aid.ui.errors import show_error

        if isinstance(error, KnownError):
            self.sign_in_page.show_refusal(str(error), getattr(error, "wait_seconds", 0))
        else:
            show_error(self, error)

    def _after_sign_in(self, account: Account, password: str) -> None:
        if account.must_change_password and self.ctx.read_only:
            self.ctx.use_account(None)
            self._show_signed_out()
            self.sign_in_page.show_refusal(self.tr(
                "This account's password was set by an administrator: choose your own first, "
                "with Consult Aid open normally (not read-only)."))
            return
        if account.must_change_password:
            self._pending_password = password
            self.ctx.use_account(account)  # the change is made under the account itself
            self.locked = True  # no page with patient data until the password is chosen
            self._set_session_actions(False)
            self.new_password_page.start(account.username, account.display_name)
            self.stack.setCurrentWidget(self.new_password_page)
            return
        self.signed_in(account)

    def _change_password(self, new: str) -> None:
        from consult_aid.ui.operations import WriteOp

        account, old = self.ctx.account, self._pending_password
        if account is None:
            return
        data, now = self.ctx.data, self.ctx.clock()

        def work(db: Store) -> Account:
            from consult_aid.services.identities import change_account_password

            change_account_password(db, data, account, old, new, now=now)
            return dataclasses.replace(account, must_change_password=False)

        WriteOp(self, work).success(self._password_changed) \
            .failure(lambda e: self.new_password_page.show_problem(str(e))) \
            .run_in_background(self.ctx.writer)

    def _password_changed(self, account: Account) -> None:
        self._pending_password = ""
        self.signed_in(account)

    def _create_first_account(self, username: str, display_name: str, password: str) -> None:
        from consult_aid.domain import ValidationError
        from consult_aid.ui.account_session import make_first_account
        from consult_aid.ui.errors import show_error
        from consult_aid.ui.operations import WriteOp

        page = self.first_account_page
        folder_password = page.folder_password.text() if page.folder_password.isVisibleTo(
            page) else None
        data, now = self.ctx.data, self.ctx.clock()
        page.create_button.setEnabled(False)

        def done(account: Account) -> None:
            page.create_button.setEnabled(True)
            page.password.clear()
            page.repeat.clear()
            page.folder_password.clear()
            self.signed_in(account)

        def failed(error: BaseException) -> None:
            page.create_button.setEnabled(True)
            if isinstance(error, ValidationError):
                page.show_problem(" ".join(p.message for p in error.problems))
                page.folder_password.clear()
                page.folder_password.setFocus()
            elif isinstance(error, KnownError):
                page.show_problem(str(error))
            else:
                show_error(self, error)

        WriteOp(self, lambda db: make_first_account(
            db, data, username, display_name, password, folder_password=folder_password,
            now=now)).success(done).failure(failed).run_in_background(self.ctx.writer)

    def signed_in(self, account: Account) -> None:
        """``account`` is signed in: the menus for its role, the emergency banner, the idle
        watch, and the start screen."""
        self.ctx.use_account(account)
        self.locked = False
        self._set_session_actions(True)
        self.refresh_emergency()
        self.idle.start()
        self.show_start()

    # --- emergency access ------------------------------------------------------------------
    def refresh_emergency(self) -> None:
        """The banner says whether emergency access was used and no administrator has
        acknowledged it (who, when, why)."""
        from consult_aid.domain.accounts import Permission
        from consult_aid.services import emergency

        try:
            uses = emergency.unacknowledged(self.ctx.db)
        except Exception:  # an older database without the table: nothing to say
            log.warning("could not read the emergency-access uses", exc_info=True)
            uses = []
        self.emergency_uses = uses
        if not uses:
            self.emergency_banner.hide()
            return
        lines = [self.tr("Emergency access was used: {who} set a new password for {account} "
                         "on {when}. Reason given: {why}.").format(
            who=u.used_by, account=u.account, when=u.used_at[:16].replace("T", " "),
            why=u.reason) for u in uses]
        account = self.ctx.account
        admin = account is not None and account.may(Permission.MANAGE_ACCOUNTS)
        if not admin:
            lines.append(self.tr("An administrator acknowledges it."))
        self.emergency_text.setText("\n".join(lines))
        self.acknowledge_button.setVisible(admin and not self.ctx.read_only)
        self.emergency_banner.show()

    def acknowledge_emergency(self) -> None:
        from consult_aid.services import emergency
        from consult_aid.ui.errors import show_error
        from consult_aid.ui.operations import WriteOp

        account, uses, now = self.ctx.account, list(self.emergency_uses), self.ctx.clock()
        if account is None or not uses:
            return

        def work(db: Store) -> None:
            for use in uses:
                emergency.acknowledge(db, account, use.id, now=now)

        WriteOp(self, work).success(lambda _r: self.refresh_emergency()) \
            .failure(lambda e: show_error(self, e)).run_in_background(self.ctx.writer)

    # --- the lock -----------------------------------------------------------------------------
    def lock(self, *, other: bool = False) -> None:
        """Save the open consult and hide everything behind the lock screen (File ▸ Lock now,
        Ctrl+L, or the idle watch). ``other``: open on "Sign in as someone else"."""
        from PySide6.QtCore import Qt

        from consult_aid.services.clinic import forget_unlocked_keys
        from consult_aid.ui.account_session import LOCKED, record_session
        from consult_aid.ui.operations import WriteOp

        if not self.ready:  # no one can have signed in yet
            return
        account = self.ctx.account
        if account is None or self.locked:
            return
        if self.consult_view is not None:
            problem = self.consult_view.finish_saving(self.save_wait_seconds)
            if problem is not None:  # kept in memory behind the lock; saved again after
                log.warning("locked with the consult's last changes not stored")
        self.locked = True
        self.idle.pause()
        self._before_lock = self.stack.currentWidget()
        app = cast(QApplication, QApplication.instance())
        passing = (Qt.WindowType.Popup, Qt.WindowType.ToolTip)  # menus, tooltips: closed
        shown = [w for w in app.topLevelWidgets() if w is not self and w.isVisible()]
        self._hidden_windows = [w for w in shown if w.windowType() not in passing]
        for widget in shown:
            widget.hide()
        # a window that opens while locked (a preview or a message that finished on a worker
        # thread) is hidden at once, and shown again only to the same person
        self._keep_hidden = _KeepHidden(self, self._hidden_windows)
        app.installEventFilter(self._keep_hidden)
        self.stack.setCurrentWidget(self.lock_screen)
        self._set_session_actions(False)
        self.emergency_banner.hide()
        forget_unlocked_keys()
        now = self.ctx.clock()
        self.lock_screen.show_locked(account.display_name, now)
        if other:
            self.lock_screen.other_button.click()
        if not self.ctx.read_only:
            WriteOp(self, lambda db: record_session(db, LOCKED, now=now)) \
                .failure(lambda e: log.warning("the lock was not recorded: %s", e)) \
                .run_in_background(self.ctx.writer)

    def switch_user(self) -> None:
        """File ▸ Switch user: lock, with "Sign in as someone else" open."""
        self.lock(other=True)

    def _unlock(self, password: str) -> None:
        account = self.ctx.account
        if account is None:
            return
        self._sign_in_locked(account.username, password)

    def _switch(self, username: str, password: str) -> None:
        self._sign_in_locked(username, password)

    def _sign_in_locked(self, username: str, password: str) -> None:
        from consult_aid.services.accounts import sign_in
        from consult_aid.ui.operations import WriteOp

        now = self.ctx.clock()
        WriteOp(self, lambda db: sign_in(db, username, password, now=now)) \
            .success(lambda account: self._unlocked(account, password)) \
            .failure(lambda e: self._refused_on_lock(username, e)) \
            .run_in_background(self.ctx.writer)

    def _refused_on_lock(self, username: str, error: BaseException) -> None:
        from consult_aid.services.accounts import WRONG_PASSWORD
        from consult_aid.ui.errors import show_error

        if not isinstance(error, KnownError):
            show_error(self, error)
            return
        text = str(error)
        locked_for = self.ctx.account
        if (text == WRONG_PASSWORD and locked_for is not None
                and username.strip().lower() == locked_for.username):
            text = self.tr("The password is not right.")  # the user name was not typed here
        self.lock_screen.show_refusal(text)

    def _unlocked(self, account: Account, password: str) -> None:
        before = self.ctx.account
        if before is not None and account.id == before.id and not account.must_change_password:
            self._resume(account)
            return
        # someone else: the consult in progress is kept (saved) and they start afresh
        self._stop_keeping_hidden()
        for widget in self._hidden_windows:
            widget.close()
        self._hidden_windows = []
        self._before_lock = None
        if not self._leave_consult():
            self._leave_consult(force=True)  # saved at the lock; nothing changed since
        self.ctx.use_account(account)
        self._record_unlocked()
        self.locked = False
        self._after_sign_in(account, password)

    def _stop_keeping_hidden(self) -> None:
        if self._keep_hidden is not None:
            QApplication.instance().removeEventFilter(self._keep_hidden)  # type: ignore[union-attr]
            self._keep_hidden = None

    def _resume(self, account: Account) -> None:
        """The same person is back: where they were, with the consult."""
        self._stop_keeping_hidden()
        self.ctx.use_account(account)
        self.locked = False
        self._record_unlocked()
        page = self._before_lock
        self._before_lock = None
        if page is not None and self.stack.indexOf(page) >= 0:
            self.stack.setCurrentWidget(page)
        else:
            self.show_start()
        for widget in self._hidden_windows:
            widget.show()
        self._hidden_windows = []
        self._set_session_actions(True)
        self.refresh_emergency()
        self.idle.start()
        if self.consult_view is not None and page is self.consult_view:
            self.consult_view.page(self.consult_view.current_step()).focus_first()

    def _record_unlocked(self) -> None:
        from consult_aid.ui.account_session import UNLOCKED, record_session
        from consult_aid.ui.operations import WriteOp

        if self.ctx.read_only:
            return
        now = self.ctx.clock()
        WriteOp(self, lambda db: record_session(db, UNLOCKED, now=now)) \
            .failure(lambda e: log.warning("the unlock was not recorded: %s", e)) \
            .run_in_background(self.ctx.writer)

    # --- administrators -----------------------------------------------------------------------
    def show_accounts(self) -> None:
        """File ▸ Accounts (administrators)."""
        from consult_aid.domain.accounts import Permission

        account = self.ctx.account
        if not self._signed_in_now() or account is None or not account.may(
                Permission.MANAGE_ACCOUNTS) or not self._leave_consult(self.show_accounts):
            return
        self.stack.setCurrentWidget(self.accounts_view)
        self.accounts_view.open_for(account)

    def show_audit(self) -> None:
        """File ▸ Audit trail (administrators)."""
        from consult_aid.domain.accounts import Permission

        account = self.ctx.account
        if not self._signed_in_now() or account is None or not account.may(
                Permission.READ_AUDIT) or not self._leave_consult(self.show_audit):
            return
        self.stack.setCurrentWidget(self.audit_view)
        self.audit_view.open_for(account)

    # --- screens ------------------------------------------------------------------------------
    def needs_setup(self) -> bool:
        """Setup writes (the clinician, a signing key): never offered read-only. With accounts
        each clinician signs with an identity of their own: only the clinic is needed."""
        from consult_aid.services.accounts import has_accounts
        from consult_aid.services.clinic import current_clinician
        from consult_aid.services.clinic import needs_setup as clinic_needs_setup

        if self.ctx.read_only:
            return False
        if has_accounts(self.ctx.db):
            return current_clinician(self.ctx.db) is None
        return clinic_needs_setup(self.ctx.db, self.ctx.data)

    def back_up(self) -> None:
        """File ▸ Back up… and the start screen's "Back up now…"."""
        self.backup.back_up()

    def _hand_over_consult(self) -> None:
        """The open consult's latest state goes to the writer (before a backup)."""
        if self.consult_view is not None:
            self.consult_view.autosaver.flush()

    def show_start(self) -> None:
        if not self._signed_in_now():
            return
        if not self._leave_consult(self.show_start):
            return
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
            return
        self.start.refresh()
        self.stack.setCurrentWidget(self.start)
        self.start.search.setFocus()

    def show_archive(self) -> None:
        if not self._signed_in_now():
            return
        if not self._leave_consult(self.show_archive):
            return
        self.archive.refresh()
        self.stack.setCurrentWidget(self.archive)
        self.archive.search.setFocus()

    def show_insights(self) -> None:
        """View ▸ What patients find hard: counts over signed consults (an open consult is
        stored and closed first, as for the archive)."""
        if not self._signed_in_now():
            return
        if not self._leave_consult(self.show_insights):
            return
        self.insights_view.enter()
        self.stack.setCurrentWidget(self.insights_view)
        self.insights_view.pack.setFocus()

    def show_record(self, consult_id: str) -> None:
        """A signed consult's record from the archive: its PDF, addenda, reprint, export."""
        from consult_aid.services import consults
        from consult_aid.ui.errors import show_error

        if not self._signed_in_now():
            return
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
        if not self._signed_in_now():
            return
        if not self._leave_consult(self.show_settings):
            return
        if self.needs_setup():
            self.stack.setCurrentWidget(self.setup_page)
            return
        self.stack.setCurrentWidget(self.settings_page)
        self.settings_page.enter()

    def start_consult(self, patient: Patient, pack: Pack) -> None:
        from consult_aid.services import consults
        from consult_aid.services.clinic import clinician_for, current_clinician
        from consult_aid.ui.errors import show_error
        from consult_aid.ui.operations import WriteOp

        if self.ctx.read_only or not self._signed_in_now():
            return  # the start screen offers no Start; nothing is written read-only
        account = self.ctx.account
        if current_clinician(self.ctx.db) is None or account is None:
            self.show_start()
            return
        try:
            clinician = clinician_for(self.ctx.db, account)  # the consult names who runs it
        except KnownError as exc:
            show_error(self, exc)
            return
        now = self.ctx.clock()
        self.start.set_busy(True)
        WriteOp(self, lambda db: consults.start_consult(db, patient, clinician, pack, now)) \
            .success(lambda consult: self._open(consult, pack)) \
            .finally_(lambda: self.start.set_busy(False)) \
            .run_in_background(self.ctx.writer)

    def open_consult(self, consult_id: str) -> None:
        from consult_aid.services import consults
        from consult_aid.ui.errors import show_error

        if not self._signed_in_now():
            return
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
        from consult_aid.domain.accounts import Permission
        from consult_aid.ui.autosave import Autosaver
        from consult_aid.ui.consult_view import ConsultView
        from consult_aid.ui.documents_flow import DocumentActions
        from consult_aid.ui.session import ConsultSession
        from consult_aid.ui.signing_flow import SigningFlow
        from consult_aid.ui.steps import ReviewActions

        read_only = self.ctx.read_only
        session = ConsultSession(consult, pack, self.ctx.clock, database_read_only=read_only)
        session.may_sign = self.ctx.account is not None and self.ctx.account.may(Permission.SIGN)
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
        view.settled.connect(signing.prepare)  # the first Sign's slow work, in a pause
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
        from consult_aid.ui.errors import ask_save_failed

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
            from PySide6.QtCore import Qt

            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        elif QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()

    # --- settings -----------------------------------------------------------------------------
    def set_large_text(self, on: bool) -> None:
        """Apply at once; the settings file is written on the writer thread (in order, the
        newest replacing one not written yet), so the window never waits for the disk."""
        from consult_aid.services.settings import save_settings
        from consult_aid.ui.operations import WriteOp

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
        self._stop_keeping_hidden()  # closed while locked: other windows are not ours to hide
        self._pending_sign_in = None  # closed before the data folder was open: nothing to do
        if self.ready:
            self.ctx.writer.settle(self.save_wait_seconds)
            self.idle.stop()  # a closed window is never locked
        event.accept()

