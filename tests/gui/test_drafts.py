"""The drafts list on the start screen: a draft is discarded (button or Delete, after a
question naming the patient and the date; audited, only drafts), and drafts older than the
setting (30 days unless changed) say how long ago they were started."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from consult_aid.domain.dates import day
from consult_aid.services.settings import UiSettings, load_settings
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.start_screen import StartScreen

from .conftest import db_row
from .helpers import WAIT_MS, click
from .test_archive_filters import stored_draft, stored_signed
from .test_start_screen import clashes, draft_texts, screen_mnemonics

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def shown_start(window: MainWindow) -> StartScreen:
    window.show_start()
    assert window.stack.currentWidget() is window.start
    return window.start


def answer_question(qtbot: QtBot, answer: str, seen: list[str]) -> None:
    """When the question box comes up: note its text, then press ``answer``'s button."""
    def respond() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, respond)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text().replace("&", "") == answer:
                button.click()
                return
        box.reject()

    QTimer.singleShot(0, respond)


def test_old_drafts_say_how_long_ago_they_were_started(qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    assert UiSettings().stale_draft_days == 30
    stored_draft(ctx, "Olga Old", days_ago=45)
    stored_draft(ctx, "Nina New", days_ago=5)
    stored_draft(ctx, "Tess Thirty", days_ago=30)
    start = shown_start(window)
    texts = draft_texts(start)
    old = next(t for t in texts if t.startswith("Olga Old"))
    assert old.endswith("\n⚠ Started 45 days ago")
    assert "Started 45 days ago" in str(start.drafts.item(texts.index(old)).data(
        Qt.ItemDataRole.AccessibleTextRole))
    assert not any("days ago" in t for t in texts if not t.startswith("Olga"))
    # a longer setting: nothing flagged
    ctx.settings.stale_draft_days = 60
    start.refresh()
    assert not any("days ago" in t for t in draft_texts(start))


def test_the_setting_is_read_from_the_settings_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.json"
    path.write_text('{"ui": {"stale_draft_days": 14}}', encoding="utf-8")
    assert load_settings(path).stale_draft_days == 14
    for bad in ("0", "true", "\"x\"", "99999"):
        path.write_text(f'{{"ui": {{"stale_draft_days": {bad}}}}}', encoding="utf-8")
        assert load_settings(path).stale_draft_days == 30


def test_delete_asks_naming_the_patient_then_discards_the_draft(
        qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    gone = stored_draft(ctx, "Dieter Discard", days_ago=3)
    stored_draft(ctx, "Kim Keep", days_ago=1)
    start = shown_start(window)
    start.drafts.setFocus()
    start.drafts.setCurrentRow(next(i for i, t in enumerate(draft_texts(start))
                                    if t.startswith("Dieter")))
    seen: list[str] = []
    answer_question(qtbot, "Keep it", seen)  # first: changed their mind
    qtbot.keyClick(start.drafts, Qt.Key.Key_Delete)
    assert len(seen) == 1
    assert f"Dieter Discard, started {day(gone.created_at.date())}" in seen[0]
    assert len(draft_texts(start)) == 2
    answer_question(qtbot, "Discard the draft", seen)
    qtbot.keyClick(start.drafts, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(draft_texts(start)) == 1, timeout=WAIT_MS)
    assert draft_texts(start)[0].startswith("Kim Keep")
    assert db_row(ctx.data, "SELECT count(*) FROM consults WHERE id = ?", gone.id) == (0,)
    assert db_row(ctx.data, "SELECT action, detail FROM audit_log WHERE consult_id = ? "
                  "ORDER BY id DESC LIMIT 1", gone.id) == (
        "consult.discarded", f"draft started {gone.created_at:%Y-%m-%d}")
    assert window.focusWidget() is start.drafts and start.drafts.currentRow() == 0


def test_the_button_discards_and_only_drafts_are_listed(qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    signed = stored_signed(ctx, "Sam Signed")
    draft = stored_draft(ctx, "Bea Button")
    start = shown_start(window)
    assert draft_texts(start) == [t for t in draft_texts(start) if "Sam Signed" not in t]
    asked: list[str] = []
    start.confirm_discard = lambda _parent, what: asked.append(what) is None
    assert clashes(screen_mnemonics(window, start)) == {}
    start.drafts.setFocus()
    qtbot.keyClick(start.drafts, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: start.drafts.count() == 0, timeout=WAIT_MS)
    assert asked == [f"Bea Button, started {day(draft.created_at.date())}"]
    assert not start.discard_button.isEnabled() and not start.resume_button.isEnabled()
    assert db_row(ctx.data, "SELECT status FROM consults WHERE id = ?", signed.id) == ("signed",)
    click(qtbot, start.discard_button)  # nothing left: nothing asked
    assert len(asked) == 1
