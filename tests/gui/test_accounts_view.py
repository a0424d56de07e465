"""The accounts view on a real data folder: an administrator adds an assistant, resets a
password, changes roles, deactivates, and makes an emergency code; the last administrator
stays; the changes are on the trail under the administrator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import create_first_administrator, sign_in
from consult_aid.services.emergency import has_code
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.ui.accounts_view import AccountsView
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.context import AppContext

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(data_folder: DataFolder) -> Account:
    with open_store(data_folder.database) as db:
        return create_first_administrator(db, "srivera", "Dr. Sam Rivera",
                                          "a long walk by the river", now=T0)


@pytest.fixture
def ctx(data_folder: DataFolder, admin: Account, qapp: QApplication) -> Iterator[AppContext]:
    context = build_context(data_folder)
    try:
        yield context
    finally:
        close_context(context)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_an_administrator_manages_accounts(qtbot: QtBot, ctx: AppContext,
                                           admin: Account) -> None:
    codes: list[str] = []
    view = AccountsView(ctx, ask_password=lambda _p, _u: "a reset sentence for jo",
                        show_code=lambda _p, code: codes.append(code))
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    view.open_for(admin)
    qtbot.waitUntil(lambda: view.list.count() == 1, timeout=10_000)
    # the last administrator cannot lose the role
    view.role_boxes[Role.ADMINISTRATOR].setChecked(False)
    qtbot.keyClick(view, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "last active administrator" in view.message.text(), timeout=10_000)
    # add an assistant, by keyboard
    view.new_username.setFocus()
    qtbot.keyClicks(view.new_username, "JLee")
    qtbot.keyClick(view.new_username, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.new_name, "Jo Lee")
    qtbot.keyClick(view.new_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.new_password, "seven green kettles boiling")
    view.new_roles[Role.ASSISTANT].setChecked(True)
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: view.list.count() == 2, timeout=10_000)
    assert view.selected() is not None and view.selected().username == "jlee"  # type: ignore[union-attr]
    assert "Added jlee" in view.message.text()
    # reset its password, then deactivate it
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "New password set for jlee" in view.message.text(), timeout=10_000)
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "deactivated" in view.message.text(), timeout=10_000)
    qtbot.waitUntil(lambda: "deactivated" in view.list.item(0).text()
                    + view.list.item(1).text(), timeout=10_000)
    qtbot.keyClick(view, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(codes), timeout=10_000)
    ctx.writer.wait_idle()
    with open_store(ctx.data.database) as db:
        assert has_code(db)
        with pytest.raises(Exception, match="not right"):
            sign_in(db, "jlee", "a reset sentence for jo", now=T0)  # deactivated
        trail = [(e.actor, e.action, e.detail) for e in AuditLog(db).entries()]
    assert ("srivera", "account.created", "jlee: roles=assistant") in trail
    assert ("srivera", "account.password-reset", "jlee") in trail
    assert ("srivera", "account.deactivated", "jlee") in trail
    assert ("srivera", "emergency-code.issued", "") in trail
    assert all("seven green" not in d and "reset sentence" not in d for _, _, d in trail)
