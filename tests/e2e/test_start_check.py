"""A damaged, emptied or missing database is never used silently (issue 13): every command that
uses the database first runs the quick start-up check and refuses, naming the problem and the
way forward; ``--read-only`` reads what is left without writing a byte."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consult_aid.errors import DamagedDatabaseError, StorageError
from consult_aid.services.addenda import add_addendum
from consult_aid.services.check import quick_check
from consult_aid.services.demo import DEMO_PASSWORD, DEMO_USER
from consult_aid.services.store import open_store
from consult_aid.signing.identity import IdentityError, create_identity
from tests.e2e.cli_run import run
from tests.signed_in import sign_in_db

from .conftest import NEW_PASSWORD_FILE_VAR, DemoRun

DAMAGED = 5  # StorageError's exit code


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_random_bytes_in_the_database_stop_every_command_that_uses_it(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_copy.data / "consult-aid.sqlite3"
    with db.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(4096))
    before = digest(db)
    data = str(demo_copy.data)
    for argv in (("list",), ("search", "Marsh"), ("demo", "--out", str(tmp_path / "o")),
                 ("export", demo_copy.consult_id, "--json"),
                 ("trust", "add", str(demo_copy.data / "identity" / "certificate.pem"))):
        code, text = run(capsys, "--data-dir", data, *argv)
        assert code == DAMAGED, (argv, text)
        assert "failed its start-up check" in text and "consult-aid restore" in text
        assert "Traceback" not in text
    code, text = run(capsys, "--data-dir", data, "check")
    assert code == 1 and text.startswith("database: ")
    assert "integrity check" in text or "malformed" in text
    assert digest(db) == before  # nothing was written into it
    assert not (tmp_path / "o").exists()


def test_an_emptied_database_is_not_replaced_by_an_empty_one(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_copy.data / "consult-aid.sqlite3"
    db.write_bytes(b"")
    for argv in (("list",), ("demo", "--out", str(tmp_path / "o"))):
        code, text = run(capsys, "--data-dir", str(demo_copy.data), *argv)
        assert code == DAMAGED and "is empty (0 bytes)" in text, text
    assert db.stat().st_size == 0
    with pytest.raises(DamagedDatabaseError, match="empty"):
        open_store(db)  # the store itself refuses too, whoever calls it


def test_a_deleted_database_is_not_silently_started_afresh(
        demo_copy: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_copy.data / "consult-aid.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "list")
    assert code == DAMAGED and "missing, though this data folder had a database" in text
    assert not db.exists()
    with pytest.raises(DamagedDatabaseError, match="missing"):
        open_store(db)


def test_a_new_data_folder_passes_and_remembers_it_has_a_database(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "new"
    password = tmp_path / "new-password"
    password.write_text(DEMO_PASSWORD + "\n", encoding="utf-8")
    password.chmod(0o600)
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password))
    code, text = run(capsys, "--data-dir", str(data), "accounts", "init", DEMO_USER, "--name",
                     "Dr. Sam Rivera")  # the first command on a new folder: its first account
    assert code == 0, text
    code, text = run(capsys, "--data-dir", str(data), "list")
    assert code == 0 and "No consults found" in text
    assert (data / "database-created").is_file()
    assert quick_check(data / "consult-aid.sqlite3").ok


def test_read_only_reads_and_writes_nothing(demo_copy: DemoRun, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = demo_copy.data / "consult-aid.sqlite3"
    data = str(demo_copy.data)
    # fold the WAL into the file first, so "unchanged" means the file itself
    with open_store(db) as store:
        store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(db)
    code, text = run(capsys, "--data-dir", data, "--read-only", "list")
    assert code == 0 and demo_copy.consult_id in text
    out = tmp_path / "rescued.json"
    code, text = run(capsys, "--data-dir", data, "--read-only", "export", demo_copy.consult_id,
                     "--json", "--out", str(out))
    assert code == 0 and out.is_file() and out.with_suffix(".pdf").is_file(), text
    code, text = run(capsys, "--data-dir", data, "--read-only", "import", str(out))
    assert code == 2 and "--read-only: import writes" in text
    assert digest(db) == before
    with open_store(db, read_only=True) as store, pytest.raises(StorageError, match="read-only"), \
            store.transaction():
        pass


def test_signing_with_a_swapped_in_identity_is_refused(demo_copy: DemoRun,
                                                       tmp_path: Path) -> None:
    """Past the start-up check (a service called directly): the key and certificate replaced
    together still do not sign as the clinic."""
    stranger = create_identity(tmp_path / "stranger", name="Dr. Sam Rivera",
                               clinic="Demo Pain Clinic", password="x" * 12)
    with open_store(demo_copy.data / "consult-aid.sqlite3") as db, \
            pytest.raises(IdentityError, match="not the one this clinic's records are signed"):
        sign_in_db(db, DEMO_USER, "Dr. Sam Rivera", password=DEMO_PASSWORD)
        add_addendum(db, demo_copy.consult_id, author="Dr X", text="Note.",
                     now=datetime.now(UTC), identity=stranger, password="x" * 12)
