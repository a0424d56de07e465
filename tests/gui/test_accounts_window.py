"""Accounts in the window (issue 14), end to end on a real data folder: the first account on a
folder set up before accounts, signing in (a refusal said and audited), the idle lock hiding
every patient detail and giving the same consult back, switching to an assistant, and two
clinicians each signing with their own identity. Real widgets, SQLite on disk, real keys."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.domain.accounts import Role
from consult_aid.services import consults, emergency
from consult_aid.signing.identity import load_identity
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from tests.signed_in import add_account

from .conftest import PASSWORD, PrintRecorder, db_row, make_window
from .helpers import WAIT_MS, add_patient_and_start, click, type_into
from .test_signing import SIGN_MS, ready_to_sign

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

PATIENT = "Philippa Idlewood"


def audit_actions(ctx: AppContext) -> list[tuple[str, str]]:
    """(actor, action) of every audit entry, oldest first, read with a connection of our own."""
    import sqlite3

    con = sqlite3.connect(ctx.data.database)
    try:
        return [(str(a), str(b)) for a, b in
                con.execute("SELECT actor, action FROM audit_log ORDER BY id")]
    finally:
        con.close()


def shown_texts(window: MainWindow) -> str:
    """Every text a person could read in the window now: visible labels and fields."""
    texts = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QLineEdit):
            texts.append(widget.text())
        elif isinstance(widget, QTextEdit):
            texts.append(widget.toPlainText())
    return "\n".join(texts)


def test_a_folder_set_up_before_accounts_makes_its_first_account(
        qtbot: QtBot, ctx: AppContext, identity_files: Path) -> None:
    """A clinic and its one signing key, no account: the first-account page asks for the
    key's password too, and the new account takes the key over."""
    ClinicianRepository(ctx.db).save(Clinician(name="Dr Test Clinician", credentials="MD",
                                               clinic="Test Clinic"))
    shutil.copytree(identity_files, ctx.data.identity, dirs_exist_ok=True)
    window = make_window(qtbot, ctx)
    page = window.first_account_page
    assert window.stack.currentWidget() is page
    assert page.folder_password.isVisible() and "Dr Test Clinician" in page.folder_note.text()
    assert page.display_name.text() == "Dr Test Clinician"  # as the records name them
    assert window.start.patients.count() == 0  # nothing read before an account exists
    type_into(qtbot, page.username, "drtest")
    for field in (page.password, page.repeat):
        type_into(qtbot, field, "a quiet morning by the river")
    type_into(qtbot, page.folder_password, "not the key's password")
    qtbot.keyClick(page.folder_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "does not unlock" in page.message.text(), timeout=30_000)
    assert db_row(ctx.data, "SELECT count(*) FROM accounts") == (0,)
    type_into(qtbot, page.folder_password, PASSWORD)
    qtbot.keyClick(page.folder_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=30_000)
    assert ctx.account is not None and ctx.account.username == "drtest"
    own = load_identity(ctx.data.identity / "accounts" / "drtest")
    assert own.fingerprint == load_identity(ctx.data.identity).fingerprint
    own.unlock("a quiet morning by the river")
    assert ("drtest", "identity.adopted") in audit_actions(ctx)
    window.close()


