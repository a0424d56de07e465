"""A data folder that cannot be written (a backup copy, a read-only share) opens read-only.

list, search, export (to a folder elsewhere), verify, check and trust list work, each with one
note on standard error; the commands that write refuse with exit 2; nothing in the folder
changes (no chmod, no log, no -shm file, no marker).

Root may write anywhere, so as root each command runs with no capabilities
(``setpriv --bounding-set=-all``): still uid 0 and the folder's owner, but held to the
permission bits like any user — the same kernel checks a clinician's own ``chmod -R a-w`` copy
meets. As another user the commands run as they are.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_aid.cli.documents import DEMO_PASSWORD, PASSWORD_ENV

from .conftest import DemoRun

ROOT = str(Path(__file__).resolve().parents[2])
NOTE = "consult-aid: note: the data folder is read-only: nothing can be changed"
DB = "consult-aid.sqlite3"


def _as_reader() -> list[str]:
    """The prefix that makes a command obey permission bits (nothing for a non-root user)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop the power to write anywhere")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all"]


@pytest.fixture(scope="module")
def reader() -> list[str]:
    prefix = _as_reader()
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"consult-aid-ro-probe-{os.getpid()}"
    probe.mkdir(mode=0o500)
    try:
        done = subprocess.run([*prefix, sys.executable, "-c",
                               f"open({str(probe / 'x')!r}, 'w')"],
                              capture_output=True, check=False, timeout=60)
    finally:
        probe.rmdir()
    if done.returncode == 0:
        pytest.skip("this system lets even a process without capabilities write into a "
                    "read-only folder")
    return prefix


def _run(reader: list[str], data: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": ROOT, PASSWORD_ENV: DEMO_PASSWORD,
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DISPLAY", None)
    return subprocess.run([*reader, sys.executable, "-m", "consult_aid", "--data-dir", str(data),
                           *argv], env=env, capture_output=True, text=True, timeout=180,
                          check=False)


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder with its mode, size and modification time."""
    found = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.stat()
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def _read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


def _writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


@pytest.fixture
def read_only_copy(demo_run: DemoRun, tmp_path: Path) -> Iterator[Path]:
    """A copy of the demo's data folder after `chmod -R a-w` (as a backup copy might be)."""
    data = tmp_path / "copy"
    shutil.copytree(demo_run.data, data)
    _read_only(data)
    yield data
    _writable(data)


def _assert_read_with_note(done: subprocess.CompletedProcess[str], data: Path) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith(NOTE)]
    assert notes == [f"{NOTE} ({data})"], done.stderr


def test_reading_commands_work_with_a_note_and_change_nothing(
        reader: list[str], read_only_copy: Path, demo_run: DemoRun, tmp_path: Path) -> None:
    data = read_only_copy
    before = _snapshot(data)
    out = tmp_path / "elsewhere"
    out.mkdir()
    for argv, expect in (
        (["list"], "Helen Marsh"),
        (["search", "Marsh"], "Helen Marsh"),
        (["trust", "list"], "own (this clinic's signing identity)"),
        (["verify", str(demo_run.summary)], "VALID: signed by this clinic"),
        (["export", demo_run.consult_id, "--json", "--out", str(out / "c.json")], "Wrote"),
        (["packs"], "intrathecal-pump"),
    ):
        done = _run(reader, data, *argv)
        assert done.returncode == 0, (argv, done.stderr)
        assert expect in done.stdout, (argv, done.stdout)
        _assert_read_with_note(done, data)
    assert (out / "c.json").is_file() and (out / "c.pdf").is_file()
    assert "matches the archived summary" in _run(reader, data, "verify",
                                                  str(demo_run.summary)).stdout
    assert _snapshot(data) == before  # no chmod, no log, no -shm, nothing


def test_check_works_on_a_read_only_folder(reader: list[str], read_only_copy: Path) -> None:
    done = _run(reader, read_only_copy, "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK:")
    _assert_read_with_note(done, read_only_copy)


@pytest.mark.parametrize("argv", [
    ["import", "x.json"],
    ["demo", "--out", "OUT"],
    ["addendum", "ID", "--text", "a note"],
    ["trust", "add", "identity/certificate.pem"],
    ["backup", "OUT"],
])
def test_commands_that_write_refuse_with_one_line(reader: list[str], read_only_copy: Path,
                                                  demo_run: DemoRun, tmp_path: Path,
                                                  argv: list[str]) -> None:
    data = read_only_copy
    replace = {"OUT": str(tmp_path / "out"), "ID": demo_run.consult_id,
               "identity/certificate.pem": str(data / "identity" / "certificate.pem"),
               "x.json": str(tmp_path / "x.json")}
    before = _snapshot(data)
    done = _run(reader, data, *(replace.get(a, a) for a in argv))
    assert done.returncode == 2, done.stderr
    command = " ".join(argv[:2]) if argv[0] == "trust" else argv[0]
    assert done.stderr == (f"consult-aid: the data folder is read-only: nothing can be changed "
                           f"({data}); {command} would change it. Only list, search, export, "
                           "verify, check, render, packs, trust list and the window work on "
                           "it\n"), done.stderr
    assert done.stdout == ""
    assert _snapshot(data) == before


