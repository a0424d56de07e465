"""Signing and addenda under real faults: nothing is left behind, and the message says exactly
what was and was not saved (issue 15, "Failed signing leaves a signed PDF behind").

The signed PDF lives only in the database, written in the one transaction that marks the
consult signed; ``--out`` copies are written after the commit. Each fault here is real:

- a full disk: SQLite's own limit (``PRAGMA max_page_count``), and a real small file system
  (a tmpfs mounted for the test, when the test may mount one);
- a read-only database: ``PRAGMA query_only`` (SQLite enforces it for root too), and a
  database file made read-only (chmod 0444) for a program run as an unprivileged user (as
  root, through ``setpriv`` to ``nobody``, since chmod does not stop root);
- SIGKILL between render and commit, and during the ``--out`` copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.cli.documents import DEMO_PASSWORD, PASSWORD_ENV
from consult_aid.content import load_catalog
from consult_aid.errors import DiskFullError, StorageError
from consult_aid.files import is_temp_file_name
from consult_aid.services.addenda import add_addendum
from consult_aid.services.consults import new_consult_id
from consult_aid.services.demo import DEMO_USER, demo_consult
from consult_aid.services.signing import sign_and_archive
from consult_aid.services.store import open_store
from consult_aid.signing.identity import load_identity
from consult_aid.storage.accounts import AccountRepository
from consult_aid.storage.database import Database

from .conftest import DemoRun

DB = "consult-aid.sqlite3"
DEMO_IDENTITY = Path("identity", "accounts", DEMO_USER)  # the demo clinician's own identity
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


@pytest.fixture(autouse=True)
def _demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, DEMO_PASSWORD)


# -- what a data folder holds ------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Archive:
    signed: int  # consults signed (or amended)
    documents: int  # archived PDFs (summaries and addenda)
    addenda: int
    files: frozenset[str]  # the data folder's files, but logs and SQLite's -wal/-shm


def archive_of(data: Path) -> Archive:
    con = sqlite3.connect(f"{(data / DB).resolve().as_uri()}?mode=ro", uri=True)
    try:
        signed, documents, addenda = (con.execute(sql).fetchone()[0] for sql in (
            "SELECT count(*) FROM consults WHERE status != 'draft'",
            "SELECT count(*) FROM documents", "SELECT count(*) FROM addenda"))
    finally:
        con.close()
    files = frozenset(str(p.relative_to(data)) for p in data.rglob("*")
                      if p.is_file() and p.parts[len(data.parts)] != "logs"
                      and not p.name.endswith(("-wal", "-shm")))
    return Archive(signed, documents, addenda, files)


def temp_files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if is_temp_file_name(p.name)]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_check_clean(data: Path) -> None:
    code, out, err = run(["--data-dir", str(data), "check"])
    assert code == 0, out + err


def one_clear_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "did not expect" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("consult-aid: "), stderr
    return lines[0]


def as_demo_clinician(db: Database) -> Database:
    """``db`` with the demo's clinician signed in (nothing written: the faults below stop
    writes)."""
    stored = AccountRepository(db).find(DEMO_USER)
    assert stored is not None
    db.account = stored.account
    return db


def sign_demo(data: Path, db: Database) -> str:
    """Sign a new demo consult in ``data`` through the service; its id."""
    consult, pack = demo_consult(load_catalog(data / "packs"))
    consult = dataclasses.replace(consult, id=new_consult_id())
    sign_and_archive(as_demo_clinician(db), consult, pack, load_identity(data / DEMO_IDENTITY),
                     DEMO_PASSWORD, datetime.now().astimezone())
    return consult.id


def demo_command(data: Path, out: Path) -> list[str]:
    return ["--data-dir", str(data), "demo", "--out", str(out)]


# -- full disk and read-only database, through the services ----------------------------------
def test_a_full_database_signs_nothing_and_says_so(demo_copy: DemoRun) -> None:
    before = archive_of(demo_copy.data)
    with open_store(demo_copy.data / DB) as db:
        pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
        db.connection.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(DiskFullError) as caught:
            sign_demo(demo_copy.data, db)
        assert not db.connection.in_transaction
    message = str(caught.value)
    assert "was NOT signed and no PDF was archived" in message
    assert "disk is full" in message and "Free some space" in message
    assert archive_of(demo_copy.data) == before
    assert temp_files_under(demo_copy.data) == []
    assert_check_clean(demo_copy.data)


def test_a_read_only_database_signs_nothing_and_says_so(demo_copy: DemoRun) -> None:
    before = archive_of(demo_copy.data)
    with open_store(demo_copy.data / DB) as db:
        db.connection.execute("PRAGMA query_only = ON")
        with pytest.raises(StorageError) as caught:
            sign_demo(demo_copy.data, db)
    message = str(caught.value)
    assert "was NOT signed and no PDF was archived" in message and "read-only" in message
    assert archive_of(demo_copy.data) == before
    assert_check_clean(demo_copy.data)


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_an_addendum_that_cannot_be_stored_leaves_nothing_and_says_so(
        demo_copy: DemoRun, fault: str) -> None:
    before = archive_of(demo_copy.data)
    with open_store(demo_copy.data / DB) as db:
        if fault == "full":
            pages = db.connection.execute("PRAGMA page_count").fetchone()[0]
            db.connection.execute(f"PRAGMA max_page_count = {pages}")
        else:
            db.connection.execute("PRAGMA query_only = ON")
        with pytest.raises(StorageError) as caught:
            add_addendum(as_demo_clinician(db), demo_copy.consult_id, author="Dr. Sam Rivera",
                         text="Phoned: trial moved to 16 Dec. " * 400,
                         now=datetime.now().astimezone(),
                         identity=load_identity(demo_copy.data / DEMO_IDENTITY),
                         password=DEMO_PASSWORD)
    message = str(caught.value)
    assert f"The addendum to consult {demo_copy.consult_id} was NOT stored" in message
    assert ("disk is full" if fault == "full" else "read-only") in message
    assert archive_of(demo_copy.data) == before
    assert_check_clean(demo_copy.data)


# -- a real small disk ---------------------------------------------------------------------
@contextlib.contextmanager
def small_disk(where: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` mounted at ``where`` (the test is skipped when it cannot be)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs Linux and root")
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0700",
                              "tmpfs", str(where)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path, leave_kib: int) -> None:
    """Take all the free space of ``folder``'s file system but ``leave_kib``."""
    free = os.statvfs(folder)
    spare = free.f_bavail * free.f_frsize - leave_kib * 1024
    if spare > 0:
        (folder / "filler").write_bytes(b"\0" * spare)


