"""Settings, after the first run: the clinic and the clinician (checked as at setup), the
display and paper, and your password (the account's, which unlocks your signing key too).

Each part has its own action: "Save details" stores the clinic and clinician fields (only the
names of the changed fields go to the audit log), larger text applies at once (the View menu's
action, kept in step with it), the backup reminder (days) is stored as it changes, and "Change
password" changes the signed-in account's password and locks its signing key with it, on the
database writer thread (the key is encrypted again, never replaced by a new one).

With the database open read-only nothing here can be saved: the page says so and only larger
text (applied, not remembered) can be changed.

Escape or Back returns to the start screen; unsaved details are kept on the first press, with
a word that they are unsaved, and given up on the second.

Signals: ``back_requested()``; ``idle_minutes_changed(int)`` (the idle lock, saved).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import Clinician, Problem, ValidationError
from consult_aid.domain.accounts import Permission
from consult_aid.domain.passwords import password_problem
from consult_aid.errors import InputError, KnownError
from consult_aid.services.clinic import current_clinician, update_clinician
from consult_aid.services.settings import (
    BACKUP_REMINDER_DAYS,
    IDLE_LOCK_MINUTES,
    UiSettings,
    save_server,
    save_settings,
    saved_server,
)
from consult_aid.services.store import Store
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import default_paper
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.widgets.clinic_form import ClinicForm, PersonForm, clinician_from
from consult_aid.ui.widgets.fields import (
    ErrorLabel,
    Form,
    align_captions,
    group,
    show_problems,
)

PAPERS = (("a4", "A4"), ("letter", "US Letter"))


def say(label: ErrorLabel, text: str, state: str = "") -> None:
    """A message in a status line: "" (done, calm green), "held" (amber), "failed" (red)."""
    label.setProperty("state", state)
    label.style().unpolish(label)
    label.style().polish(label)
    label.show_message(text)


def stored_paper(settings: UiSettings) -> str | None:
    """The paper the window's settings name ("a4" or "letter"), or None while the settings
    hold no paper size (the control is hidden then; documents follow the computer's locale)."""
    value = getattr(settings, "paper", None)
    if not isinstance(value, str):
        return None
    return value if value in dict(PAPERS) else default_paper()


class SettingsPage(QWidget):
    back_requested = Signal()
    idle_minutes_changed = Signal(int)

    def __init__(self, ctx: AppContext, large_text: QAction,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._leaving = False  # Back was pressed once with unsaved details
        title = QLabel(self.tr("Settings"), self)
        title.setObjectName("pageTitle")
        intro = QLabel(self.tr(
            "Changes to the clinic and to you apply to consults started from now on; consults "
            "already started keep the details they began with."), self)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        self.read_only_note = QLabel(self.tr(
            "The database is open read-only: nothing on this page can be saved. Larger text "
            "applies until Consult Aid closes."), self)
        self.read_only_note.setObjectName("readOnlyBanner")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setVisible(ctx.read_only)
        clinic = self._clinic_form()
        person = self._person_form()
        self.clinic_form, self.person_form = clinic, person
        self.details_errors = {**clinic.errors, **person.errors}
        self.details_status = ErrorLabel(self)
        self.details_status.setObjectName("savedLabel")
        self.save_button = QPushButton(self.tr("&Save details"), self)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save_details)
        display = self._display_form(large_text)
        backups = self._backup_form()
        secret = self._password_form()
        archive = self._archive_form()
        self._enable_for_account()
        align_captions(clinic, person, display, backups, secret, archive)  # line up

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(self.read_only_note)
        column.addWidget(group(self.tr("Clinic"), clinic))
        column.addWidget(group(self.tr("Clinician"), person))
        save_row = QHBoxLayout()
        save_row.addWidget(self.details_status, 1)
        save_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        column.addLayout(save_row)
        column.addWidget(group(self.tr("Display and printing"), display))
        column.addWidget(group(self.tr("Backups"), backups))
        column.addWidget(group(self.tr("Signing password"), secret))
        column.addWidget(group(self.tr("Shared archive"), archive))
        column.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        self.back_button = QPushButton(self.tr("&Back"), self)
        self.back_button.setAccessibleName(self.tr("Back to the start screen"))
        self.back_button.clicked.connect(self.go_back)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.go_back)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        main = QVBoxLayout()
        main.addWidget(self.scroll_area, 1)
        main.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(main, 4)
        outer.addStretch(1)
        if ctx.read_only:
            for part in (clinic, person, secret, backups, archive, self.save_button,
                         self.paper):
                part.setEnabled(False)
        # a field reached by its Alt key is scrolled into view, as one reached by Tab
        cast(QApplication, QApplication.instance()).focusChanged.connect(self._follow_focus)

    def _follow_focus(self, old: QWidget | None, new: QWidget | None) -> None:
        content = self.scroll_area.widget()
        if new is not None and old is not None and self.isVisible() and content is not None \
                and content.isAncestorOf(new):
            self.scroll_area.ensureWidgetVisible(new, 8, self.fontMetrics().height() * 2)

    # --- building -----------------------------------------------------------------------------
    def _clinic_form(self) -> ClinicForm:
        clinic = ClinicForm(self)
        self.clinic, self.phone = clinic.clinic, clinic.phone
        self.out_of_hours, self.emergency = clinic.out_of_hours, clinic.emergency
        self.cost_note = clinic.cost_note
        return clinic

    def _person_form(self) -> PersonForm:
        person = PersonForm(self)
        self.name, self.credentials = person.name, person.credentials
        self.registration = person.registration
        note = QLabel(self.tr("Your signing certificate keeps the name it was made with."),
                      person)
        note.setObjectName("hint")
        note.setWordWrap(True)
        person.layout_.addRow(note)
        return person

    def _display_form(self, large_text: QAction) -> Form:
        display = Form(self)
        self.large_text = QCheckBox(self.tr("Larger &text"), display)
        self.large_text.setChecked(large_text.isChecked())
        # the View menu's action does the work (applies the theme, remembers it); the two stay
        # in step whichever is used
        self.large_text.toggled.connect(large_text.setChecked)
        large_text.toggled.connect(self.large_text.setChecked)
        display.layout_.addRow(self.large_text)
        self.paper = display.add("paper", self.tr("Paper si&ze"), QComboBox())
        for key, name in PAPERS:
            self.paper.addItem(name, key)
        display.set_row_visible(self.paper, stored_paper(self.ctx.settings) is not None)
        self.paper.activated.connect(self._paper_chosen)
        return display

    def _backup_form(self) -> Form:
        backups = Form(self)
        low, high = BACKUP_REMINDER_DAYS
        self.backup_days = backups.add("backup_reminder_days",
                                       self.tr("Re&mind me to back up after"), QSpinBox())
        self.backup_days.setRange(low, high)
        self.backup_days.setSuffix(self.tr(" days"))
        self.backup_days.setAccessibleName(self.tr("Backup reminder, in days"))
        self.backup_days.setValue(self.ctx.settings.backup_reminder_days)
        self.backup_days.valueChanged.connect(self._backup_days_changed)
        hint = QLabel(self.tr(
            "The start screen says so when the last backup is older than this. Back up from "
            "the File menu."), backups)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        backups.layout_.addRow(hint)
        low, high = IDLE_LOCK_MINUTES
        self.idle_minutes = backups.add("idle_lock_minutes",
                                        self.tr("Loc&k the window after"), QSpinBox())
        self.idle_minutes.setRange(low, high)
        self.idle_minutes.setSuffix(self.tr(" minutes without use"))
        self.idle_minutes.setAccessibleName(self.tr("Idle lock, in minutes"))
        self.idle_minutes.setValue(self.ctx.settings.idle_lock_minutes)
        # wide enough for its longest value with the suffix (it was cut: "5 minutes without u")
        self.idle_minutes.setMinimumWidth(
            self.idle_minutes.fontMetrics().horizontalAdvance(
                f"{high}{self.idle_minutes.suffix()}") + 48)
        self.idle_minutes.valueChanged.connect(self._idle_minutes_changed)
        return backups

    def _archive_form(self) -> Form:
        archive = Form(self)
        hint = QLabel(self.tr(
            "A clinic with several rooms keeps one archive on its PostgreSQL server: type its "
            "address (postgresql://USER@SERVER/DATABASE) and press Verify and use. Leave it empty "
            "for this PC's own archive. Applies the next time Consult Aid starts. The password "
            "is never typed here: it comes from the system keyring or a password file (see the "
            "README)."), archive)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        archive.layout_.addRow(hint)
        self.server = archive.add("database", self.tr("C&linic server"), QLineEdit())
        self.server.setPlaceholderText("postgresql://consult@clinic-server/consult_aid")
        self.server.setMaxLength(1000)
        self.server.setAccessibleName(self.tr("Shared archive server address"))
        self.server.returnPressed.connect(self.use_server)
        self.server_status, self.server_button = self._action_row(
            archive, self.tr("Verif&y and use"), self.use_server)
        self.server_errors = archive.errors
        return archive

    def use_server(self) -> None:
        """Check the address (the server is asked, on the writer thread) and save it."""
        text, data = self.server.text(), self.ctx.data
        show_problems(self.server_errors, [])
        self.server_button.setEnabled(False)
        say(self.server_status, self.tr("Asking the server…") if text.strip() else "", "held")
        WriteOp(self, lambda db: save_server(db, data, text)) \
            .success(self._server_saved) \
            .failure(self._server_failed) \
            .finally_(lambda: self.server_button.setEnabled(True)) \
            .run_in_background(self.ctx.writer)

    def _server_saved(self, text: str) -> None:
        self.server.setText(text)
        say(self.server_status, self.tr(
            "Saved: Consult Aid uses the clinic's server from its next start.") if text
            else self.tr("Saved: Consult Aid uses this PC's own archive from its next start."))

    def _server_failed(self, error: BaseException) -> None:
        say(self.server_status, "")
        if isinstance(error, KnownError):  # a malformed address, a server that did not answer
            show_problems(self.server_errors, [Problem("database", str(error))])
            self.server.selectAll()
            self.server.setFocus()
            return
        show_error(self, error)

    def _enable_for_account(self) -> None:
        """The idle lock and the shared archive are the clinic's: only an account that may
        change the clinic's settings changes them (the services refuse anyone else)."""
        account = self.ctx.account
        allowed = (not self.ctx.read_only and account is not None
                   and account.may(Permission.CLINIC_SETTINGS))
        self.idle_minutes.setEnabled(allowed)
        self.idle_minutes.setToolTip("" if allowed
                                     else self.tr("An administrator sets the idle lock."))
        for part in (self.server, self.server_button):
            part.setEnabled(allowed)
            part.setToolTip("" if allowed
                            else self.tr("An administrator sets the shared archive."))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self._enable_for_account()  # who is signed in may have changed since it was built
        super().showEvent(event)

    def _idle_minutes_changed(self, minutes: int) -> None:
        if self.ctx.read_only or minutes == self.ctx.settings.idle_lock_minutes:
            return
        self.ctx.settings.idle_lock_minutes = minutes
        data, settings = self.ctx.data, dataclasses.replace(self.ctx.settings)
        WriteOp(self, lambda db: save_settings(db, data, settings)) \
            .success(lambda _r: self.idle_minutes_changed.emit(minutes)) \
            .run_in_background(self.ctx.writer, coalesce="settings")

    def _backup_days_changed(self, days: int) -> None:
        if self.ctx.read_only or days == self.ctx.settings.backup_reminder_days:
            return  # shown, not changed (or nothing may be saved)
        self.ctx.settings.backup_reminder_days = days
        data, settings = self.ctx.data, dataclasses.replace(self.ctx.settings)
        WriteOp(self, lambda db: save_settings(db, data, settings)) \
            .run_in_background(self.ctx.writer, coalesce="settings")

    def _password_form(self) -> Form:
        secret = Form(self)
        hint = QLabel(self.tr(
            "Your password signs you in and unlocks your signing key; the key stays the same. "
            "The old password stops working."), secret)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        secret.layout_.addRow(hint)
        self.current_password = secret.add("current_password", self.tr("Current pass&word"),
                                           QLineEdit())
        self.new_password = secret.add("new_password", self.tr("New passwor&d"), QLineEdit())
        self.confirm_password = secret.add("confirm_password",
                                           self.tr("Type the new one &again"), QLineEdit())
        for edit in (self.current_password, self.new_password, self.confirm_password):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_password.returnPressed.connect(self.change_password)
        self.password_errors = secret.errors
        self.password_status, self.password_button = self._action_row(
            secret, self.tr("C&hange password"), self.change_password)
        return secret

    def _action_row(self, form: Form, text: str, action: Callable[[], None]
                    ) -> tuple[ErrorLabel, QPushButton]:
        """The last row of a group: what happened (a status line), then its button."""
        status = ErrorLabel(self)
        status.setObjectName("savedLabel")
        button = QPushButton(text, self)
        button.clicked.connect(action)
        row = QWidget(form)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(status, 1)
        line.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
        form.layout_.addRow(row)
        return status, button

    # --- showing ------------------------------------------------------------------------------
    def enter(self) -> None:
        """Show the stored values, nothing typed or said before, the first field in focus."""
        self.load()
        for edit in (self.current_password, self.new_password, self.confirm_password):
            edit.clear()
        show_problems(self.details_errors, [])
        show_problems(self.password_errors, [])
        self.details_status.show_message("")
        self.password_status.show_message("")
        self._leaving = False
        self.scroll_area.verticalScrollBar().setValue(0)
        self.clinic.setFocus(Qt.FocusReason.OtherFocusReason)

    def load(self) -> None:
        clinician = current_clinician(self.ctx.db) or Clinician(name="")
        self.clinic_form.load(clinician)
        self.person_form.load(clinician)
        paper = stored_paper(self.ctx.settings)
        if paper is not None:
            self.paper.setCurrentIndex(self.paper.findData(paper))
        self.backup_days.setValue(self.ctx.settings.backup_reminder_days)
        self.server.setText(saved_server(self.ctx.data))

    def go_back(self) -> None:
        """Back to the start screen; unsaved details are named once before they are given up."""
        if self.has_unsaved_details() and not self._leaving:
            self._leaving = True
            say(self.details_status, self.tr(
                "The details are not saved yet: press Save details, or Back again to leave "
                "without them."), "held")
            return
        self._leaving = False
        self.back_requested.emit()

    def has_unsaved_details(self) -> bool:
        stored = current_clinician(self.ctx.db)
        return stored is not None and dataclasses.replace(self.details(), id=stored.id) != stored

    # --- the clinic and the clinician ---------------------------------------------------------
    def details(self) -> Clinician:
        return clinician_from(self.clinic_form, self.person_form)

    def save_details(self) -> None:
        clinician = self.details()
        problems = clinician.problems()
        show_problems(self.details_errors, problems)
        self._leaving = False
        if problems:
            say(self.details_status, self.tr("Nothing was saved: see the messages above."),
                "failed")
            return
        now = self.ctx.clock()
        self.save_button.setEnabled(False)
        WriteOp(self, lambda db: update_clinician(db, clinician, now=now)) \
            .success(lambda result: self._details_saved(result[1])) \
            .failure(self._details_failed) \
            .finally_(lambda: self.save_button.setEnabled(True)) \
            .run_in_background(self.ctx.writer)

    def _details_saved(self, changed: list[str]) -> None:
        self.load()
        if not changed:
            say(self.details_status, self.tr("Nothing had changed."))
            return
        names = ", ".join(self._field_name(f) for f in changed)
        say(self.details_status, self.tr("Saved: {fields}.").format(fields=names))

    def _details_failed(self, error: BaseException) -> None:
        say(self.details_status, "")
        if isinstance(error, ValidationError):
            rest = show_problems(self.details_errors, error.problems)
            if not rest:
                return
        show_error(self, error)

    def _field_name(self, field: str) -> str:
        names = {"clinic": self.tr("clinic name"), "clinic_phone": self.tr("clinic phone"),
                 "out_of_hours_phone": self.tr("out-of-hours phone"),
                 "emergency_number": self.tr("emergency number"),
                 "cost_note": self.tr("cost and insurance"), "name": self.tr("your name"),
                 "credentials": self.tr("credentials"),
                 "registration": self.tr("registration number")}
        return names.get(field, field)

    # --- paper --------------------------------------------------------------------------------
    def _paper_chosen(self, _index: int) -> None:
        paper = str(self.paper.currentData())
        if stored_paper(self.ctx.settings) in (None, paper):
            return
        setattr(self.ctx.settings, "paper", paper)  # noqa: B010 - a field not every version has
        data, settings = self.ctx.data, dataclasses.replace(self.ctx.settings)
        WriteOp(self, lambda db: save_settings(db, data, settings)) \
            .run_in_background(self.ctx.writer, coalesce="settings")

    # --- the account's password ---------------------------------------------------------------
    def password_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        if not self.current_password.text():
            problems.append(Problem("current_password", self.tr(
                "Type the password you sign in with now.")))
        account = self.ctx.account
        weak = password_problem(self.new_password.text(),
                                account.username if account else "",
                                account.display_name if account else "")
        if weak:
            problems.append(Problem("new_password", weak))
        elif self.new_password.text() != self.confirm_password.text():
            problems.append(Problem("confirm_password", self.tr(
                "The two new passwords differ; type them again.")))
        return problems

    def change_password(self) -> None:
        problems = self.password_problems()
        show_problems(self.password_errors, problems)
        self.password_status.show_message("")
        if problems:
            return
        current, new = self.current_password.text(), self.new_password.text()
        data, now, account = self.ctx.data, self.ctx.clock(), self.ctx.account
        if account is None:
            return
        self.password_button.setEnabled(False)
        say(self.password_status, self.tr("Changing your password…"), "held")

        def work(db: Store) -> None:
            from consult_aid.services.identities import change_account_password

            change_account_password(db, data, account, current, new, now=now)

        WriteOp(self, work) \
            .success(lambda _identity: self._password_changed()) \
            .failure(self._password_failed) \
            .finally_(lambda: self.password_button.setEnabled(True)) \
            .run_in_background(self.ctx.writer)

    def _password_changed(self) -> None:
        for edit in (self.current_password, self.new_password, self.confirm_password):
            edit.clear()
        say(self.password_status, self.tr(
            "Password changed. Sign in and sign with the new password from now on."))

    def _password_failed(self, error: BaseException) -> None:
        say(self.password_status, "")
        if isinstance(error, InputError):  # a wrong current password, or a weak new one
            field = "current_password" if "current password" in str(error) else "new_password"
            error = ValidationError([Problem(field, str(error))])
        if isinstance(error, ValidationError):
            rest = show_problems(self.password_errors, error.problems)
            wrong = self.current_password if any(
                p.field == "current_password" for p in error.problems) else self.new_password
            wrong.selectAll()
            wrong.setFocus()
            if not rest:
                return
        show_error(self, error)
