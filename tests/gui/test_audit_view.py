"""The audit view on a real data folder: an administrator filters and exports the trail by
keyboard; an assistant is told no, and the refusal is itself on the trail."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import create_account, create_first_administrator
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.audit_view import AuditView
from consult_aid.ui.context import AppContext

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(data_folder: DataFolder) -> tuple[Account, Account]:
    with open_store(data_folder.database) as db:
        admin = create_first_administrator(db, "srivera", "Dr. Sam Rivera",
                                           "a long walk by the river", now=T0)
        assistant = create_account(db, admin, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}),
                                   "seven green kettles boiling", now=T0)
        log = AuditLog(db)
        for n in range(30):
            log.record("consult.opened", consult_id=f"c{n % 3}",
                       actor="jlee" if n % 2 else "srivera", at=T0 + timedelta(hours=n))
    return admin, assistant


@pytest.fixture
def ctx(data_folder: DataFolder, people: tuple[Account, Account],
        qapp: QApplication) -> Iterator[AppContext]:
    context = build_context(data_folder)
    try:
        yield context
    finally:
        close_context(context)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_administrator_filters_and_exports_by_keyboard(
        qtbot: QtBot, ctx: AppContext, people: tuple[Account, Account], tmp_path: Path) -> None:
    admin, _ = people
    target = tmp_path / "trail.csv"
    view = AuditView(ctx, choose_file=lambda _parent: target)
    qtbot.addWidget(view)
    view.resize(1280, 700)
    view.show()
    view.open_for(admin)
    # 30 seeded + 2 account.created at least
    qtbot.waitUntil(lambda: view.model.rowCount() >= 32, timeout=10_000)
    ids = [e.id for e in view.model.entries]
    assert ids == sorted(ids, reverse=True)  # newest first
    qtbot.keyClicks(view.account, "jlee")
    qtbot.keyClick(view.account, Qt.Key.Key_Tab)
    qtbot.keyClicks(view.consult, "c1")
    qtbot.keyClick(view.consult, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: 0 < view.model.rowCount() < 32, timeout=10_000)
    shown = view.model.entries
    assert {(e.actor, e.consult_id) for e in shown} == {("jlee", "c1")}
    assert len(shown) == sum(1 for n in range(30) if n % 2 and n % 3 == 1)
    assert "entries, newest first" in view.count.text()
    qtbot.keyClick(view, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "Saved" in view.message.text(), timeout=10_000)
    with target.open(newline="") as f:
        rows = list(csv.reader(f))
    assert [r[2] for r in rows[1:]] == ["jlee"] * len(shown)
    # a bad date is said, not run
    view.since.setText("28/11/2026")
    qtbot.keyClick(view.since, Qt.Key.Key_Return)
    assert "is not a date" in view.message.text()
    view.grab().save(str(tmp_path / "audit.png"))


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_an_assistant_is_told_no(qtbot: QtBot, ctx: AppContext,
                                 people: tuple[Account, Account]) -> None:
    _, assistant = people
    view = AuditView(ctx, choose_file=lambda _parent: None)
    qtbot.addWidget(view)
    view.show()
    view.open_for(assistant)
    qtbot.waitUntil(lambda: "may not read the audit trail" in view.message.text(),
                    timeout=10_000)
    assert view.model.rowCount() == 0
    ctx.writer.wait_idle()
    with open_store(ctx.data.database) as db:
        last = AuditLog(db).entries()[-1]
    assert (last.actor, last.action, last.detail) == ("jlee", "refused", "read the audit trail")