def test_a_wrong_password_is_said_and_audited_then_the_right_one_signs_in(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    ctx.use_account(None)  # the folder has the account; no one is signed in yet
    window = make_window(qtbot, ctx, signed_in=False)
    page = window.sign_in_page
    assert window.stack.currentWidget() is page
    assert not window.archive_action.isEnabled() and not window.lock_action.isEnabled()
    assert window.start.drafts.count() == 0 and window.start.patients.count() == 0
    qtbot.waitUntil(page.username.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(page.username, "drtest")
    qtbot.keyClick(page.username, Qt.Key.Key_Return)
    qtbot.keyClicks(page.password, "not my password at all")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(page.message.isVisible, timeout=WAIT_MS)
    assert page.message.text() == "The user name or the password is not right."
    assert page.password.text() == "" and window.stack.currentWidget() is page
    assert ("drtest", "sign-in.failed") in audit_actions(ctx)
    # the right password: user name still there, password, Enter
    qtbot.waitUntil(page.sign_in_button.isEnabled, timeout=5000)
    keys = len(PASSWORD) + 1
    qtbot.keyClicks(page.password, PASSWORD)
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=WAIT_MS)
    assert keys == 22
    assert ctx.account is not None and ctx.account.username == "drtest"
    actions = audit_actions(ctx)
    assert actions.index(("drtest", "sign-in")) > actions.index(("drtest", "sign-in.failed"))
    assert window.archive_action.isEnabled() and window.audit_action.isVisible()
    window.close()


def test_a_refusal_with_a_wait_counts_down_on_the_button(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    ctx.use_account(None)
    window = make_window(qtbot, ctx, signed_in=False)
    page = window.sign_in_page
    for _ in range(3):  # two wrong passwords are free; the third asks for a wait
        qtbot.waitUntil(page.sign_in_button.isEnabled, timeout=5000)
        page.username.setText("drtest")
        type_into(qtbot, page.password, "still not my password")
        qtbot.keyClick(page.password, Qt.Key.Key_Return)
        qtbot.waitUntil(page.message.isVisible, timeout=WAIT_MS)
        page.message.hide()
    qtbot.waitUntil(lambda: not page.sign_in_button.isEnabled(), timeout=WAIT_MS)
    assert page.sign_in_button.text().startswith("Wait ")
    window.close()


def picture(window: MainWindow) -> QImage:
    """The window as drawn, once its layouts have settled."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()
    return window.grab().toImage()


def lock_by_idling(qtbot: QtBot, window: MainWindow) -> None:
    window.idle.set_minutes(0.005)  # 300 ms without input
    window.idle.start()
    qtbot.waitUntil(lambda: window.locked, timeout=5000)


def test_the_idle_lock_hides_every_patient_detail_and_unlocking_gives_the_consult_back(
        qtbot: QtBot, window: MainWindow) -> None:
    clock = window.ctx.clock()
    window.ctx.clock = lambda: clock  # the lock screen's "at HH:MM" the same in both pictures
    flash = QApplication.cursorFlashTime()
    QApplication.setCursorFlashTime(0)  # a steady text cursor: pictures to compare
    view = add_patient_and_start(qtbot, window, PATIENT)
    view.go_to("lifestyle")
    goals = view.page("lifestyle").goals
    type_into(qtbot, goals, "Walk the dog again")
    assert PATIENT in shown_texts(window)
    lock_by_idling(qtbot, window)
    ctx = window.ctx
    # behind the lock: the lock screen is the only page, no patient text is readable
    assert window.stack.currentWidget() is window.lock_screen
    assert not view.isVisible() and not window.start.isVisible()
    assert PATIENT not in shown_texts(window) and "Walk the dog" not in shown_texts(window)
    visible_pages = [window.stack.widget(i) for i in range(window.stack.count())
                     if window.stack.widget(i).isVisible()]
    assert visible_pages == [window.lock_screen]
    others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert others == []
    # the picture of the locked window: compared below with one locked with no consult open
    locked_with_consult = picture(window)
    assert "Locked for Dr Test Clinician" in window.lock_screen.who.text()
    assert not window.archive_action.isEnabled()  # no way round it by shortcut
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.stack.currentWidget() is window.lock_screen
    # the draft was stored before the lock
    stored = consults.get_consult(ctx.db, view.session.consult.id)
    assert stored.lifestyle.goals == "Walk the dog again"
    # unlock: the password and Enter (len(PASSWORD) + 1 keys), back where they were
    window.idle.set_minutes(5)
    lock = window.lock_screen
    qtbot.waitUntil(lock.password.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(lock.password, "wrong words here")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lock.message.isVisible, timeout=WAIT_MS)
    assert lock.message.text() == "The password is not right."  # no user name was typed
    assert window.locked and PATIENT not in shown_texts(window)
    qtbot.keyClicks(lock.password, PASSWORD)
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)
    assert window.consult_view is view and window.stack.currentWidget() is view
    assert view.current_step() == "lifestyle" and goals.toPlainText() == "Walk the dog again"
    assert PATIENT in shown_texts(window)
    assert window.archive_action.isEnabled()
    window.ctx.writer.wait_idle()
    actions = audit_actions(ctx)
    locked = actions.index(("drtest", "session.locked"))
    assert actions.index(("drtest", "session.unlocked")) > locked
    assert ("drtest", "sign-in.failed") in actions[locked:]
    assert ("drtest", "sign-in") in actions[locked:]
    # locked again with no consult open: the same picture, pixel for pixel
    window.show_start()
    window.lock_action.trigger()
    assert window.locked
    try:
        assert picture(window) == locked_with_consult
    finally:
        QApplication.setCursorFlashTime(flash)


def test_lock_now_hides_an_open_pdf_preview_too(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, PATIENT)
    documents = window.documents
    assert documents is not None
    documents.preview()
    qtbot.waitUntil(lambda: bool(documents.dialogs) and all(
        d.isVisible() for d in documents.dialogs), timeout=30_000)
    previews = list(documents.dialogs)
    assert view.isHidden() is False
    previews[0].activateWindow()
    qtbot.keyClick(previews[0], Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier)  # File ▸ Lock now, from the preview
    assert window.locked
    assert not any(p.isVisible() for p in previews)
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]
    type_into(qtbot, window.lock_screen.password, PASSWORD)
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)
    assert all(p.isVisible() for p in previews)  # given back as they were
    for p in previews:
        p.close()


def test_a_preview_that_opens_while_locked_stays_hidden_until_unlocked(
        qtbot: QtBot, window: MainWindow) -> None:
    add_patient_and_start(qtbot, window, PATIENT)
    documents = window.documents
    assert documents is not None
    documents.preview()  # rendering on the task pool ...
    window.lock()  # ... while the window locks
    qtbot.waitUntil(lambda: bool(documents.dialogs), timeout=30_000)
    qtbot.wait(50)  # the preview has shown itself and been hidden again
    assert window.locked
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]
    type_into(qtbot, window.lock_screen.password, PASSWORD)
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all(d.isVisible() for d in documents.dialogs), timeout=WAIT_MS)
    for d in list(documents.dialogs):
        d.close()


def test_switching_to_an_assistant_keeps_the_consult_and_offers_no_signing(
        qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    add_account(ctx.db, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}))
    view = ready_to_sign(qtbot, window, PATIENT)
    consult_id = view.session.consult.id
    view.go_to("lifestyle")
    type_into(qtbot, view.page("lifestyle").goals, " and swim")
    window.switch_action.trigger()  # File ▸ Switch user
    lock = window.lock_screen
    assert window.locked and lock.other.isVisible()
    assert PATIENT not in shown_texts(window)
    qtbot.waitUntil(lock.other_name.hasFocus, timeout=WAIT_MS)
    qtbot.keyClicks(lock.other_name, "jlee")
    qtbot.keyClick(lock.other_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(lock.other_password, PASSWORD)
    qtbot.keyClick(lock.other_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=WAIT_MS)
    assert ctx.account is not None and ctx.account.username == "jlee"
    assert window.consult_view is None  # kept, saved, closed: the start screen is theirs
    assert "Jo Lee" in window.start.welcome.text()
    stored = consults.get_consult(ctx.db, consult_id)
    assert "and swim" in stored.lifestyle.goals and not stored.is_locked
    # the assistant's menus: no audit trail, no accounts
    assert not window.audit_action.isVisible() and not window.accounts_action.isVisible()
    window.show_audit()  # a shortcut that got through does nothing
    assert window.stack.currentWidget() is window.start
    # they may open the consult (to prepare it) but not sign it
    window.open_consult(consult_id)
    view = window.consult_view
    assert view is not None
    view.go_to("review")
    review = view.review_page
    assert not review.sign_button.isEnabled()
    assert "clinician signs" in review.sign_button.toolTip()
    assert window.signing is not None
    window.signing.sign()  # the action reached anyway: said calmly, nothing signed
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and "does not sign" in box.text()
    box.close()
    assert not consults.get_consult(ctx.db, consult_id).is_locked
    window.ctx.writer.wait_idle()
    assert ("drtest", "session.locked") in audit_actions(ctx)
    assert ("jlee", "sign-in") in audit_actions(ctx)


def signer_name(ctx: AppContext, consult_id: str) -> str:
    row = db_row(ctx.data, "SELECT pdf FROM documents WHERE consult_id = ? AND kind = "
                 "'summary'", consult_id)
    assert row is not None
    (signature,) = PdfFileReader(io.BytesIO(bytes(row[0]))).embedded_signatures
    return str(signature.signer_cert.subject.human_friendly)


def sign_here(qtbot: QtBot, window: MainWindow, name: str) -> str:
    view = ready_to_sign(qtbot, window, name)
    click(qtbot, view.review_page.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=SIGN_MS)
    assert window.documents is not None
    qtbot.waitUntil(lambda: bool(window.documents.dialogs), timeout=SIGN_MS)
    for dialog in list(window.documents.dialogs):
        dialog.close()
    return view.session.consult.id


def test_two_clinicians_each_sign_with_their_own_identity(
        qtbot: QtBot, window: MainWindow, printed: PrintRecorder) -> None:
    ctx = window.ctx
    add_account(ctx.db, "mkhan", "Dr Mina Khan", frozenset({Role.CLINICIAN}))
    first = sign_here(qtbot, window, "Ada First")
    window.switch_action.trigger()
    lock = window.lock_screen
    type_into(qtbot, lock.other_name, "mkhan")
    type_into(qtbot, lock.other_password, PASSWORD)
    qtbot.keyClick(lock.other_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=WAIT_MS)
    assert ctx.account is not None and ctx.account.username == "mkhan"
    second = sign_here(qtbot, window, "Ben Second")  # her identity is made at this signature
    assert "Dr Test Clinician" in signer_name(ctx, first)
    assert "Dr Mina Khan" in signer_name(ctx, second)
    assert "Dr Test Clinician" not in signer_name(ctx, second)
    assert (ctx.data.identity / "accounts" / "mkhan").is_dir()
    stored = consults.get_consult(ctx.db, second)
    assert stored.clinician.name == "Dr Mina Khan"  # the record names who signed it
    assert consults.get_consult(ctx.db, first).clinician.name == "Dr Test Clinician"


def test_after_emergency_access_a_new_password_is_chosen_and_the_banner_acknowledged(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    """Someone used the emergency code to set drtest's password: drtest signs in with it,
    chooses their own at once, and sees who used emergency access and why until they (an
    administrator) acknowledge it."""
    now = ctx.clock()
    admin = ctx.account
    assert admin is not None
    code = emergency.issue_code(ctx.db, admin, now=now)
    emergency.use_code(ctx.db, code, account="drtest", new_password="the code's new password",
                       used_by="Night nurse Ola", reason="Locked out before a morning list",
                       now=now)
    ctx.use_account(None)
    window = make_window(qtbot, ctx, signed_in=False)
    sign_in_page = window.sign_in_page
    type_into(qtbot, sign_in_page.username, "drtest")
    type_into(qtbot, sign_in_page.password, "the code's new password")
    qtbot.keyClick(sign_in_page.password, Qt.Key.Key_Return)
    page = window.new_password_page
    qtbot.waitUntil(lambda: window.stack.currentWidget() is page, timeout=WAIT_MS)
    assert not window.archive_action.isEnabled()  # nothing else until it is chosen
    type_into(qtbot, page.password, "my own words for mornings")
    type_into(qtbot, page.repeat, "my own words for mornings")
    qtbot.keyClick(page.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=30_000)
    assert ("drtest", "account.password-changed") in audit_actions(ctx)
    banner = window.emergency_banner
    assert banner.isVisible()
    text = window.emergency_text.text()
    assert "Night nurse Ola" in text and "Locked out before a morning list" in text
    assert "drtest" in text
    click(qtbot, window.acknowledge_button)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    assert emergency.unacknowledged(ctx.db) == []
    assert ("drtest", "emergency-access.acknowledged") in audit_actions(ctx)
    # the new password works; the code's does not
    window.lock_action.trigger()
    type_into(qtbot, window.lock_screen.password, "my own words for mornings")
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)
    window.close()


def test_administrators_open_accounts_and_the_audit_trail_from_the_file_menu(
        qtbot: QtBot, window: MainWindow) -> None:
    assert window.accounts_action.isVisible() and window.audit_action.isVisible()
    window.accounts_action.trigger()
    view = window.accounts_view
    assert window.stack.currentWidget() is view
    qtbot.waitUntil(lambda: view.list.count() == 1, timeout=WAIT_MS)
    assert "drtest" in view.list.item(0).text()
    window.audit_action.trigger()
    assert window.stack.currentWidget() is window.audit_view
    window.ctx.writer.wait_idle()
    qtbot.waitUntil(lambda: ("drtest", "audit.read") in audit_actions(window.ctx)
                    or window.audit_view.model.rowCount() > 0, timeout=WAIT_MS)
