"""Every file the command line writes with patient data is 0600 and every folder it makes 0700,
whatever the umask: the PDFs of demo, render and addendum, export's JSON and PDFs, the data
folder's own files, the log, and the copy of the database kept before a migration."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.cli.documents import DEMO_PASSWORD, PASSWORD_ENV
from consult_aid.logs import configure_logging
from consult_aid.services.store import open_store
from consult_aid.storage import Database, latest_version

from .conftest import DemoRun

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture(autouse=True)
def _usual_umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The common default: files 0644 and folders 0755 unless the program says otherwise."""
    monkeypatch.setenv(PASSWORD_ENV, DEMO_PASSWORD)
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): _mode(p) for p in sorted(folder.rglob("*"))}


def _private(modes: dict[str, int], root: Path) -> None:
    for name, mode in modes.items():
        expected = 0o700 if (root / name).is_dir() else 0o600
        assert mode == expected, f"{name}: {mode:o}, not {expected:o}"


def test_the_demo_writes_owner_only_files_into_owner_only_folders(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "new" / "nested" / "out"
    assert main(["--data-dir", str(data), "demo", "--out", str(out)]) == 0
    for folder in (tmp_path / "new", tmp_path / "new" / "nested", out, data):
        assert _mode(folder) == 0o700, folder
    files = _modes(out)
    assert len(files) == 5  # the summary and four handouts, each made for this patient
    _private(files, out)
    _private(_modes(data), data)  # database, markers, identity, log
    assert (data / "logs" / "consult-aid.log").is_file()


def test_render_addendum_and_export_write_owner_only_copies(demo_copy: DemoRun,
                                                            tmp_path: Path) -> None:
    data = str(demo_copy.data)
    exported = tmp_path / "export" / "sub" / "consult.json"
    assert main(["--data-dir", data, "addendum", demo_copy.consult_id, "--text", "A note.",
                 "--out", str(tmp_path / "addendum" / "a.pdf")]) == 0
    assert main(["--data-dir", data, "export", demo_copy.consult_id, "--json",
                 "--out", str(exported)]) == 0
    assert main(["--data-dir", data, "render", str(exported),
                 "--out", str(tmp_path / "render" / "draft.pdf")]) == 0
    for folder in ("addendum", "export", "render"):
        assert _mode(tmp_path / folder) == 0o700
        _private(_modes(tmp_path / folder), tmp_path / folder)
    names = sorted(_modes(tmp_path / "export"))
    assert len(names) == 4, names  # the folder, the JSON, the summary and the addendum
    assert {"sub", "sub/consult.json", "sub/consult.pdf"} < set(names)
    assert any(name.startswith("sub/consult.addendum-") for name in names), names


def test_a_folder_the_user_chose_keeps_its_mode(demo_copy: DemoRun, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    assert main(["--data-dir", str(demo_copy.data), "export", demo_copy.consult_id, "--json",
                 "--out", str(shared / "c.json")]) == 0
    assert _mode(shared) == 0o755  # not ours to change
    assert _mode(shared / "c.json") == _mode(shared / "c.pdf") == 0o600


@pytest.mark.parametrize("stale", [False, True])
def test_the_copy_kept_before_a_migration_is_owner_only(tmp_path: Path, stale: bool) -> None:
    path = tmp_path / "consult-aid.sqlite3"
    start = latest_version() - 1
    Database(path, migrate_to=start).close()
    backup = path.with_name(f"{path.name}.schema-{start}.bak")
    if stale:  # left by an earlier attempt, with the umask's mode
        backup.write_bytes(b"")
        backup.chmod(0o644)
    with open_store(path) as db:
        assert db.version == latest_version()
    assert backup.stat().st_size > 0
    assert _mode(backup) == 0o600
    assert all(_mode(p) == 0o600 for p in tmp_path.iterdir()), _modes(tmp_path)


def test_the_log_is_owner_only_also_after_it_rotates(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    folder.mkdir(mode=0o700)
    path = configure_logging(folder)
    assert path is not None
    logging.getLogger("consult_aid.test").info("one line")
    handler = next(h for h in logging.getLogger("consult_aid").handlers
                   if getattr(h, "baseFilename", None) == str(path))
    try:
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()
        logging.getLogger("consult_aid.test").info("after rotating")
        assert sorted(_modes(folder)) == ["consult-aid.log", "consult-aid.log.1"]
        assert set(_modes(folder).values()) == {0o600}
    finally:
        logging.getLogger("consult_aid").removeHandler(handler)
        handler.close()
