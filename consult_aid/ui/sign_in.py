"""Signing in, and making a data folder's first account: pages the window shows before any
patient detail.

:class:`SignInPage` asks for a user name and password; after a refusal with a wait, its button
counts the seconds down. :class:`FirstAccountPage` makes the first account (administrator and
clinician) of a folder that has none, checking the password's strength as it is typed.

A folder set up before accounts (a clinic and its one signing identity, no account) shows
FirstAccountPage with one more field, the folder's signing password: the first account takes
the folder's identity over, so what was signed stays the clinic's. :class:`NewPasswordPage`
asks for a new password right after a sign-in with a password an administrator set.

Signals: SignInPage ``sign_in_requested(str, str)`` (user name, password), ``quit_requested()``;
FirstAccountPage ``create_requested(str, str, str)`` (user name, name on records, password;
``folder_password`` is read from the page); NewPasswordPage ``change_requested(str)``.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# What checks a new account's name and password is imported by the pages that make one: the
# sign-in page, a start's first screen, needs neither (issue 16: start-up).


PLAIN_TEXT = "PlainText"  # Qt.TextFormat.PlainText, by its name


def plain_text(label: QLabel) -> QLabel:
    """``label`` shows its text as it is (never as markup: names and reasons typed by people).

    Set through Qt's property system: PySide6 builds every enum of its ``Qt`` namespace (about
    90) the first time ``Qt`` is used, about 25 ms, which the sign-in page, a start's first
    screen, does not need to pay (issue 16: start-up). By the enum's name, not its number: an
    int handed to ``setProperty`` makes PySide6 build QByteArray's type first (~1.5 ms)."""
    label.setProperty("textFormat", PLAIN_TEXT)
    return label


def _centred(page: QWidget, panel: QFrame) -> None:
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(panel, 3)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)


def centred_panel(page: QWidget, title: str, intro: str = "") -> tuple[QFrame, QVBoxLayout,
                                                                      QLabel]:
    """A white panel in the middle of ``page`` with a title and an intro line (returned, to
    change later); the caller adds its fields to the column."""
    panel = QFrame(page)
    panel.setObjectName("lockPanel")
    panel.setMaximumWidth(640)
    heading = QLabel(title, panel)
    heading.setObjectName("pageTitle")
    text = QLabel(intro, panel)
    text.setWordWrap(True)
    plain_text(text)
    column = QVBoxLayout(panel)
    column.setContentsMargins(32, 28, 32, 28)
    column.setSpacing(12)
    column.addWidget(heading)
    column.addWidget(text)
    _centred(page, panel)
    return panel, column, text


def error_label(parent: QWidget) -> QLabel:
    """A hidden, red, wrapped label for what went wrong."""
    label = QLabel(parent)
    label.setObjectName("fieldError")
    plain_text(label)
    label.setWordWrap(True)
    label.hide()
    return label


def labelled_fields(panel: QWidget, column: QVBoxLayout,
                    rows: tuple[tuple[str, QLineEdit], ...]) -> QLabel:
    """The fields with their labels (Alt shortcuts) in a form on ``column``, and an error
    label under them (returned)."""
    form = QFormLayout()
    for text, field in rows:
        label = QLabel(text, panel)
        label.setBuddy(field)
        form.addRow(label, field)
    column.addLayout(form)
    message = error_label(panel)
    column.addWidget(message)
    return message


