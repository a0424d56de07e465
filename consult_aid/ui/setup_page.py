"""First run: the clinic and the clinician, and the signing password that protects the
clinician's signing key (the identity is created on a worker thread).

On a data folder with no accounts yet (:meth:`SetupPage.with_account`) the page makes the first
account too — administrator and clinician, named on records as the clinician — and asks for
its password instead of a signing password: the clinician signs with an identity of their own,
made at their first signature and locked by that password.

A signing key already in the data folder (the clinician row was lost, or the folder was set up
elsewhere) is never replaced: its password is asked instead, and checked by unlocking the key.
Only a data folder without a key gets a new one.

Signals: ``completed()`` once the clinician is stored and the identity exists;
``account_created(object)`` instead, with the :class:`Account`, when the first account was made
too (it is then signed in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import Clinician, Problem, ValidationError
from consult_aid.domain.accounts import username_problem
from consult_aid.domain.passwords import MIN_LENGTH, password_problem
from consult_aid.services.clinic import (
    MIN_PASSWORD,
    existing_identity,
    register_clinician,
)
from consult_aid.ui.context import AppContext
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

if TYPE_CHECKING:
    from consult_aid.services.clinic import SigningIdentity


class SetupPage(QWidget):
    completed = Signal()
    account_created = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        title = QLabel(self.tr("Welcome to Consult Aid"), self)
        title.setObjectName("pageTitle")
        intro = QLabel(self.tr(
            "Before the first consult: who signs the summaries, and for which clinic. The "
            "password protects your signing key; you type it each time you sign."), self)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        self.intro = intro
        clinic = ClinicForm(self)
        self.clinic, self.phone = clinic.clinic, clinic.phone
        self.out_of_hours, self.emergency = clinic.out_of_hours, clinic.emergency
        self.cost_note = clinic.cost_note
        person = PersonForm(self)
        self.name, self.credentials = person.name, person.credentials
        self.registration = person.registration
        self.clinic_form, self.person_form = clinic, person
        secret = Form(self)
        self.key_note = QLabel(self)
        self.key_note.setObjectName("hint")
        self.key_note.setWordWrap(True)
        self.key_note.setTextFormat(Qt.TextFormat.PlainText)
        secret.layout_.addRow(self.key_note)
        self.password = secret.add("password", self.tr("Signing pass&word"), QLineEdit())
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = secret.add("confirm", self.tr("Type it &again"), QLineEdit())
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self._secret = secret
        account = Form(self)
        self.username = account.add("username", self.tr("User na&me"), QLineEdit())
        self.username.setPlaceholderText(self.tr("to sign in with, e.g. srivera"))
        self.account_password = account.add("account_password", self.tr("Passwor&d"),
                                            QLineEdit())
        self.account_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.account_password.setPlaceholderText(
            self.tr("{n} characters or more; a short sentence works well").format(n=MIN_LENGTH))
        self.account_repeat = account.add("account_repeat", self.tr("Type i&t again"),
                                          QLineEdit())
        self.account_repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.account_repeat.returnPressed.connect(self.submit)
        align_captions(clinic, person, secret, account)  # fields line up group to group
        self._account = False
        self.existing: SigningIdentity | None = None
        self.errors = {**clinic.errors, **person.errors, **secret.errors, **account.errors}
        self.status = ErrorLabel(self)
        self.save_button = QPushButton(self.tr("&Save and continue"), self)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.submit)
        self.confirm.returnPressed.connect(self.submit)

        # the fields scroll when the window is small or the text large (never squeezed); the
        # message and "Save and continue" stay in view beneath them
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(group(self.tr("Clinic"), clinic))
        column.addWidget(group(self.tr("Clinician"), person))
        self.account_group = group(self.tr("Your account (administrator and clinician)"),
                                   account)
        self.account_group.hide()
        column.addWidget(self.account_group)
        self.secret_group = group(self.tr("Signing password"), secret)
        column.addWidget(self.secret_group)
        column.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        main = QVBoxLayout()
        main.addWidget(self.scroll_area, 1)
        main.addWidget(self.status)
        main.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(main, 4)
        outer.addStretch(1)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.refresh()
        super().showEvent(event)
        # the first field has the focus, never "Save and continue" (a space would press it)
        QTimer.singleShot(0, lambda: self.clinic.setFocus(Qt.FocusReason.OtherFocusReason))

    def refresh(self) -> None:
        """Look for a signing key in the data folder: reuse it, or offer to create one."""
        try:
            self.existing = existing_identity(self.ctx.data)
        except Exception as exc:  # a damaged certificate file: say so, never overwrite it
            self.existing = None
            self.key_note.setText(str(exc))
            self.save_button.setEnabled(False)
            return
        self.save_button.setEnabled(True)
        self.secret_group.show()
        reuse = self.existing is not None
        # Form.add puts each control in its own row box, so the parent is always there
        confirm_row = cast(QWidget, self.confirm.parentWidget())
        self._secret.layout_.setRowVisible(confirm_row, not reuse)
        if self.existing is not None:
            self.secret_group.setTitle(self.tr("Your signing key"))
            self.key_note.setText(self.tr(
                "This data folder already holds a signing key, for {who}. Type its password to "
                "go on using it; it is kept, not replaced.").format(who=self.existing.subject))
            self.password.setAccessibleName(self.tr("Password of the existing signing key"))
            if not self.name.text():
                self.name.setText(self.existing.common_name)
        elif self._account:  # the account's own identity is made at its first signature
            self.secret_group.hide()
        else:
            self.secret_group.setTitle(self.tr("Signing password"))
            self.key_note.setText(self.tr(
                "A new signing key is made for you, locked by this password."))
            self.password.setAccessibleName(self.tr("Signing password"))
        self.key_note.setVisible(True)

    def with_account(self, on: bool) -> None:
        """Make the folder's first account too (a folder with none)."""
        self._account = on
        self.account_group.setVisible(on)
        if on:
            self.intro.setText(self.tr(
                "Before the first consult: your clinic, and you — the clinician who signs the "
                "summaries. Everyone signs in with an account of their own; yours is the "
                "first, and you add the others later. Your password also unlocks your signing "
                "key each time you sign."))
        self.refresh()

    def _account_problems(self) -> list[Problem]:
        name = self.username.text().strip().lower()
        problem = username_problem(name)
        if problem:
            return [Problem("username", problem)]
        problem = password_problem(self.account_password.text(), name,
                                   self.name.text().strip())
        if problem:
            return [Problem("account_password", problem)]
        if self.account_repeat.text() != self.account_password.text():
            return [Problem("account_repeat", self.tr("The two passwords differ; type them "
                                                      "again."))]
        return []

    def problems(self) -> list[Problem]:
        clinician = self._clinician()
        problems = clinician.problems()
        if self._account:
            problems += self._account_problems()
            if self.existing is not None and not self.password.text():
                problems.append(Problem("password", self.tr(
                    "Type the password of the existing signing key.")))
            return problems
        if self.existing is not None:
            if not self.password.text():
                problems.append(Problem("password", self.tr(
                    "Type the password of the existing signing key.")))
        elif len(self.password.text()) < MIN_PASSWORD:
            problems.append(Problem("password", self.tr(
                "Choose a password of at least {n} characters.").format(n=MIN_PASSWORD)))
        elif self.password.text() != self.confirm.text():
            problems.append(Problem("confirm", self.tr("The two passwords differ; type them "
                                                       "again.")))
        return problems

    def _clinician(self) -> Clinician:
        return clinician_from(self.clinic_form, self.person_form)

    def submit(self) -> None:
        problems = self.problems()
        show_problems(self.errors, problems)
        if problems:
            return
        clinician, password = self._clinician(), self.password.text()
        data, now = self.ctx.data, self.ctx.clock()
        self.save_button.setEnabled(False)
        if self._account:
            from consult_aid.ui.account_session import set_up_with_account

            username = self.username.text().strip().lower()
            account_password = self.account_password.text()
            folder_password = password if self.existing is not None else None
            self.status.show_message(self.tr("Making your account…"))
            WriteOp(self, lambda db: set_up_with_account(
                db, data, clinician, username, account_password,
                folder_password=folder_password, now=now)) \
                .success(self._account_done).failure(self._failed) \
                .run_in_background(self.ctx.writer)
            return
        self.status.show_message(
            self.tr("Checking the password of your signing key…") if self.existing is not None
            else self.tr("Creating your signing key…"))
        WriteOp(self, lambda db: register_clinician(db, data, clinician, password=password,
                                                    now=now)) \
            .success(lambda _c: self._done()).failure(self._failed) \
            .run_in_background(self.ctx.writer)

    def _account_done(self, account: object) -> None:
        for field in (self.password, self.confirm, self.account_password, self.account_repeat):
            field.clear()
        self.status.show_message("")
        self.save_button.setEnabled(True)
        self._account = False
        self.account_group.hide()
        self.account_created.emit(account)

    def _done(self) -> None:
        self.password.clear()
        self.confirm.clear()
        self.status.show_message("")
        self.save_button.setEnabled(True)
        self.completed.emit()

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.status.show_message("")
        if isinstance(error, ValidationError) and any(p.field == "password"
                                                      for p in error.problems):
            show_problems(self.errors, error.problems)
            self.password.selectAll()
            self.password.setFocus()
            return
        self.refresh()
        show_error(self, error)
