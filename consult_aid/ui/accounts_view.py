"""Accounts, for administrators: who may use Consult Aid and in which role; a password reset
(which ends a lockout); roles; deactivation (accounts are never deleted: the audit trail names
them); the clinic's emergency code.

Every change is a service call on the writer thread, refused there for anyone who is not an
administrator, and audited. Keyboard: the list (Alt+L), Alt+N/Alt+R/Alt+P the new
account's fields, Alt+A adds it; for the selected account Alt+E reset, Alt+O apply the roles,
Alt+D deactivate (Alt+T reactivate); Alt+M a new emergency code; Alt+B or Escape goes back.

Signals: ``back_requested()``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain.accounts import Account, Role
from consult_aid.errors import KnownError
from consult_aid.services import accounts, emergency
from consult_aid.services.store import Store
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import WriteOp

AskPassword = Callable[[QWidget, str], str | None]
ShowCode = Callable[[QWidget, str], None]
_ROLE_ORDER = (Role.CLINICIAN, Role.ASSISTANT, Role.ADMINISTRATOR)


def ask_new_password(parent: QWidget, username: str) -> str | None:
    text, ok = QInputDialog.getText(
        parent, parent.tr("Reset the password"),
        parent.tr("A new password for {name} (12 characters or more). They must change it "
                  "when they next sign in:").format(name=username),
        QLineEdit.EchoMode.Password)
    return text if ok and text else None


def show_emergency_code(parent: QWidget, code: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, parent.tr("Emergency code"), parent.tr(
        "The clinic's new emergency code is:\n\n{code}\n\nWrite it down or print it now and "
        "keep it sealed in a safe place: it is not shown again. It lets someone set a new "
        "password for an administrator account if every administrator is locked out; its use "
        "is recorded and shown to everyone until acknowledged. The older code no longer "
        "works.").format(code=code), QMessageBox.StandardButton.Ok, parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


class AccountsView(QWidget):
    back_requested = Signal()

    def __init__(self, ctx: AppContext, *, ask_password: AskPassword = ask_new_password,
                 show_code: ShowCode = show_emergency_code,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ask_password = ask_password
        self.show_code = show_code
        self.actor: Account | None = None
        self.accounts: list[Account] = []
        title = QLabel(self.tr("Accounts"), self)
        title.setObjectName("pageTitle")
        list_label = QLabel(self.tr("&List of accounts"), self)
        self.list = QListWidget(self)
        list_label.setBuddy(self.list)
        self.list.currentRowChanged.connect(self._selected)
        # the selected account
        chosen = QGroupBox(self.tr("The selected account"), self)
        self.role_boxes = {role: QCheckBox(role.label, chosen) for role in _ROLE_ORDER}
        self.apply_roles_button = QPushButton(self.tr("Apply the r&oles"), chosen)
        self.apply_roles_button.clicked.connect(self.apply_roles)
        self.reset_button = QPushButton(self.tr("R&eset the password…"), chosen)
        self.reset_button.clicked.connect(self.reset_password)
        self.active_button = QPushButton(self.tr("&Deactivate"), chosen)
        self.active_button.clicked.connect(self.toggle_active)
        roles_row = QHBoxLayout()
        for box in self.role_boxes.values():
            roles_row.addWidget(box)
        roles_row.addStretch(1)
        chosen_layout = QVBoxLayout(chosen)
        chosen_layout.addLayout(roles_row)
        buttons = QHBoxLayout()
        for button in (self.apply_roles_button, self.reset_button, self.active_button):
            buttons.addWidget(button)
        chosen_layout.addLayout(buttons)
        # a new account
        new = QGroupBox(self.tr("A new account"), self)
        self.new_username = QLineEdit(new)
        self.new_name = QLineEdit(new)
        self.new_password = QLineEdit(new)
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_roles = {role: QCheckBox(role.label, new) for role in _ROLE_ORDER}
        form = QFormLayout(new)
        form.addRow(self.tr("User &name"), self.new_username)
        form.addRow(self.tr("Name on &records"), self.new_name)
        form.addRow(self.tr("First &password"), self.new_password)
        new_roles_row = QHBoxLayout()
        for box in self.new_roles.values():
            new_roles_row.addWidget(box)
        form.addRow(self.tr("Roles"), new_roles_row)
        self.add_button = QPushButton(self.tr("&Add the account"), new)
        self.add_button.setObjectName("primary")
        self.add_button.clicked.connect(self.add_account)
        form.addRow("", self.add_button)
        self.message = QLabel(self)
        self.message.setObjectName("hint")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.code_button = QPushButton(self.tr("&Make a new emergency code…"), self)
        self.code_button.clicked.connect(self.new_emergency_code)
        back = QPushButton(self.tr("← &Back"), self)
        back.clicked.connect(self.back_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        right = QVBoxLayout()
        right.addWidget(chosen)
        right.addWidget(new)
        right.addWidget(self.message)
        right.addStretch(1)
        right.addWidget(self.code_button)
        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.list, 1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(back)
        bottom.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

    # --- reading --------------------------------------------------------------------------
    def open_for(self, actor: Account) -> None:
        self.actor = actor
        self.message.clear()
        self.reload()
        self.list.setFocus()

    def reload(self, select: str | None = None) -> None:
        actor = self.actor
        if actor is None:
            return
        WriteOp(self, lambda db: accounts.list_accounts(db, actor)) \
            .success(lambda listed: self._listed(listed, select)).failure(self._failed) \
            .run_in_background(self.ctx.writer)

    def _listed(self, listed: list[Account], select: str | None) -> None:
        self.accounts = listed
        self.list.clear()
        for a in listed:
            state = "" if a.active else self.tr(" — deactivated")
            item = QListWidgetItem(f"{a.display_name} ({a.username}) · {a.roles_text}{state}")
            self.list.addItem(item)
        names = [a.username for a in listed]
        self.list.setCurrentRow(names.index(select) if select in names else 0)

    def selected(self) -> Account | None:
        row = self.list.currentRow()
        return self.accounts[row] if 0 <= row < len(self.accounts) else None

    def _selected(self, _row: int) -> None:
        account = self.selected()
        for role, box in self.role_boxes.items():
            box.setChecked(account is not None and role in account.roles)
        self.active_button.setText(self.tr("&Deactivate") if account is None or account.active
                                   else self.tr("Reac&tivate"))

    # --- changes --------------------------------------------------------------------------
    def _run(self, work: Callable[[Store], object], done: str, select: str | None) -> None:
        WriteOp(self, work).success(lambda _r: self._done(done, select)) \
            .failure(self._failed).run_in_background(self.ctx.writer)

    def _done(self, text: str, select: str | None) -> None:
        self.message.setText(text)
        self.reload(select)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, KnownError):
            self.message.setText(str(error))
        else:
            show_error(self, error)

    def add_account(self) -> None:
        actor = self.actor
        roles = frozenset(r for r, box in self.new_roles.items() if box.isChecked())
        username, name = self.new_username.text().strip().lower(), self.new_name.text().strip()
        password, now = self.new_password.text(), self.ctx.clock()
        if actor is None:
            return
        self._run(lambda db: accounts.create_account(db, actor, username, name, roles,
                                                     password, now=now),
                  self.tr("Added {name}. They choose their own password when they first "
                          "sign in.").format(name=username), username)
        self.new_password.clear()

    def apply_roles(self) -> None:
        actor, target = self.actor, self.selected()
        if actor is None or target is None:
            return
        roles = frozenset(r for r, box in self.role_boxes.items() if box.isChecked())
        now = self.ctx.clock()
        self._run(lambda db: accounts.set_roles(db, actor, target.username, roles, now=now),
                  self.tr("Roles of {name} changed.").format(name=target.username),
                  target.username)

    def reset_password(self) -> None:
        actor, target = self.actor, self.selected()
        if actor is None or target is None:
            return
        password = self.ask_password(self, target.username)
        if password is None:
            return
        now = self.ctx.clock()
        self._run(lambda db: accounts.reset_password(db, actor, target.username, password,
                                                     now=now),
                  self.tr("New password set for {name}; they change it at their next "
                          "sign-in.").format(name=target.username), target.username)

    def toggle_active(self) -> None:
        actor, target = self.actor, self.selected()
        if actor is None or target is None:
            return
        now, active = self.ctx.clock(), not target.active
        self._run(lambda db: accounts.set_active(db, actor, target.username, active, now=now),
                  (self.tr("{name} is active again.") if active
                   else self.tr("{name} is deactivated.")).format(name=target.username),
                  target.username)

    def new_emergency_code(self) -> None:
        actor = self.actor
        if actor is None:
            return
        now = self.ctx.clock()
        WriteOp(self, lambda db: emergency.issue_code(db, actor, now=now)) \
            .success(lambda code: self.show_code(self, code)).failure(self._failed) \
            .run_in_background(self.ctx.writer)
