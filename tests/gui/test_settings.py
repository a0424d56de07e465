"""The settings page: reached from the start screen by the File menu's shortcut, it stores the
clinic's details in the real database, changes the signing password off the GUI thread, keeps
larger text in step with the View menu, and audits each change without its values."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.services.settings import load_settings
from consult_aid.signing.identity import WrongPasswordError, load_identity
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.theme import LARGE_PT

from .conftest import PASSWORD, db_row, make_window
from .helpers import WAIT_MS, click, type_into

NEW_PASSWORD = "a brand new passphrase"


def open_settings(qtbot: QtBot, window: MainWindow) -> None:
    assert window.stack.currentWidget() is window.start
    qtbot.keyClick(window.start.search, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.settings_page,
                    timeout=WAIT_MS)


def audit_details(window: MainWindow, action: str) -> list[str]:
    row = db_row(window.ctx.data, "SELECT group_concat(detail, '|') FROM audit_log "
                      "WHERE action = ?", action)
    text = row[0] if row else None
    return text.split("|") if text else []


def test_settings_store_the_clinic_phone_and_cost_note(qtbot: QtBot, window: MainWindow,
                                                       clinic: Clinician) -> None:
    open_settings(qtbot, window)
    page = window.settings_page
    assert QApplication.focusWidget() is page.clinic  # the first field
    assert page.clinic.text() == "Test Clinic" and page.phone.text() == "+1 555 0199"
    page.phone.selectAll()
    type_into(qtbot, page.phone, "+1 555 0142")
    type_into(qtbot, page.cost_note, "The trial is covered by most insurers.")
    page.name.clear()  # the same rule as at setup: a name is needed
    click(qtbot, page.save_button)
    assert page.details_errors["clinician.name"].text() == "Enter the clinician's name."
    type_into(qtbot, page.name, "Dr Test Clinician")
    click(qtbot, page.save_button)
    qtbot.waitUntil(lambda: page.details_status.text().startswith("Saved"), timeout=WAIT_MS)
    assert page.details_status.text() == "Saved: clinic phone, cost and insurance."
    assert page.details_errors["clinician.name"].text() == ""
    row = db_row(window.ctx.data, "SELECT id, clinic_phone, cost_note, name FROM clinicians")
    assert row == (clinic.id, "+1 555 0142", "The trial is covered by most insurers.",
                   "Dr Test Clinician")
    assert audit_details(window, "settings.clinic_changed") == [
        f"clinician {clinic.id}; clinic_phone, cost_note"]
    assert audit_details(window, "settings.clinician_changed") == []
    qtbot.keyClick(page.phone, Qt.Key.Key_Escape)  # nothing unsaved: straight back
    assert window.stack.currentWidget() is window.start


def test_unsaved_details_are_named_before_back_gives_them_up(qtbot: QtBot,
                                                             window: MainWindow) -> None:
    open_settings(qtbot, window)
    page = window.settings_page
    type_into(qtbot, page.emergency, "112")
    qtbot.keyClick(page.emergency, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is page
    assert "not saved" in page.details_status.text()
    click(qtbot, page.back_button)
    assert window.stack.currentWidget() is window.start
    assert db_row(window.ctx.data, "SELECT emergency_number FROM clinicians") == ("",)
    open_settings(qtbot, window)
    assert page.emergency.text() == ""  # what is stored, not what was typed and left


def test_the_account_password_is_changed_off_the_gui_thread(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    """The password on the settings page is the account's: it signs in and unlocks the
    clinician's own signing key, which is locked again with the new one."""
    open_settings(qtbot, window)
    page = window.settings_page
    type_into(qtbot, page.current_password, "not the password")
    type_into(qtbot, page.new_password, NEW_PASSWORD)
    type_into(qtbot, page.confirm_password, "something else")
    click(qtbot, page.password_button)
    assert "differ" in page.password_errors["confirm_password"].text()
    page.confirm_password.clear()
    type_into(qtbot, page.confirm_password, NEW_PASSWORD)
    qtbot.keyClick(page.confirm_password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not right" in page.password_errors["current_password"].text(),
                    timeout=WAIT_MS)
    assert QApplication.focusWidget() is page.current_password
    page.current_password.clear()
    type_into(qtbot, page.current_password, PASSWORD)
    click(qtbot, page.password_button)
    assert not page.password_button.isEnabled()  # working on the writer thread
    qtbot.waitUntil(lambda: page.password_status.text().startswith("Password changed"),
                    timeout=WAIT_MS)
    assert page.password_button.isEnabled()
    assert page.current_password.text() == page.new_password.text() == ""
    identity = load_identity(window.ctx.data.identity / "accounts" / "drtest")
    identity.unlock(NEW_PASSWORD)
    try:
        identity.unlock(PASSWORD)
        raise AssertionError("the old password still unlocks the key")
    except WrongPasswordError:
        pass
    assert db_row(window.ctx.data, "SELECT count(*) FROM audit_log WHERE action = "
                  "'account.password-changed'") == (1,)
    assert audit_details(window, "account.password-changed.failed") == [
        "the current password was not accepted"]
    assert audit_details(window, "sign-in.failed") == [
        "wrong password (1 in a row); changing the password"]  # counted like a sign-in


