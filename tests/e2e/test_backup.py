"""``consult-aid backup`` and ``restore`` on the real demo data folder: real files, real SQLite,
through the command's own entry point. A backup is complete, checked and consistent (also while
another connection writes); a damaged database is never backed up; a restore brings a damaged
data folder back, keeps what it replaced, and refuses — changing nothing — a backup that is
not exactly what its manifest says or whose database fails ``check``."""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.services.backup import last_backup_at
from consult_aid.services.check import check_database
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import open_database

from .conftest import DemoRun

DB = "consult-aid.sqlite3"
# the demo clinician's own signing identity (each account signs with its own)
CERT = "identity/accounts/srivera/certificate.pem"
KEY = "identity/accounts/srivera/identity.p12"


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def backup(capsys: pytest.CaptureFixture[str], data: Path, dest: Path) -> Path:
    code, out, err = run(capsys, data, "backup", str(dest))
    assert code == 0, err
    (folder,) = dest.glob("consult-aid-backup-*")
    assert out.startswith(f"Backup written: {folder} (") and out.rstrip().endswith(
        "check: OK (1 consults, 1 signed documents)")
    return folder


def snapshot(folder: Path) -> dict[str, object]:
    """Every file of a data folder but its logs (each command run appends to those); the
    database as its records, but for the sign-ins every command adds (the audit trail's
    entries and the accounts' sign-in counts), which :func:`sign_ins_since` checks."""
    files: dict[str, object] = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != "logs"
        and not p.name.startswith(DB)}
    con = sqlite3.connect(f"{(folder / DB).as_uri()}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table' ORDER BY name")
                  if t not in {"audit_log", "accounts"} and not t.startswith("sqlite_")]
        files[DB] = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}")))
                     for t in tables}
        files["audit entries"] = con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()
    return files


def sign_ins_since(folder: Path, before: dict[str, object]) -> list[tuple[str, str]]:
    """The audit trail's entries added since ``before`` (action, account)."""
    with open_database(folder / DB) as db:
        entries = AuditLog(db).entries()
    count = before["audit entries"]
    assert isinstance(count, int)
    return [(e.action, e.actor) for e in entries[count:]]


def leftovers(data: Path) -> list[str]:
    return sorted(p.name for p in data.parent.iterdir()
                  if ".replaced-" in p.name or ".restoring-" in p.name)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(folder: Path) -> dict[str, object]:
    document = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def rewrite_manifest(folder: Path, change: Callable[[dict[str, object]], None] | None = None
                     ) -> None:
    """A manifest that matches the folder as it is now (as someone covering a change would)."""
    document = manifest_of(folder)
    document["files"] = {
        p.relative_to(folder).as_posix(): {"sha256": sha256(p), "size": p.stat().st_size}
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "MANIFEST.json"}
    if change is not None:
        change(document)
    (folder / "MANIFEST.json").write_text(json.dumps(document), encoding="utf-8")