def cli(argv: list[str], *, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, as a user sees it."""
    return subprocess.run([*prefix, sys.executable, "-m", "consult_aid", *argv],
                          capture_output=True, text=True, timeout=300, check=False, cwd="/",
                          env={**os.environ, PASSWORD_ENV: DEMO_PASSWORD})


def test_a_full_disk_at_signing_leaves_nothing_and_says_so(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 4096) as disk:
        data = disk / "data"
        shutil.copytree(demo_copy.data, data)
        before = archive_of(data)
        fill(disk, leave_kib=160)  # room to start, not for a 260 KB signed PDF
        out = tmp_path / "new-out"  # demo_copy.out is tmp_path / "out"
        done = cli(demo_command(data, out))
        (disk / "filler").unlink()
        line = one_clear_line(done.stderr)
        assert done.returncode == 5, done.stderr
        assert "was NOT signed and no PDF was archived" in line and "disk is full" in line
        assert "Signed summary" not in done.stdout
        assert archive_of(data) == before
        assert not out.exists() or list(out.glob("summary-*")) == []
        assert temp_files_under(data, *([out] if out.exists() else [])) == []
        assert_check_clean(data)
        assert run(["--data-dir", str(data), "verify", str(demo_copy.summary)])[0] == 0


def test_a_copy_that_cannot_be_written_says_the_consult_is_signed_and_archived(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    before = archive_of(demo_copy.data)
    with small_disk(tmp_path / "usb-stick", 64) as out:  # too small for the summary
        done = cli(demo_command(demo_copy.data, out))
        line = one_clear_line(done.stderr)
        assert done.returncode == 1
        assert "is signed and archived in the database" in line
        assert "only the copy" in line and "was NOT written (No space left on device)" in line
        assert "consult-aid export" in line
        assert temp_files_under(out) == [] and list(out.glob("summary-*")) == []
    after = archive_of(demo_copy.data)
    assert (after.signed, after.documents) == (before.signed + 1, before.documents + 1)
    assert_check_clean(demo_copy.data)


def test_an_addendum_copy_that_cannot_be_written_leaves_the_addendum_stored(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    before = archive_of(demo_copy.data)
    with small_disk(tmp_path / "usb-stick", 16) as out:
        done = cli(["--data-dir", str(demo_copy.data), "addendum", demo_copy.consult_id,
                    "--text", "Phoned: trial moved to 16 Dec.", "--out",
                    str(out / "addendum.pdf")])
        one_clear_line(done.stderr)
        assert done.returncode != 0
        assert "signed and archived" in done.stdout + done.stderr
        assert temp_files_under(out) == [] and not (out / "addendum.pdf").exists()
    assert archive_of(demo_copy.data).addenda == before.addenda + 1
    assert_check_clean(demo_copy.data)


# -- a read-only database file, for a user who may not write it ------------------------------
def unprivileged() -> tuple[str, ...]:
    """How to run a program that chmod stops: as this user when not root, else as nobody."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        return ()
    prefix = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod 0444 would not stop root")
    probe = subprocess.run([*prefix, sys.executable, "-c", "import consult_aid.cli"],
                           capture_output=True, text=True, check=False, cwd="/")
    if probe.returncode != 0:
        pytest.skip(f"cannot run Consult Aid as nobody here: {probe.stderr.strip()[-200:]}")
    return prefix


@pytest.fixture
def shared_copy(demo_copy: DemoRun) -> Iterator[Path]:
    """A copy of the demo's data folder that the unprivileged user owns (outside tmp_path,
    which only root may enter)."""
    root = Path(tempfile.mkdtemp(prefix="consult-aid-ro-"))
    try:
        root.chmod(0o755)
        data = root / "data"
        shutil.copytree(demo_copy.data, data)
        if os.geteuid() == 0:
            for path in [root, *root.rglob("*")]:
                os.chown(path, 65534, 65534)
        yield data
    finally:
        shutil.rmtree(root, ignore_errors=True)


SIGN_CHILD = textwrap.dedent("""
    import dataclasses, sys
    from datetime import datetime
    from pathlib import Path
    from consult_aid.content import load_catalog
    from consult_aid.errors import KnownError
    from consult_aid.services.consults import new_consult_id
    from consult_aid.services.demo import demo_consult
    from consult_aid.services.signing import sign_and_archive
    from consult_aid.services.store import open_store
    from consult_aid.signing.identity import load_identity
    from consult_aid.storage.accounts import AccountRepository
    data = Path(sys.argv[1])
    consult, pack = demo_consult(load_catalog(data / "packs"))
    consult = dataclasses.replace(consult, id=new_consult_id())
    try:
        with open_store(data / "consult-aid.sqlite3") as db:
            db.account = AccountRepository(db).find("srivera").account  # nothing written
            sign_and_archive(db, consult, pack,
                             load_identity(data / "identity" / "accounts" / "srivera"),
                             "consult-aid-demo", datetime.now().astimezone())
    except KnownError as exc:
        print(f"{type(exc).__name__}: {exc}")
        sys.exit(1)
    print("signed")
""")


def test_a_read_only_database_file_signs_nothing_and_says_so(shared_copy: Path) -> None:
    prefix = unprivileged()
    data = shared_copy
    out = data.parent / "out"
    before = archive_of(data)
    (data / DB).chmod(0o444)
    # the command: refused with one line, before or at the commit
    done = cli(demo_command(data, out), prefix=prefix)
    line = one_clear_line(done.stderr)
    assert done.returncode != 0 and "read-only" in line
    # the service itself, past any start-up check: the commit is refused by the file system
    signed = subprocess.run([*prefix, sys.executable, "-c", SIGN_CHILD, str(data)],
                            capture_output=True, text=True, timeout=300, check=False, cwd="/")
    assert signed.returncode == 1, signed.stdout + signed.stderr
    assert "was NOT signed and no PDF was archived" in signed.stdout
    assert "read-only" in signed.stdout
    (data / DB).chmod(0o600)
    assert archive_of(data) == before
    assert not out.exists() or (list(out.glob("summary-*")) == [] and not temp_files_under(out))
    assert temp_files_under(data) == []
    assert_check_clean(data)


# -- killed between render and commit, and during the copy ------------------------------------
STOP_CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    ready, where = Path(sys.argv[1]), sys.argv[2]

    def stop(what):
        ready.write_text(what)
        time.sleep(300)  # the test kills the process here

    if where == "files":  # inside write_atomically, the summary's temp file half written
        import consult_aid.files as files
        real_fsync = files.os.fsync

        class Os:
            def __getattr__(self, name):
                return getattr(os, name)

            @staticmethod
            def fsync(fd):
                name = os.readlink(f"/proc/self/fd/{fd}")
                if "/.summary-" in name and name.endswith(".tmp"):
                    stop(name)
                real_fsync(fd)

        files.os = Os()
    else:  # a repository write done, inside the transaction, before COMMIT
        from consult_aid.storage.consults import ConsultRepository
        real = getattr(ConsultRepository, where)

        def written(self, *args, **kwargs):
            result = real(self, *args, **kwargs)
            stop(where)
            return result

        setattr(ConsultRepository, where, written)
    from consult_aid.cli import main
    sys.exit(main(sys.argv[3:]))
""")


def kill_at(where: str, argv: list[str], tmp_path: Path) -> str:
    """Run the command, SIGKILL it at ``where``; what the child said when it stopped there."""
    ready = tmp_path / f"stopped-at-{where}"
    child = subprocess.Popen([sys.executable, "-c", STOP_CHILD, str(ready), where, *argv],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, PASSWORD_ENV: DEMO_PASSWORD})
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists(), f"the command never got there (exit {child.poll()})"
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    return ready.read_text()


@linux_only
def test_a_kill_between_render_and_commit_leaves_no_signed_consult_and_no_file(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    before = archive_of(demo_copy.data)
    out = tmp_path / "new-out"  # demo_copy.out is tmp_path / "out"
    kill_at("sign", demo_command(demo_copy.data, out), tmp_path)
    assert archive_of(demo_copy.data) == before  # the PDF and the signed status: neither
    assert not out.exists() or list(out.iterdir()) == []
    assert temp_files_under(demo_copy.data) == []
    assert_check_clean(demo_copy.data)
    # the next signing works as if nothing had happened
    code, _printed, err = run(demo_command(demo_copy.data, out))
    assert code == 0, err
    assert archive_of(demo_copy.data).signed == before.signed + 1


@linux_only
def test_a_kill_between_addendum_and_commit_leaves_no_addendum(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    before = archive_of(demo_copy.data)
    copy = tmp_path / "addendum.pdf"
    kill_at("add_addendum", ["--data-dir", str(demo_copy.data), "addendum",
                             demo_copy.consult_id, "--text", "Phoned.", "--out", str(copy)],
            tmp_path)
    assert archive_of(demo_copy.data) == before
    assert not copy.exists() and temp_files_under(tmp_path, demo_copy.data) == []
    assert_check_clean(demo_copy.data)


@linux_only
def test_a_kill_during_the_copy_leaves_a_temp_file_the_next_demo_removes(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    before = archive_of(demo_copy.data)
    out = tmp_path / "new-out"  # demo_copy.out is tmp_path / "out"
    temp = Path(kill_at("files", demo_command(demo_copy.data, out), tmp_path))
    assert temp.parent == out and temp.exists()  # half a summary: patient data
    assert temp.stat().st_mode & 0o777 == 0o600
    assert archive_of(demo_copy.data).signed == before.signed + 1  # committed before the copy
    assert list(out.glob("summary-*")) == []
    old = time.time() - 300  # a later start, minutes after the crash
    os.utime(temp, (old, old))
    code, _printed, err = run(demo_command(demo_copy.data, out))
    assert code == 0, err
    assert not temp.exists() and temp_files_under(out, demo_copy.data) == []
    assert len(list(out.glob("summary-*.pdf"))) == 1
    assert_check_clean(demo_copy.data)