def test_larger_text_follows_the_view_menu_both_ways(qtbot: QtBot, window: MainWindow) -> None:
    open_settings(qtbot, window)
    page = window.settings_page
    before = QApplication.font().pointSize()
    click(qtbot, page.large_text)
    assert window.large_text_action.isChecked()
    assert QApplication.font().pointSize() == LARGE_PT
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).large_text is True,
                    timeout=WAIT_MS)
    window.large_text_action.trigger()
    assert not page.large_text.isChecked()
    assert QApplication.font().pointSize() == before


def test_each_mnemonic_on_the_settings_page_is_unique(qtbot: QtBot, window: MainWindow) -> None:
    open_settings(qtbot, window)
    page = window.settings_page
    texts = [w.text() for w in page.findChildren(QWidget)
             if isinstance(w, QAbstractButton | QLabel) and w.isVisibleTo(page)]
    texts += [m.title() for m in window.menuBar().findChildren(QWidget) if hasattr(m, "title")]
    keys = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&\s])", t))]
    assert len(keys) >= 14
    assert len(keys) == len(set(keys)), sorted(keys)


def test_first_run_starts_in_the_first_field_not_on_save(qtbot: QtBot,
                                                          ctx: AppContext) -> None:
    window = make_window(qtbot, ctx)
    setup = window.setup_page
    assert window.stack.currentWidget() is setup
    qtbot.waitUntil(lambda: QApplication.focusWidget() is setup.clinic, timeout=WAIT_MS)
    qtbot.keyClick(setup.clinic, Qt.Key.Key_Space)  # typed into the field, nothing pressed
    assert setup.clinic.text() == " " and window.stack.currentWidget() is setup
    window.close()


def test_an_administrator_sets_the_idle_lock_and_the_window_follows(
        qtbot: QtBot, window: MainWindow) -> None:
    assert window.idle.interval_ms == 5 * 60_000  # the default
    open_settings(qtbot, window)
    spin = window.settings_page.idle_minutes
    assert spin.isEnabled()
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2")
    qtbot.waitUntil(lambda: window.idle.interval_ms == 2 * 60_000, timeout=WAIT_MS)
    assert load_settings(window.ctx.data.settings).idle_lock_minutes == 2
    assert audit_details(window, "settings.saved")[-1].endswith("idle_lock_minutes=2")


def test_the_shared_archive_is_checked_then_used_from_the_next_start(
        qtbot: QtBot, window: MainWindow, clinic: Clinician, pg_url: str) -> None:
    """Settings › Shared archive: a malformed address and a server that does not answer are
    said under the field, nothing saved; the clinic's server is asked, then saved for the next
    start (the window goes on with the archive it has), audited without a password."""
    from consult_aid.datadir import resolve

    open_settings(qtbot, window)
    page = window.settings_page
    page.server.setFocus()
    type_into(qtbot, page.server, "postgresql://consult:secret@clinic-server/consult_aid")
    qtbot.keyClick(page.server, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "contains a password" in page.server_errors["database"].text(),
                    timeout=WAIT_MS)
    assert not window.ctx.data.settings.exists() or "database" not in \
        window.ctx.data.settings.read_text(encoding="utf-8")
    page.server.selectAll()
    type_into(qtbot, page.server, "postgresql://consult@127.0.0.1:9/nowhere?connect_timeout=2")
    click(qtbot, page.server_button)
    qtbot.waitUntil(lambda: "cannot be reached" in page.server_errors["database"].text(),
                    timeout=WAIT_MS)
    page.server.selectAll()
    type_into(qtbot, page.server, pg_url)
    click(qtbot, page.server_button)
    qtbot.waitUntil(lambda: page.server_status.text().startswith("Saved"), timeout=WAIT_MS)
    assert page.server_errors["database"].text() == ""
    assert resolve(window.ctx.data.root, {}).server is not None  # the next start uses it
    assert window.ctx.db.backend == "sqlite"  # this window goes on with its own archive
    (detail,) = audit_details(window, "settings.database-changed")
    assert detail.startswith("from the next start: postgresql://postgres@")
    page.server.clear()  # back to this PC's own archive
    click(qtbot, page.server_button)
    qtbot.waitUntil(lambda: "own archive" in page.server_status.text(), timeout=WAIT_MS)
    assert resolve(window.ctx.data.root, {}).server is None


def test_only_an_administrator_changes_the_shared_archive(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician, printed) -> None:
    from consult_aid.domain.accounts import Role
    from tests.signed_in import add_account

    assistant = add_account(ctx.db, "aide", "A. Aide", frozenset({Role.ASSISTANT}))
    ctx.use_account(assistant)
    window = make_window(qtbot, ctx, printed)
    try:
        window.settings_action.trigger()  # File › Settings
        page = window.settings_page
        assert window.stack.currentWidget() is page
        assert not page.server.isEnabled() and not page.server_button.isEnabled()
        assert "administrator" in page.server.toolTip()
    finally:
        window.close()


def test_a_field_reached_by_its_alt_key_is_scrolled_into_view(
        qtbot: QtBot, window: MainWindow) -> None:
    """The shared archive's field is at the foot of a long page: Alt+L must bring it on
    screen, not type into a field the clinician cannot see (seen on a real display)."""
    window.resize(1366, 700)
    open_settings(qtbot, window)
    page = window.settings_page
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.clinic, timeout=WAIT_MS)
    assert page.server.visibleRegion().isEmpty()  # below the fold at first
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.server, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.server.visibleRegion().isEmpty(), timeout=WAIT_MS)
