"""Faults a clinic will meet, each through the real command: what the user is told (one line, no
traceback) and with which exit code, and that nothing is half-saved.

Full disk: a real tmpfs of a few MB filled to the last byte when this runs as root (else the
database is capped in-process with ``PRAGMA max_page_count``); a read-only data folder: a
read-only bind mount as root (else the folder made read-only with chmod); a database with
random bytes at offset 8192, emptied to 0 bytes, or from a newer version (user_version 999); an
archived PDF deleted past its trigger; two `demo`s at once in one fresh folder.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.errors import DiskFullError
from consult_aid.services.accounts import sign_in
from consult_aid.services.demo import demo_consult
from consult_aid.services.identities import signer_identity
from consult_aid.services.signing import sign_and_archive
from consult_aid.services.store import open_store

from .conftest import Template
from .harness import (
    FIGURES,
    FULL,
    PASSWORD,
    USER,
    Ran,
    child_env,
    cli,
    folder_problems,
    one_line,
    rows,
    run,
)

DB = "consult-aid.sqlite3"
STORAGE = 5  # StorageError (disk full, read-only, damaged)
NEWER = 3  # NewerDatabaseError
ROUNDS = 20 if FULL else 1  # two processes at once


def command(name: str, data: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """Run the real command and note what it said for the figures."""
    argv = cli(data, *args)
    ran = run(argv, env=env or child_env())
    FIGURES.fault(name, ["consult-aid", *args], ran.code, told(ran.code, ran.out, ran.err))
    return ran


def told(code: int, out: str, err: str) -> str:
    """What the user reads: on success the note (or the last line), on failure the first lines
    of the report and the error."""
    out_lines, err_lines = out.strip().splitlines(), err.strip().splitlines()
    if code == 0:
        return (err_lines or out_lines or [""])[-1]
    return " / ".join(out_lines[:2] + err_lines[:2])


# -- mounts ------------------------------------------------------------------------------------
def _mount(*args: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


@contextlib.contextmanager
def small_disk(size: str) -> Iterator[Path | None]:
    """A tmpfs of ``size`` (None when mounting is not permitted here)."""
    where = Path(tempfile.mkdtemp(prefix="consult-aid-full-"))
    mounted = _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where))
    try:
        yield where if mounted else None
    finally:
        if mounted:
            _umount(where)
        shutil.rmtree(where, ignore_errors=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left; return it (delete it to free the disk)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 16, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)
    return filler


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """``folder`` made read-only: a read-only bind mount as root, else chmod."""
    if _mount("--bind", str(folder), str(folder)):
        try:
            if _mount("-o", "remount,bind,ro", str(folder)):
                yield "read-only bind mount"
                return
        finally:
            _umount(folder)
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for p in modes:
        p.chmod(modes[p] & ~0o222)
    try:
        yield "chmod a-w"
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


# -- full disk ---------------------------------------------------------------------------------
@functools.cache
def can_mount() -> bool:
    """Whether a tmpfs can be mounted here (tried once, when a test first asks)."""
    with small_disk("64k") as disk:
        return disk is not None


def test_signing_on_a_full_disk_says_so_and_saves_nothing(signing: Template,
                                                           tmp_path: Path) -> None:
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root: the in-process test below runs instead")
    with small_disk("4m") as disk:
        assert disk is not None
        data = signing.copy(disk / "data")  # as a clean exit leaves it: no -wal, no -shm
        filler = fill(disk)
        ran = command("full disk (signing)", data, "demo", "--out", str(tmp_path / "out"))
        line = one_line(ran)
        assert not list((tmp_path / "out").glob("summary-*.pdf"))
        filler.unlink()
        assert rows(data / DB, "SELECT id, status FROM consults") == [
            (signing.consult_id, "signed")]  # nothing half-saved
        assert folder_problems(data) == []
        again = command("full disk (signing), space freed", data, "demo", "--out",
                        str(tmp_path / "out"))
        assert again.code == 0, again.text
        assert ran.code == STORAGE
        assert "disk is full" in line.lower(), line


def test_signing_into_a_full_database_says_so_and_saves_nothing(signing: Template,
                                                                 tmp_path: Path) -> None:
    """Without a mount: the database capped at its size (SQLite's own "database or disk is
    full"), the signing service called directly."""
    if can_mount():
        pytest.skip("the real full disk above runs instead")
    data = signing.copy(tmp_path / "data")
    catalog = load_catalog(data / "packs")
    consult, pack = demo_consult(catalog)
    now = datetime.now().astimezone()
    with open_store(data / DB) as db:
        db.account = sign_in(db, USER, PASSWORD, now=now)
        identity = signer_identity(db, DataFolder(data), db.account, PASSWORD, now=now)
        pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
        db.connection.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(DiskFullError, match=r"(?i)disk is full") as caught:
            sign_and_archive(db, consult, pack, identity, PASSWORD, now)
    FIGURES.fault("full disk (signing, in-process)", ["sign_and_archive"], STORAGE,
                  str(caught.value))
    assert folder_problems(data) == []


def test_a_first_run_on_a_full_disk_says_so(tmp_path: Path) -> None:
    with small_disk("1m") as disk:
        if disk is None:
            pytest.skip("mounting a tmpfs needs root")
        (disk / "filler").write_bytes(b"\0" * (900 * 1024))  # about 100 KB left
        data = disk / "data"
        ran = command("full disk (first run)", data, "demo", "--out", str(tmp_path / "out"))
        line = one_line(ran)
        assert ran.code == STORAGE, line
        assert "disk is full" in line.lower() and "(no file)" not in line, line
        assert not list((tmp_path / "out").glob("summary-*.pdf"))


# -- read-only data folder ---------------------------------------------------------------------
@pytest.fixture
def read_only_folder(signing: Template, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    data = signing.copy(tmp_path / "data")
    with read_only(data) as how:
        yield data, how


def test_a_read_only_folder_still_lists_exports_verifies_and_checks(
        read_only_folder: tuple[Path, str], signing: Template, tmp_path: Path) -> None:
    data, _how = read_only_folder
    ran = command("read-only folder", data, "list")
    assert ran.code == 0 and signing.consult_id in ran.out, ran.text
    assert "read-only" in ran.text.lower()  # a note that nothing can be changed
    out = tmp_path / "export" / "c.json"
    ran = command("read-only folder", data, "export", signing.consult_id, "--json",
                  "--out", str(out))
    assert ran.code == 0 and out.is_file(), ran.text
    ran = command("read-only folder", data, "verify", str(out.with_suffix(".pdf")))
    assert ran.code == 0 and "VALID" in ran.out, ran.text
    ran = command("read-only folder", data, "check")
    assert ran.code == 0, ran.text


def test_a_read_only_folder_refuses_a_change_in_one_line(
        read_only_folder: tuple[Path, str], tmp_path: Path) -> None:
    data, _how = read_only_folder
    ran = command("read-only folder (a change)", data, "demo", "--out", str(tmp_path / "out"))
    line = one_line(ran)
    assert ran.code != 0 and "read-only" in line.lower(), line


# -- damaged, emptied, newer database ------------------------------------------------------------
def test_random_bytes_at_offset_8192_stop_commands_and_check_names_them(
        signing: Template, tmp_path: Path) -> None:
    data = signing.copy(tmp_path / "data")
    db = data / DB
    assert db.stat().st_size > 8192 + 4096
    with db.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(4096))
    ran = command("corrupt database", data, "list")
    line = one_line(ran)
    assert ran.code == STORAGE and "failed its start-up check" in line, line
    assert "consult-aid restore" in line
    ran = command("corrupt database", data, "check")
    assert ran.code == 1 and "Traceback" not in ran.text, ran.text
    assert ran.out.startswith("database: "), ran.text


def test_an_emptied_database_is_named_not_replaced(signing: Template, tmp_path: Path) -> None:
    data = signing.copy(tmp_path / "data")
    (data / DB).write_bytes(b"")
    ran = command("emptied database", data, "list")
    line = one_line(ran)
    assert ran.code == STORAGE and "is empty (0 bytes)" in line, line
    assert (data / DB).stat().st_size == 0


def test_a_newer_database_is_refused_and_left_alone(signing: Template, tmp_path: Path) -> None:
    data = signing.copy(tmp_path / "data")
    con = sqlite3.connect(data / DB)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    before = (data / DB).read_bytes()
    for args in (("list",), ("demo", "--out", str(tmp_path / "out"))):
        ran = command("newer database", data, *args)
        line = one_line(ran)
        assert ran.code == NEWER and "newer Consult Aid" in line and "999" in line, line
    assert (data / DB).read_bytes() == before


# -- a missing archived PDF ----------------------------------------------------------------------
def test_a_missing_archived_pdf_is_named_by_export_and_check(signing: Template,
                                                              tmp_path: Path) -> None:
    data = signing.copy(tmp_path / "data")
    con = sqlite3.connect(data / DB)
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("DROP TRIGGER documents_are_kept")
    deleted = con.execute("DELETE FROM documents WHERE consult_id = ?",
                          (signing.consult_id,)).rowcount
    con.commit()
    con.close()
    assert deleted == 1
    ran = command("missing archived PDF", data, "export", signing.consult_id, "--json",
                  "--out", str(tmp_path / "c.json"))
    line = one_line(ran)
    assert ran.code == 4 and signing.consult_id in line, line
    assert "no archived summary PDF" in line, line
    ran = command("missing archived PDF", data, "check")
    assert ran.code == 1 and "Traceback" not in ran.text
    assert f"consult {signing.consult_id}: is signed but its archived summary is missing" \
        in ran.out, ran.text


# -- two processes at once -----------------------------------------------------------------------
def test_two_demos_at_once_in_a_fresh_folder_both_sign_with_one_identity(
        tmp_path: Path) -> None:
    for n in range(ROUNDS):
        data = tmp_path / f"round-{n}" / "data"
        procs = [subprocess.Popen(cli(data, "demo", "--out", str(data.parent / f"out-{k}")),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=child_env()) for k in (1, 2)]
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
        for code, out, err in results:
            FIGURES.fault("two processes at once", ["consult-aid", "demo"], code,
                          told(code, out, err))
        assert [r[0] for r in results] == [0, 0], f"round {n}: {results}"
        assert folder_problems(data) == [], f"round {n}"
        signed = rows(data / DB, "SELECT count(*) FROM consults WHERE status = 'signed'")
        assert signed == [(2,)], f"round {n}"
        own = rows(data / DB, "SELECT count(*) FROM certificates WHERE role = 'own'")
        assert own == [(1,)], f"round {n}: {own[0][0]} own certificates pinned"
