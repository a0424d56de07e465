"""A start at the sign-in page is painted with its menus' titles only; their items are made
right after that first paint, before the data folder is checked (issue 16: start-up), and
until the folder is open only Quit is offered, as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.services import check
from consult_aid.services.check import CheckReport
from consult_aid.services.store import open_store
from consult_aid.ui import app as app_module
from consult_aid.ui.app import QUIT_AFTER_FIRST_PAINT, run_app
from consult_aid.ui.main_window import MainWindow
from tests.signed_in import add_account

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def menus(window: MainWindow) -> dict[str, list[tuple[str, bool]]]:
    """Each menu's title and its items (text, enabled), visible ones only."""
    return {menu_action.text(): [(a.text(), a.isEnabled()) for a in menu_action.menu().actions()
                                 if a.isVisible() and not a.isSeparator()]
            for menu_action in window.menuBar().actions()}


def test_the_menus_get_their_items_after_the_first_paint_before_the_check(
        qtbot: QtBot, data_folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(data_folder.database) as db:
        add_account(db)
    seen: dict[str, object] = {}
    original = app_module._Start.open

    def open_(self: app_module._Start) -> None:
        if not self.started:
            windows.append(self.window)
            seen["painted"] = menus(self.window)
        original(self)
        seen["open"] = menus(self.window)

    real_check = check.quick_check

    def checked(path: Path, identity: Path | None = None) -> CheckReport:
        seen["checked"] = menus(windows[0])
        return real_check(path, identity)

    monkeypatch.setattr(app_module._Start, "open", open_)
    monkeypatch.setattr(check, "quick_check", checked)
    monkeypatch.setenv(QUIT_AFTER_FIRST_PAINT, "ready")
    assert run_app(data_folder, tell=pytest.fail) == 0
    assert seen["painted"] == {"&File": [], "&Go": [], "&View": []}
    signed_out = {
        "&File": [("&Start screen", False), ("&Archive", False), ("&Back up…", False),
                  ("Se&ttings…", False), ("&Lock now", False), ("S&witch user…", False),
                  ("&Quit", True)],
        "&Go": [("&Next step", False), ("&Previous step", False)],
        "&View": [("&Larger text", False), ("What patients find &hard…", False)]}
    assert seen["checked"] == signed_out
    assert seen["open"] == {**signed_out, "&View": [("&Larger text", True),
                                                    ("What patients find &hard…", False)]}
