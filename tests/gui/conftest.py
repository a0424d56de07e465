"""A real window on a real data folder: SQLite on disk, the real writer thread, a real signing
identity. Only the two system dialogs (password, printer) are answered by the test.

The ``clinic`` fixture signs in the test clinician's account (``drtest``, administrator and
clinician, password :data:`PASSWORD`) whose own signing identity is the session's identity,
pinned as the clinic's: the window then opens signed in, on the start screen."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician
from consult_aid.domain.accounts import Account
from consult_aid.services.accounts import has_accounts
from consult_aid.services.trust import pin_identity
from consult_aid.signing.identity import SigningIdentity, create_identity, load_identity
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import Dialogs
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.theme import apply_theme
from tests.signed_in import add_account

PASSWORD = "correct horse battery"


@pytest.fixture
def ctx(data_folder: DataFolder, qapp: QApplication) -> Iterator[AppContext]:
    context = build_context(data_folder)
    try:
        yield context
    finally:
        close_context(context)


@pytest.fixture(scope="session")
def identity_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real signing identity for the session (making a key costs a second), copied per test."""
    folder = tmp_path_factory.mktemp("identity")
    create_identity(folder, name="Dr Test Clinician", clinic="Test Clinic", password=PASSWORD)
    return folder


def give_identity(ctx: AppContext, account: Account, identity: Path) -> None:
    """``identity`` (a copy) becomes ``account``'s own signing identity, pinned as the
    clinic's (as its first signature would make and pin one)."""
    folder = ctx.data.identity / "accounts" / account.username
    shutil.copytree(identity, folder, dirs_exist_ok=True)
    pin_identity(ctx.db, load_identity(folder), now=datetime.now(UTC), how="test")


def own_identity(ctx: AppContext, username: str = "drtest") -> SigningIdentity:
    """The signing identity of the account ``username`` (given by :func:`give_identity`)."""
    return load_identity(ctx.data.identity / "accounts" / username)


@pytest.fixture
def clinic(ctx: AppContext, identity_files: Path) -> Clinician:
    clinician = ClinicianRepository(ctx.db).save(Clinician(
        name="Dr Test Clinician", credentials="MD", clinic="Test Clinic",
        clinic_phone="+1 555 0199"))
    account = add_account(ctx.db)
    give_identity(ctx, account, identity_files)
    ctx.use_account(account)
    ctx.writer.wait_idle()
    return clinician


class PrintRecorder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []

    def __call__(self, _parent: QWidget, printer: QPrinter) -> bool:
        path = self.folder / f"printed-{len(self.files)}.pdf"
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        self.files.append(path)
        return True


@pytest.fixture
def printed(tmp_path: Path) -> PrintRecorder:
    return PrintRecorder(tmp_path)


def make_window(qtbot: QtBot, ctx: AppContext, printed: PrintRecorder | None = None,
                password: str = PASSWORD, *, signed_in: bool = True) -> MainWindow:
    """The window on ``ctx``; ``signed_in``: on a folder with accounts, the test clinician
    (``drtest``) is signed in first, as after the sign-in page (tests of that page pass
    False). The password dialog answers ``password``."""
    if signed_in and ctx.account is None and has_accounts(ctx.db):
        ctx.use_account(add_account(ctx.db))
    apply_theme(QApplication.instance(), ctx.settings.large_text)  # type: ignore[arg-type]
    dialogs = Dialogs(password=lambda _parent: password,
                      printer=printed if printed is not None else Dialogs().printer)
    window = MainWindow(ctx, dialogs)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext, clinic: Clinician,
           printed: PrintRecorder) -> Iterator[MainWindow]:
    win = make_window(qtbot, ctx, printed)
    yield win
    win.close()


def draw(widget: QWidget, points: list[tuple[float, float]]) -> None:
    """Press, move with the left button held, release: a real drag for a drawing widget."""
    def send(kind: QMouseEvent.Type, x: float, y: float, button: Qt.MouseButton,
             buttons: Qt.MouseButton) -> None:
        pos = QPointF(x, y)
        event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    (x0, y0), *rest = points
    send(QMouseEvent.Type.MouseButtonPress, x0, y0, left, left)
    for x, y in rest:
        send(QMouseEvent.Type.MouseMove, x, y, none, left)
    send(QMouseEvent.Type.MouseButtonRelease, *points[-1], left, none)


def db_row(data: DataFolder, sql: str, *params: object) -> tuple | None:
    """Read the database file on disk with a connection of the test's own."""
    con = sqlite3.connect(data.database)
    try:
        return con.execute(sql, params).fetchone()
    finally:
        con.close()
