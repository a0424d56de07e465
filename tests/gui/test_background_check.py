"""A large archive is checked at start in bounded time (the small tables whole, the ends of
the big ones) and whole in the background once the window is open: damage inside a signed PDF,
which the start-up probe cannot see, is told to the clinician."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.cli import main
from consult_aid.datadir import DataFolder
from consult_aid.services import check as check_module
from consult_aid.services.check import quick_check
from consult_aid.ui import app as app_module
from consult_aid.ui.app import build_context, check_whole_in_background, close_context


def damage_a_pdf_page(database: Path) -> None:
    """Noise over one overflow page of the documents table (inside an archived PDF)."""
    with closing(sqlite3.connect(database)) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        rows = con.execute("SELECT pageno FROM dbstat WHERE name = 'documents' AND "
                           "pagetype = 'overflow' ORDER BY pageno").fetchall()
    assert rows, "the demo archive has a signed PDF in overflow pages"
    page = rows[len(rows) // 2][0]
    with database.open("r+b") as f:
        f.seek((page - 1) * page_size)
        f.write(bytes((i * 7 + 3) % 256 for i in range(page_size)))


@pytest.fixture
def demo_folder(tmp_path: Path) -> DataFolder:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        assert main(["--data-dir", str(tmp_path / "data"), "demo", "--out",
                     str(tmp_path / "out")]) == 0, out.getvalue()
    return DataFolder(tmp_path / "data")


def test_damage_the_start_probe_cannot_see_is_found_in_the_background(
        demo_folder: DataFolder, qtbot: QtBot, qapp: QApplication,
        monkeypatch: pytest.MonkeyPatch) -> None:
    damage_a_pdf_page(demo_folder.database)
    # checked whole (a small archive): found at start
    assert not quick_check(demo_folder.database, demo_folder.identity).ok
    # as if it were large: the start-up probe passes, and the window opens...
    monkeypatch.setattr(check_module, "WHOLE_CHECK_MAX_BYTES", 0)
    monkeypatch.setattr(app_module, "WHOLE_CHECK_MAX_BYTES", 0)
    assert quick_check(demo_folder.database, demo_folder.identity).ok
    ctx = build_context(demo_folder)
    told: list[str] = []
    try:
        assert check_whole_in_background(ctx, told.append)
        qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    finally:
        close_context(ctx)
    assert "found damage in its database" in told[0] and "restore" in told[0]


def test_an_intact_large_archive_says_nothing(demo_folder: DataFolder, qtbot: QtBot,
                                             qapp: QApplication,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "WHOLE_CHECK_MAX_BYTES", 0)
    ctx = build_context(demo_folder)
    told: list[str] = []
    try:
        assert check_whole_in_background(ctx, told.append)
        ctx.tasks.wait()
        ctx.writer.deliver()
        qtbot.wait(100)
    finally:
        close_context(ctx)
    assert told == []
    monkeypatch.setattr(app_module, "WHOLE_CHECK_MAX_BYTES", 10**12)
    ctx = build_context(demo_folder)
    try:
        assert not check_whole_in_background(ctx, told.append)  # small: checked whole at start
    finally:
        close_context(ctx)


def test_closing_stops_the_whole_check_instead_of_waiting_for_it(
        demo_folder: DataFolder, qtbot: QtBot, qapp: QApplication,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A large archive read from a cold disk takes minutes to check whole: closing the window
    meanwhile stops the check (and tells nothing), rather than waiting for it."""
    with closing(sqlite3.connect(demo_folder.database)) as con, con:  # about 100 MB more
        con.execute("CREATE TABLE filler(block BLOB)")
        con.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 25000) INSERT INTO filler SELECT randomblob(4000) FROM n")
    checks: list[check_module.WholeCheck] = []
    outcomes: list[str] = []

    class Watched(check_module.WholeCheck):
        def __init__(self, path: Path) -> None:
            super().__init__(path)
            checks.append(self)

        def run(self) -> list[str]:
            try:
                rows = super().run()
            except check_module.CheckStoppedError:
                outcomes.append("stopped")
                raise
            outcomes.append("checked to its end")
            return rows

    monkeypatch.setattr(check_module, "WholeCheck", Watched)
    monkeypatch.setattr(app_module, "WHOLE_CHECK_MAX_BYTES", 0)
    ctx = build_context(demo_folder)
    told: list[str] = []
    try:
        assert check_whole_in_background(ctx, told.append)
        qtbot.waitUntil(lambda: bool(checks) and checks[0].started.is_set(), timeout=20_000)
    finally:
        close_context(ctx)  # the window closes while SQLite is checking
    assert outcomes == ["stopped"]
    qtbot.wait(100)  # (anything the pool posted back is delivered)
    assert told == []