def tamper(database: Path, *sql: str) -> None:
    con = sqlite3.connect(database)
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def live_lock(data: Path, pid: int) -> None:
    """The window's lock as Qt's QLockFile writes it: PID, program, host, machine, boot id."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        boot = ""
    (data / "consult-aid.lock").write_text(
        f"{pid}\npython3\n{socket.gethostname()}\nmachine\n{boot}\n", encoding="utf-8")


# -- backup ----------------------------------------------------------------------------------
def test_a_backup_lists_every_file_checks_clean_and_is_audited(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_copy.data
    (data / "settings.json").write_text('{"large_text": true}', encoding="utf-8")
    (data / "consult-aid.lock").write_text("1\npython3\nelsewhere\n", encoding="utf-8")
    (data / f"{DB}.schema-7.bak").write_bytes(b"an old copy")
    folder = backup(capsys, data, tmp_path / "backups")

    manifest = manifest_of(folder)
    assert manifest["format"] == "consult-aid-backup" and manifest["version"] == 1
    files = manifest["files"]
    assert isinstance(files, dict)
    assert sorted(files) == [DB, "database-created", CERT, KEY, "settings.json"]
    for rel, entry in files.items():
        assert entry == {"sha256": sha256(folder / rel), "size": (folder / rel).stat().st_size}
    for rel in (CERT, KEY, "settings.json"):
        assert (folder / rel).read_bytes() == (data / rel).read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == [
        "MANIFEST.json", DB, "database-created", "identity", "packs", "settings.json"]
    if os.name == "posix":
        assert (folder.stat().st_mode & 0o777) == 0o700
        assert all((p.stat().st_mode & 0o777) == (0o700 if p.is_dir() else 0o600)
                   for p in folder.rglob("*"))

    report = check_database(folder / DB, folder / "identity")
    assert report.ok and report.consults == 1 and report.documents == 1

    with open_database(data / DB) as db:
        sign_in, entry = AuditLog(db).entries()[-2:]
        assert (sign_in.action, sign_in.actor) == ("sign-in", "srivera")
        assert (entry.action, entry.actor) == ("data.backed_up", "srivera")
        assert entry.detail == (f"5 files, {sum(e['size'] for e in files.values())} bytes; "
                                f"manifest sha256 {sha256(folder / 'MANIFEST.json')}")
        assert str(tmp_path) not in entry.detail
        when = last_backup_at(db)
    assert when is not None and when == datetime.fromisoformat(entry.at)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=1)


def test_a_backup_while_another_connection_writes_holds_the_last_committed_state(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "backups"
    writer = sqlite3.connect(demo_copy.data / DB, isolation_level=None,
                             check_same_thread=False)
    writer.execute("CREATE TABLE scratch (n INTEGER)")
    writer.execute("INSERT INTO scratch VALUES (1)")  # committed, so far only in the WAL
    assert (demo_copy.data / f"{DB}-wal").stat().st_size > 0
    (entries_before,) = writer.execute("SELECT count(*) FROM audit_log").fetchone()

    def release_once_copied() -> None:
        # once the command has signed in (its sign-in is a write), an uncommitted write holds
        # the lock while the copy is made; the copy is done once the manifest is written, and
        # the backup's own audit entry then waits (busy timeout) for this write to end
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and writer.execute(
                "SELECT count(*) FROM audit_log").fetchone()[0] == entries_before:
            time.sleep(0.001)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO scratch VALUES (2)")  # uncommitted, holding the write lock
        while time.monotonic() < deadline and not list(dest.glob("*/MANIFEST.json")):
            time.sleep(0.005)
        writer.execute("ROLLBACK")

    releaser = threading.Thread(target=release_once_copied)
    releaser.start()
    try:
        folder = backup(capsys, demo_copy.data, dest)
    finally:
        releaser.join()
        writer.close()
    con = sqlite3.connect(f"{(folder / DB).as_uri()}?mode=ro", uri=True)
    try:
        assert [n for (n,) in con.execute("SELECT n FROM scratch")] == [1]
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        con.close()
    assert not list(folder.glob(f"{DB}-*"))  # one file, no journal beside it


def test_a_damaged_database_is_not_backed_up(demo_copy: DemoRun, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with (demo_copy.data / DB).open("r+b") as f:
        f.seek(8192)
        f.write(random.Random(13).randbytes(4096))
    dest = tmp_path / "backups"
    dest.mkdir()
    code, out, err = run(capsys, demo_copy.data, "backup", str(dest))
    assert code == 1 and out == ""
    assert "database is damaged" in err and "no backup was made" in err
    assert list(dest.iterdir()) == []
    code, _, err = run(capsys, demo_copy.data, "backup", str(tmp_path / "new"))
    assert code == 1 and not (tmp_path / "new").exists()


def test_a_backup_inside_the_data_folder_is_refused(demo_copy: DemoRun,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, demo_copy.data, "backup", str(demo_copy.data / "backups"))
    assert code == 1 and "inside the data folder" in err
    assert not (demo_copy.data / "backups").exists()


# -- restore ---------------------------------------------------------------------------------
def random_bytes_at_8192(data: Path) -> str:
    with (data / DB).open("r+b") as f:
        f.seek(8192)
        f.write(random.Random(4).randbytes(4096))
    return "database:"


def an_edited_signed_record(data: Path) -> str:
    con = sqlite3.connect(data / DB)
    (consult_id, body) = con.execute("SELECT id, body FROM consults").fetchone()
    con.close()
    record = json.loads(body)
    record["consult"]["decision"]["choice"] = "decline"
    tamper(data / DB, "DROP TRIGGER consults_signed_are_immutable",
           "DROP TRIGGER consult_search_update",  # it needs the program's fold function
           f"UPDATE consults SET body = '{json.dumps(record).replace(chr(39), chr(39) * 2)}' "
           f"WHERE id = '{consult_id}'")
    return f"consult {consult_id}: the stored record differs"


@pytest.mark.parametrize("damage", [random_bytes_at_8192, an_edited_signed_record],
                         ids=["random-bytes", "edited-record"])
def test_restore_brings_a_damaged_data_folder_back(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        damage: Callable[[Path], str]) -> None:
    data = demo_copy.data
    folder = backup(capsys, data, tmp_path / "backups")
    named = damage(data)
    code, out, err = run(capsys, data, "check")
    assert code == 1 and named in out, out + err
    damaged = (data / DB).read_bytes()

    code, out, err = run(capsys, data, "restore", str(folder))
    assert code == 0, err
    (aside,) = data.parent.glob("data.replaced-*")
    assert out.startswith(f"Restored from {folder} (backup of ")
    assert f"the replaced data folder items are kept in {aside}." in out
    assert out.rstrip().endswith("`consult-aid check`: OK")
    if named == "database:":  # no one could sign in: the damaged file is kept as it was
        assert (aside / DB).read_bytes() == damaged
    else:  # the restore's sign-in is recorded in the database it replaced, which is kept
        assert not check_database(aside / DB).ok
        with open_database(aside / DB) as db:
            assert [(e.action, e.actor) for e in AuditLog(db).entries()[-1:]] == [
                ("sign-in", "srivera")]
    assert (aside / CERT).is_file()
    assert leftovers(data) == [aside.name]  # no staging folder left behind

    code, out, err = run(capsys, data, "check")
    assert code == 0, out + err
    code, out, _ = run(capsys, data, "list")
    assert code == 0 and demo_copy.consult_id in out and "signed" in out
    with open_database(data / DB) as db:
        (entry,) = [e for e in AuditLog(db).entries() if e.action == "data.restored"]
        # the backup holds no entry of itself; the restore says when it was made
        restored_from = last_backup_at(db)
    # the restorer signed in, unless no one could: the accounts were in the damaged database
    assert entry.actor == ("(not signed in)" if named == "database:" else "srivera")
    assert sha256(folder / "MANIFEST.json") in entry.detail
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    assert restored_from == datetime.fromisoformat(manifest["created_at"])


def test_restore_onto_a_new_data_folder(demo_copy: DemoRun, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = backup(capsys, demo_copy.data, tmp_path / "backups")
    code, _, _ = run(capsys, folder, "check")  # checking a backup in place adds its logs/
    assert code == 0 and (folder / "logs").is_dir()
    fresh = tmp_path / "new-machine" / "ConsultAid"
    code, out, err = run(capsys, fresh, "restore", str(folder))
    assert code == 0, err
    assert "the data folder held nothing to replace" in out
    assert leftovers(fresh) == []
    code, out, err = run(capsys, fresh, "check")
    assert code == 0 and out.startswith("OK: 1 consults"), out + err
    code, out, _ = run(capsys, fresh, "list")
    assert code == 0 and demo_copy.consult_id in out
    for rel in (CERT, KEY):
        assert (fresh / rel).read_bytes() == (folder / rel).read_bytes()


def flip_a_byte(folder: Path) -> None:
    path = folder / CERT
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0x01
    path.write_bytes(bytes(raw))


def add_a_file(folder: Path) -> None:
    (folder / "packs" / "extra-pack.toml").write_text("id = 'extra'\n", encoding="utf-8")


def remove_a_file(folder: Path) -> None:
    (folder / KEY).unlink()


def remove_the_manifest(folder: Path) -> None:
    (folder / "MANIFEST.json").unlink()


def garble_the_manifest(folder: Path) -> None:
    (folder / "MANIFEST.json").write_text('{"format": "consult-aid-backup", ', encoding="utf-8")


def list_a_path(path: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        def add(document: dict[str, object]) -> None:
            files = document["files"]
            assert isinstance(files, dict)
            files[path] = {"sha256": "0" * 64, "size": 0}
        rewrite_manifest(folder, add)
    return change


def set_a_signed_consult_back_to_draft(folder: Path) -> None:
    tamper(folder / DB, "DROP TRIGGER consults_signed_are_immutable",
           "UPDATE consults SET status = 'draft'")
    rewrite_manifest(folder)  # so that only `check` can tell


def a_newer_schema(folder: Path) -> None:
    tamper(folder / DB, "PRAGMA user_version = 99")
    rewrite_manifest(folder)


REFUSALS = {
    "changed-file": (flip_a_byte, f"{CERT} differ from the manifest"),
    "added-file": (add_a_file, "does not list: packs/extra-pack.toml"),
    "missing-file": (remove_a_file, f"missing: {KEY}"),
    "no-manifest": (remove_the_manifest, "has no MANIFEST.json"),
    "not-json": (garble_the_manifest, "it is not valid JSON"),
    "dotdot-path": (list_a_path("../outside.txt"), "not a plain relative path"),
    "absolute-path": (list_a_path("/etc/passwd"), "not a plain relative path"),
    "journal-listed": (list_a_path(f"{DB}-wal"), "which a backup never holds"),
    "fails-check": (set_a_signed_consult_back_to_draft, "failed its check"),
    "newer-schema": (a_newer_schema, "written by a newer Consult Aid"),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_restore_refuses_a_backup_that_is_not_what_it_says_and_changes_nothing(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        name: str) -> None:
    change, message = REFUSALS[name]
    data = demo_copy.data
    folder = backup(capsys, data, tmp_path / "backups")
    change(folder)
    before = snapshot(data)
    code, out, err = run(capsys, data, "restore", str(folder))
    assert code == 1 and out == ""
    assert message in err and "nothing was changed" in err.lower()
    added = sign_ins_since(data, before)
    assert added == [("sign-in", "srivera")]  # the only change: the restorer's sign-in
    before["audit entries"] = int(str(before["audit entries"])) + 1
    assert snapshot(data) == before
    assert leftovers(data) == []


def test_restore_waits_for_the_window_to_close(demo_copy: DemoRun, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = demo_copy.data
    folder = backup(capsys, data, tmp_path / "backups")
    live_lock(data, os.getpid())  # a process that is running: this one
    before = snapshot(data)
    code, _, err = run(capsys, data, "restore", str(folder))
    assert code == 1 and "close the Consult Aid window first" in err
    assert sign_ins_since(data, before) == [("sign-in", "srivera")]
    before["audit entries"] = int(str(before["audit entries"])) + 1
    assert snapshot(data) == before and leftovers(data) == []

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    live_lock(data, ended.pid)  # the lock of a window that crashed: stale
    code, _, err = run(capsys, data, "restore", str(folder))
    assert code == 0, err
    assert (data / "consult-aid.lock").is_file()  # the lock is the window's, left in place
