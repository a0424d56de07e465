"""A start at the sign-in page takes the data folder's lock right after its first paint, before
the folder is checked and opened (issue 16: start-up): taking it writes and syncs the lock
file. With a lock file there (another window) the lock is taken before the window shows, as
every other start does, and a second window is refused without showing; a window that took
the folder between this one's paint and its opening refuses this one then, calmly.

These run the whole :func:`consult_aid.ui.app.run_app`; what happens between the first paint
and the opening is done by a wrapper of ``_Start.open`` (as in
tests/gui/whole_start/test_startup_sign_in_gate.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.ui import app as app_module
from consult_aid.ui.app import LOCK_FILE, QUIT_AFTER_FIRST_PAINT, acquire_instance_lock, run_app
from consult_aid.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

ALREADY_OPEN = ("Consult Aid is already open for this data folder on this computer; switch "
                "to that window.")


def around_the_open(monkeypatch: pytest.MonkeyPatch, windows: list[MainWindow],
                    before: Callable[[MainWindow], None],
                    after: Callable[[MainWindow], None] | None = None) -> None:
    original = app_module._Start.open

    def open_(self: app_module._Start) -> None:
        if not self.started:
            windows.append(self.window)
            before(self.window)
        original(self)
        if after is not None and self.ctx is not None:
            after(self.window)

    monkeypatch.setattr(app_module._Start, "open", open_)


def test_the_lock_is_taken_after_the_first_paint_and_before_the_folder_opens(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    lock_path = folder.root / LOCK_FILE
    seen: dict[str, object] = {}

    def painted(window: MainWindow) -> None:
        seen.update(visible=window.isVisible(), lock_then=lock_path.exists())

    def opened(window: MainWindow) -> None:
        seen.update(lock_now=lock_path.exists(), second=acquire_instance_lock(folder))

    around_the_open(monkeypatch, windows, painted, opened)
    monkeypatch.setenv(QUIT_AFTER_FIRST_PAINT, "ready")
    assert run_app(folder, tell=pytest.fail) == 0
    assert seen == {"visible": True, "lock_then": False, "lock_now": True, "second": None}
    assert not lock_path.exists()  # given back at the end


def test_a_window_that_took_the_folder_meanwhile_refuses_this_start_calmly(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    other: list[QLockFile] = []

    def another_window_opens(window: MainWindow) -> None:
        lock = acquire_instance_lock(folder)
        assert lock is not None
        other.append(lock)

    around_the_open(monkeypatch, windows, another_window_opens)
    told: list[str] = []
    checked: list[object] = []
    monkeypatch.setattr(app_module, "open_window", lambda *a, **k: checked.append(a) or 1)
    try:
        assert run_app(folder, tell=told.append) == 1
        assert told == [ALREADY_OPEN]
        assert checked == []  # the folder was neither checked nor opened
        [window] = windows
        assert not window.isVisible() and not window.ready
        assert other[0].isLocked() and (folder.root / LOCK_FILE).exists()  # still theirs
    finally:
        for lock in other:
            lock.unlock()


def test_with_another_window_open_the_start_is_refused_before_it_shows(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    around_the_open(monkeypatch, windows, lambda window: pytest.fail("shown"))
    first = acquire_instance_lock(folder)
    assert first is not None
    told: list[str] = []
    name = QApplication.instance().applicationName()  # type: ignore[union-attr]
    try:
        assert run_app(folder, tell=told.append) == 1
    finally:
        first.unlock()
        QApplication.instance().setApplicationName(name)  # type: ignore[union-attr]
    assert told == [ALREADY_OPEN] and windows == []


# Whether the objects left at the process's end are frozen for the collector when its last
# walk comes (an exit handler registered before the window's runs after it).
_GUI_RUN = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 10_000))
from consult_aid.ui import app
app.run_app = lambda data, *, read_only=False: print("frozen before:", gc.get_freeze_count()) or 0
from consult_aid.cli import main
assert main(ARGV) == 0
"""


def test_consult_aid_run_leaves_the_last_collection_out_at_exit(data_folder: DataFolder
                                                                ) -> None:
    code = _GUI_RUN.replace("ARGV", repr(["--data-dir", str(data_folder.root)]))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120, env=env, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["frozen before: 0", "frozen at exit: True"]