class SignInPage(QWidget):
    sign_in_requested = Signal(str, str)
    quit_requested = Signal()

    def __init__(self, clinic: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        panel, column, self.intro = centred_panel(self, self.tr("Sign in to Consult Aid"))
        self.set_clinic(clinic)
        self.username = QLineEdit(panel)
        self.username.setAccessibleName(self.tr("User name"))
        self.password = QLineEdit(panel)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        self.message = labelled_fields(panel, column, ((self.tr("User &name"), self.username),
                                                       (self.tr("&Password"), self.password)))
        self.sign_in_button = QPushButton(self.tr("&Sign in"), panel)
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.clicked.connect(self._submit)
        quit_button = QPushButton(self.tr("&Quit"), panel)
        quit_button.clicked.connect(self.quit_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(quit_button)
        row.addWidget(self.sign_in_button)
        column.addLayout(row)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        self._wait = 0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)

    def set_clinic(self, clinic: str) -> None:
        """The clinic's name in the intro (none: a plain intro)."""
        self.intro.setText(self.tr("{clinic}: sign in with your own account.").format(
            clinic=clinic) if clinic else self.tr("Sign in with your own account."))

    def set_waiting(self, waiting: bool) -> None:
        """A sign-in was asked for before the window could check it (the data folder is still
        being checked and opened): the button says so until it can."""
        self.sign_in_button.setEnabled(not waiting)
        self.sign_in_button.setText(self.tr("Opening…") if waiting else self.tr("&Sign in"))

    def start(self) -> None:
        """Shown afresh: empty fields, the focus on the user name."""
        self.set_waiting(False)
        self.username.clear()
        self.password.clear()
        self.message.hide()
        self.username.setFocus()

    def show_refusal(self, text: str, wait_seconds: int = 0) -> None:
        self.message.setText(text)
        self.message.show()
        self.password.clear()
        self.password.setFocus()
        self._wait = wait_seconds
        if wait_seconds > 0:
            self._tick(first=True)
            self._countdown.start()

    def _tick(self, first: bool = False) -> None:
        if not first:
            self._wait -= 1
        waiting = self._wait > 0
        self.sign_in_button.setEnabled(not waiting)
        self.sign_in_button.setText(self.tr("Wait {n} s").format(n=self._wait) if waiting
                                    else self.tr("&Sign in"))
        if not waiting:
            self._countdown.stop()

    def _submit(self) -> None:
        if not self.sign_in_button.isEnabled():
            return
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self.username.setFocus()
        elif not password:
            self.password.setFocus()
        else:
            self.sign_in_requested.emit(name, password)


class FirstAccountPage(QWidget):
    create_requested = Signal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        from consult_aid.domain.passwords import MIN_LENGTH

        super().__init__(parent)
        panel, column, _intro = centred_panel(self, self.tr("Make the first account"), self.tr(
            "Everyone who uses Consult Aid signs in with an account of their own. This first "
            "account is the clinic's administrator and a clinician; it adds the others."))
        self.username = QLineEdit(panel)
        self.display_name = QLineEdit(panel)
        self.display_name.setPlaceholderText(self.tr("as records show it, e.g. Dr. Sam Rivera"))
        self.password = QLineEdit(panel)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(panel)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(
            self.tr("{n} characters or more; a short sentence works well").format(n=MIN_LENGTH))
        self.message = labelled_fields(panel, column, (
            (self.tr("User &name"), self.username),
            (self.tr("Name on &records"), self.display_name),
            (self.tr("&Password"), self.password),
            (self.tr("The password a&gain"), self.repeat)))
        self.create_button = QPushButton(self.tr("&Make the account"), panel)
        self.create_button.setObjectName("primary")
        self.create_button.clicked.connect(self._submit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.create_button)
        column.addLayout(row)
        self.folder_note = QLabel(panel)
        self.folder_note.setWordWrap(True)
        plain_text(self.folder_note)
        self.folder_note.hide()
        self.folder_password = QLineEdit(panel)
        self.folder_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.folder_password.setAccessibleName(self.tr("The folder's signing password"))
        self.folder_password.hide()
        column.insertWidget(column.count() - 2, self.folder_note)
        column.insertWidget(column.count() - 2, self.folder_password)
        self._takes_over = False
        for field in (self.username, self.display_name, self.password):
            field.returnPressed.connect(self.focusNextChild)
        self.repeat.returnPressed.connect(
            lambda: self.folder_password.setFocus() if self._takes_over else self._submit())
        self.folder_password.returnPressed.connect(self._submit)

    def take_over(self, signer: str, clinician: str) -> None:
        """The folder has a signing identity from before accounts (for ``signer``): its
        password is asked too, and the records' name is ``clinician``'s to begin with."""
        self._takes_over = True
        self.folder_note.setText(self.tr(
            "This data folder was set up before accounts; its signing key is for {who}. Type "
            "that key's password to make it this account's: what was signed stays the "
            "clinic's.").format(who=signer))
        self.folder_note.show()
        self.folder_password.show()
        if clinician and not self.display_name.text():
            self.display_name.setText(clinician)

    def problem(self) -> str | None:
        """What stops the account being made, as the clinician would be told it."""
        from consult_aid.domain.accounts import username_problem
        from consult_aid.domain.passwords import password_problem

        name = self.username.text().strip().lower()
        shown = self.display_name.text().strip()
        return (username_problem(name)
                or (None if shown else self.tr("Give the name records show."))
                or password_problem(self.password.text(), name, shown)
                or (None if self.repeat.text() == self.password.text()
                    else self.tr("The two passwords differ."))
                or (self.tr("Type the password of the folder's signing key.")
                    if self._takes_over and not self.folder_password.text() else None))

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _submit(self) -> None:
        problem = self.problem()
        if problem:
            self.show_problem(problem)
            return
        self.message.hide()
        self.create_requested.emit(self.username.text().strip().lower(),
                                   self.display_name.text().strip(), self.password.text())


class NewPasswordPage(QWidget):
    """Right after signing in with a password an administrator set: the user's own."""

    change_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        panel, column, self.intro = centred_panel(self, self.tr("Choose your own password"))
        self.password = QLineEdit(panel)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(panel)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = labelled_fields(panel, column, (
            (self.tr("New &password"), self.password),
            (self.tr("The password a&gain"), self.repeat)))
        self.change_button = QPushButton(self.tr("&Change the password"), panel)
        self.change_button.setObjectName("primary")
        self.change_button.clicked.connect(self._submit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.change_button)
        column.addLayout(row)
        self.password.returnPressed.connect(self.repeat.setFocus)
        self.repeat.returnPressed.connect(self._submit)
        self.username = ""
        self.display_name = ""

    def start(self, username: str, display_name: str) -> None:
        from consult_aid.domain.passwords import MIN_LENGTH

        self.username, self.display_name = username, display_name
        self.intro.setText(self.tr(
            "{name}, an administrator set your password. Choose your own now ({n} characters "
            "or more); only you will know it.").format(name=display_name, n=MIN_LENGTH))
        self.password.clear()
        self.repeat.clear()
        self.message.hide()
        self.password.setFocus()

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.change_button.setEnabled(True)

    def _submit(self) -> None:
        from consult_aid.domain.passwords import password_problem

        problem = (password_problem(self.password.text(), self.username, self.display_name)
                   or (None if self.repeat.text() == self.password.text()
                       else self.tr("The two passwords differ.")))
        if problem:
            self.show_problem(problem)
            return
        self.message.hide()
        self.change_button.setEnabled(False)
        self.change_requested.emit(self.password.text())
