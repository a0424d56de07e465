"""Backups from the window (issue 13): File ▸ Back up… writes a checked backup off the GUI
thread; the start screen reminds quietly when the last backup is older than the setting
(7 days unless changed on the settings page), and "Back up now…" is one Alt letter away."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from consult_aid.services.backup import last_backup_at, make_backup
from consult_aid.services.settings import UiSettings, load_settings, save_settings
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.main_window import MainWindow
from tests.builders import NOW

from .conftest import db_row
from .helpers import WAIT_MS, add_patient_and_start, type_into

DIALOG_LOG = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


class FolderPicker:
    """The folder picker, answered: ``folder`` (None: cancelled); each question counted."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.asked = 0

    def __call__(self, _parent: object) -> Path | None:
        self.asked += 1
        return self.folder


def backups_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("consult-aid-backup-")) \
        if folder.exists() else []


@DIALOG_LOG
def test_the_reminder_goes_once_a_backup_is_written_from_the_file_menu(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    start = window.start
    assert start.backup_notice.isVisible()
    assert start.backup_text.text().startswith("Last backup: never.")
    dest = tmp_path / "usb-stick"
    picker = FolderPicker(dest)
    window.backup.choose_folder = picker
    view = add_patient_and_start(qtbot, window, "Bea Backup")  # a consult open, being typed in
    type_into(qtbot, view.page("patient").name, " Jr")
    window.backup_action.trigger()
    assert picker.asked == 1
    qtbot.waitUntil(lambda: window.backup.box is not None and window.backup.box.isVisible(),
                    timeout=30_000)
    box = window.backup.box
    assert isinstance(box, QMessageBox)
    [folder] = backups_in(dest)
    assert box.text() == f"Backup written: {folder}"
    assert "another disk" in box.informativeText()
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    assert "consult-aid.sqlite3" in manifest["files"]
    # the backup holds the change typed just before it (handed to the writer first)
    import sqlite3
    con = sqlite3.connect(folder / "consult-aid.sqlite3")
    try:
        names = [r[0] for r in con.execute("SELECT body FROM consults")]
    finally:
        con.close()
    assert any("Bea Backup Jr" in body for body in names)
    box.accept()
    window.show_start()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is start, timeout=WAIT_MS)
    assert not start.backup_notice.isVisible()
    assert last_backup_at(window.ctx.db) is not None


def test_the_notice_says_how_long_ago_and_follows_the_setting(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    ctx, start = window.ctx, window.start
    make_backup(ctx.data, tmp_path / "backups", now=NOW - timedelta(days=9, hours=2),
                actor=ctx.account)  # type: ignore[arg-type]
    ctx.clock = lambda: NOW
    start.refresh()
    assert start.backup_notice.isVisible()
    assert start.backup_text.text().startswith("Last backup: 9 days ago (16 November 2026).")
    ctx.settings.backup_reminder_days = 10
    start.refresh()
    assert not start.backup_notice.isVisible()
    make_backup(ctx.data, tmp_path / "backups", now=NOW - timedelta(hours=1),
                actor=ctx.account)  # type: ignore[arg-type]
    ctx.settings.backup_reminder_days = 1
    start.refresh()
    assert not start.backup_notice.isVisible()  # an hour ago is recent


def test_back_up_now_is_one_alt_letter_from_the_start_screen(
        qtbot: QtBot, window: MainWindow) -> None:
    start = window.start
    picker = FolderPicker(None)  # the clinician cancels the folder picker
    window.backup.choose_folder = picker
    assert QApplication.focusWidget() is start.search
    qtbot.keyClick(start.search, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: picker.asked == 1, timeout=WAIT_MS)  # an Alt letter animates
    assert not window.backup.running and start.backup_notice.isVisible()  # nothing written


@DIALOG_LOG
def test_a_backup_refused_says_why(qtbot: QtBot, window: MainWindow) -> None:
    window.backup.choose_folder = FolderPicker(window.ctx.data.root / "backups")
    window.start.backup_button.click()
    qtbot.waitUntil(lambda: window.backup.box is not None and window.backup.box.isVisible(),
                    timeout=30_000)
    box = window.backup.box
    assert box is not None and box.windowTitle() == "No backup written"
    assert "inside the data folder" in box.text()
    box.accept()
    assert window.start.backup_notice.isVisible()


def open_settings(qtbot: QtBot, window: MainWindow) -> None:
    window.settings_action.trigger()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.settings_page,
                    timeout=WAIT_MS)


def test_the_reminder_setting_round_trips_through_the_settings_page(
        qtbot: QtBot, window: MainWindow) -> None:
    page = window.settings_page
    open_settings(qtbot, window)
    assert page.backup_days.value() == 7
    qtbot.keyClick(page.clinic, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is page.backup_days  # Alt+M: "Remind me …"
    page.backup_days.selectAll()
    qtbot.keyClicks(page.backup_days, "30")
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).backup_reminder_days == 30,
                    timeout=WAIT_MS)
    assert window.ctx.settings.backup_reminder_days == 30

    def audited() -> str:
        row = db_row(window.ctx.data, "SELECT detail FROM audit_log WHERE action = "
                                      "'settings.saved' ORDER BY id DESC LIMIT 1")
        return row[0] if row else ""

    qtbot.waitUntil(lambda: "backup_reminder_days=30" in audited(), timeout=WAIT_MS)
    qtbot.keyClick(page.backup_days, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.start
    open_settings(qtbot, window)
    assert page.backup_days.value() == 30
    # the next start reads it back; a value out of range in the file is not taken
    fresh = build_context(window.ctx.data)
    try:
        assert fresh.settings.backup_reminder_days == 30
    finally:
        close_context(fresh)
    raw = json.loads(window.ctx.data.settings.read_text(encoding="utf-8"))
    raw["ui"]["backup_reminder_days"] = 4000
    window.ctx.data.settings.write_text(json.dumps(raw), encoding="utf-8")
    assert load_settings(window.ctx.data.settings).backup_reminder_days == 7


def test_a_reminder_outside_one_to_365_days_is_not_saved(window: MainWindow) -> None:
    from consult_aid.errors import InputError

    for days in (0, 366, True):
        with pytest.raises(InputError, match="between 1 and 365 days"):
            save_settings(window.ctx.db, window.ctx.data, UiSettings(backup_reminder_days=days))
    assert not window.ctx.data.settings.exists()
    assert window.settings_page.backup_days.minimum() == 1
    assert window.settings_page.backup_days.maximum() == 365