def test_a_read_only_database_file_in_a_writable_folder(reader: list[str], demo_copy: DemoRun
                                                        ) -> None:
    """Only the database is read-only (as after copying it from a read-only medium)."""
    data = demo_copy.data
    (data / DB).chmod(0o400)
    try:
        done = _run(reader, data, "list")
        assert done.returncode == 0, done.stderr
        assert "Helen Marsh" in done.stdout
        _assert_read_with_note(done, data)
        refused = _run(reader, data, "addendum", demo_copy.consult_id, "--text", "note")
        assert refused.returncode == 2 and "addendum would change it" in refused.stderr
    finally:
        (data / DB).chmod(0o600)


def test_the_explicit_read_only_option_does_not_tighten_a_read_only_folder(
        reader: list[str], read_only_copy: Path) -> None:
    before = _snapshot(read_only_copy)
    done = _run(reader, read_only_copy, "--read-only", "list")
    assert done.returncode == 0, done.stderr
    _assert_read_with_note(done, read_only_copy)
    assert _snapshot(read_only_copy) == before


def _live_copy(source: Path, target: Path) -> None:
    """Copy ``source`` while a connection has changes in its WAL (not yet checkpointed), as a
    copy of the folder of an open window would be."""
    con = sqlite3.connect(source / DB, isolation_level=None)
    try:
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE scratch(x)")  # a change that lives in the -wal file only
        shutil.copytree(source, target)
    finally:
        con.close()


def test_a_copy_with_its_wal_and_shm_files_is_read_with_its_latest_changes(
        reader: list[str], demo_copy: DemoRun, tmp_path: Path) -> None:
    data = tmp_path / "live"
    _live_copy(demo_copy.data, data)
    assert (data / f"{DB}-wal").stat().st_size > 0 and (data / f"{DB}-shm").exists()
    _read_only(data)
    try:
        done = _run(reader, data, "list")
        assert done.returncode == 0, done.stderr
        assert "Helen Marsh" in done.stdout
        _assert_read_with_note(done, data)
    finally:
        _writable(data)


def test_changes_only_in_a_wal_file_are_never_skipped_silently(
        reader: list[str], demo_copy: DemoRun, tmp_path: Path) -> None:
    """Without its -shm file SQLite cannot read the -wal in a read-only folder; reading the
    database file alone would show it without its latest changes: refused, saying why."""
    data = tmp_path / "live"
    _live_copy(demo_copy.data, data)
    (data / f"{DB}-shm").unlink()
    _read_only(data)
    try:
        done = _run(reader, data, "list")
        assert done.returncode == 5, done.stderr
        assert "Traceback" not in done.stderr
        assert f"its latest changes are in {DB}-wal" in done.stderr
        assert "Copy the data folder to a folder you may write to" in done.stderr
    finally:
        _writable(data)


WINDOW_PROBE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from consult_aid.datadir import resolve
from consult_aid.ui.app import run_app

app = QApplication([])
def look():
    window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow"
                  or type(w).__name__ == "MainWindow")
    print("banner", window.read_only_banner.isVisible(), window.read_only_banner.text()[:40])
    print("start", window.start.start_button.isEnabled())
    window.close()
QTimer.singleShot(3000, look)
sys.exit(run_app(resolve(sys.argv[1]), read_only=True, tell=lambda m: print("told", m)))
"""


def test_the_window_opens_a_read_only_folder_read_only_without_a_lock(
        reader: list[str], read_only_copy: Path) -> None:
    """Viewing works on a read-only folder: no lock file could be made there (nor is one
    needed: nothing can change it), the banner says why nothing can be saved."""
    before = _snapshot(read_only_copy)
    env = {**os.environ, "PYTHONPATH": ROOT, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([*reader, sys.executable, "-c", WINDOW_PROBE, str(read_only_copy)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert "told" not in done.stdout, done.stdout  # not "already open elsewhere"
    assert "banner True Read-only" in done.stdout, done.stdout + done.stderr
    assert "start False" in done.stdout
    assert done.returncode == 0
    assert _snapshot(read_only_copy) == before
