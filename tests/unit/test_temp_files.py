"""No temp file survives a crash, none is ever readable by others, and the lock dies with its
holder (consult_aid.files).

A write killed half-way (SIGKILL: no ``finally`` runs) leaves ``.NAME.XXXXXXXX.tmp`` holding
patient data; :func:`remove_stale_temp_files` removes exactly those leftovers at the next
start, and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from consult_aid import files
from consult_aid.files import (
    exclusive_lock,
    is_temp_file_name,
    remove_stale_temp_files,
    write_atomically,
    write_new_file,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and permissions")
BIG = 200 * 1024 * 1024  # 200 MB: long enough to kill the writer in the middle


def temp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if is_temp_file_name(p.name))


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)


@posix_only
def test_the_temp_file_is_owner_only_from_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_fsync = os.fsync

    def look(fd: int) -> None:  # the temp file, written, not yet renamed
        seen.extend(p.stat().st_mode & 0o777 for p in temp_files(tmp_path))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", look)
    old = os.umask(0)  # even a permissive umask gives no one else a look
    try:
        write_atomically(tmp_path / "summary.pdf", b"patient data", mode=0o644)
    finally:
        os.umask(old)
    assert seen and set(seen) == {0o600}
    assert (tmp_path / "summary.pdf").stat().st_mode & 0o777 == 0o644  # asked for, at the end
    assert temp_files(tmp_path) == []


def test_temp_file_names_are_exactly_those_write_atomically_makes(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a.pdf", b"x")
    made = []
    real = files.tempfile.mkstemp

    def spy(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = real(*args, **kwargs)  # type: ignore[call-overload]
        made.append(Path(name).name)
        return fd, name

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(files.tempfile, "mkstemp", spy)
        write_atomically(tmp_path / "summary-1a2b.pdf", b"x")
    assert made and all(is_temp_file_name(name) for name in made)
    for name in ("summary.pdf", "notes.tmp", ".hidden.tmp", ".x.ABCDEFGH.tmp", ".x.abcdefg.tmp",
                 ".x.abcdefghi.tmp", "x.abcdefgh.tmp", ".x.abcdefgh.tmp.pdf", ".abcdefgh.tmp"):
        assert not is_temp_file_name(name), name
    assert is_temp_file_name(".summary.pdf.k3_9zq0a.tmp")


@posix_only
def test_a_write_killed_half_way_leaves_one_temp_file_and_the_cleaner_removes_only_it(
        tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "summary.pdf").write_bytes(b"the previous, complete file")
    keep = {  # everything here must survive the cleaner
        "notes.tmp": b"not ours",
        ".hidden.tmp": b"not ours",
        ".other.pdf.ABCDEFGH.tmp": b"upper case: not mkstemp's",
        "settings.json": b"{}",
    }
    for name, data in keep.items():
        (folder / name).write_bytes(data)
        age(folder / name, 3600)
    fresh = folder / ".handout.pdf.abcd1234.tmp"  # another program writing right now
    fresh.write_bytes(b"in progress")
    (folder / ".dir.abcdefgh.tmp").mkdir()  # a folder, not a file
    age(folder / ".dir.abcdefgh.tmp", 3600)
    (folder / ".link.pdf.abcdefgh.tmp").symlink_to(folder / "settings.json")
    age(folder / ".link.pdf.abcdefgh.tmp", 3600)
    sub = folder / "sub"
    sub.mkdir()
    (sub / ".deep.pdf.abcdefgh.tmp").write_bytes(b"in a subfolder: not this call's")
    age(sub / ".deep.pdf.abcdefgh.tmp", 3600)
    before = set(folder.iterdir())

    writer = textwrap.dedent(f"""
        from pathlib import Path
        from consult_aid.files import write_atomically
        data = b"P" * {BIG}
        while True:
            write_atomically(Path({str(folder / "summary.pdf")!r}), data)
    """)
    killed: list[Path] = []
    for _attempt in range(5):
        child = subprocess.Popen([sys.executable, "-c", writer])
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                half = [p for p in set(folder.iterdir()) - before
                        if is_temp_file_name(p.name) and p.stat().st_size > 0]
                if half:
                    break
                time.sleep(0.005)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        killed = [p for p in set(folder.iterdir()) - before if is_temp_file_name(p.name)]
        if len(killed) == 1 and 0 < killed[0].stat().st_size < BIG:
            break  # killed in the middle of a write (else: between two; try again)
        for extra in killed:
            extra.unlink()
    assert len(killed) == 1, killed
    (left,) = killed
    assert left.name.startswith(".summary.pdf.")
    assert 0 < left.stat().st_size < BIG, "killed in the middle of the write"
    assert left.stat().st_mode & 0o777 == 0o600

    # straight after the crash it is too young: it might be a write still running
    assert remove_stale_temp_files(folder) == 0
    assert left.exists()
    age(left, 120)
    assert remove_stale_temp_files(folder) == 1
    assert not left.exists()
    assert set(folder.iterdir()) == before  # the fresh one, the decoys, the folder, the link
    assert fresh.read_bytes() == b"in progress"
    assert (sub / ".deep.pdf.abcdefgh.tmp").exists()
    assert (folder / "settings.json").read_bytes() == b"{}"  # the link's target untouched
    summary = (folder / "summary.pdf").read_bytes()
    assert summary in (b"the previous, complete file", b"P" * BIG)  # never torn


def test_the_cleaner_on_a_missing_folder_or_with_nothing_to_do(tmp_path: Path) -> None:
    assert remove_stale_temp_files(tmp_path / "missing") == 0
    (tmp_path / "file").write_bytes(b"")
    assert remove_stale_temp_files(tmp_path / "file") == 0
    assert remove_stale_temp_files(tmp_path) == 0
    old = tmp_path / ".a.pdf.abcdefgh.tmp"
    old.write_bytes(b"x")
    age(old, 30)
    assert remove_stale_temp_files(tmp_path, older_than=timedelta(minutes=1)) == 0
    assert remove_stale_temp_files(tmp_path, older_than=timedelta(seconds=10)) == 1


def test_write_new_file_never_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "certificate.pem"
    write_new_file(target, b"first")
    with pytest.raises(FileExistsError):
        write_new_file(target, b"second")
    assert target.read_bytes() == b"first"
    assert temp_files(tmp_path) == []
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_the_lock_is_exclusive_and_gone_once_released(tmp_path: Path) -> None:
    lock = tmp_path / ".creating"
    with exclusive_lock(lock):
        assert lock.exists()
        with pytest.raises(TimeoutError), exclusive_lock(lock, timeout=0.2):
            pass
    if os.name == "posix":
        assert not lock.exists()
    with exclusive_lock(lock, timeout=0.2):  # free again
        pass


@posix_only
def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / ".creating"
    ready = tmp_path / "ready"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from consult_aid.files import exclusive_lock
        with exclusive_lock(Path({str(lock)!r})):
            Path({str(ready)!r}).write_text("held")
            time.sleep(120)
    """)])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists()
        with pytest.raises(TimeoutError), exclusive_lock(lock, timeout=0.3):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert lock.exists()  # left by the killed holder, but no longer locked
    with exclusive_lock(lock, timeout=5):
        pass
    assert not lock.exists()
