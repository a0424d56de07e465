"""Shared test set-up: offscreen Qt, a fresh data folder per test, gui tests marked."""

from __future__ import annotations

import os

# Set before anything imports Qt: the tests never need a display.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("CONSULT_AID_HOME", None)

from pathlib import Path

import pytest

from consult_aid.datadir import DataFolder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui" in str(item.path).replace(os.sep, "/") or "qtbot" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.gui)


@pytest.fixture
def data_folder(tmp_path: Path) -> DataFolder:
    """An empty, private data folder on disk for one test."""
    return DataFolder(tmp_path / "data").ensure()


# A real PostgreSQL server for the tests run against both backends (tests/pg_server.py).
from tests.pg_server import pg_admin_url, pg_url  # noqa: E402, F401


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_location(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """Where a test's archive is kept, once per backend: a SQLite file in a fresh folder, and
    a fresh database on a real PostgreSQL server (skipped where there is none)."""
    if request.param == "sqlite":  # the database of the test's data folder (data_folder)
        (tmp_path / "data").mkdir(mode=0o700, exist_ok=True)
        return tmp_path / "data" / "consult-aid.sqlite3"
    from consult_aid.storage.server import ServerAddress

    return ServerAddress.parse(request.getfixturevalue("pg_url"))
