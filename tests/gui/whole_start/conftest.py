"""Fixtures of the tests that run the whole :func:`consult_aid.ui.app.run_app` from a start at
the sign-in page (issue 16)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.services.first_page import opens_at_sign_in
from consult_aid.services.store import open_store
from consult_aid.ui.main_window import MainWindow
from tests.signed_in import add_account


@pytest.fixture
def folder(data_folder: DataFolder) -> DataFolder:
    """A data folder with its database and an account: a start shows the sign-in page first."""
    with open_store(data_folder.database) as db:
        add_account(db)
    assert opens_at_sign_in(data_folder)
    return data_folder


@pytest.fixture(autouse=True)
def _keep_the_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_app installs its own


@pytest.fixture(autouse=True)
def _never_hang(qapp: QApplication) -> Iterator[None]:
    """A window that never quits (a broken start) ends its event loop with code 99."""
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: QApplication.exit(99))
    timer.start(60_000)
    yield
    timer.stop()


@pytest.fixture
def windows(qtbot: QtBot) -> Iterator[list[MainWindow]]:
    """The window of each start (closed after the test)."""
    seen: list[MainWindow] = []
    yield seen
    for window in seen:
        window.close()
        window.deleteLater()
