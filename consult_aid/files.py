"""Atomic file writes: a crash leaves either the old file or the new one, never a torn one.

- :func:`write_atomically` writes through a temp file ``.NAME.XXXXXXXX.tmp`` in the target's
  folder (owner-only from the moment it exists), then renames it over the target.
- :func:`write_new_file` does the same but never replaces a file that is already there.
- :func:`remove_stale_temp_files` removes what a killed write left behind (those temp files,
  and nothing else), at the next start.
- :func:`exclusive_lock` serialises one step between processes (the first signing identity);
  the operating system releases it when the holder ends, even when it is killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"
# tempfile.mkstemp's random part: 8 characters of tempfile._RandomNameSequence's alphabet.
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
STALE_AFTER = timedelta(minutes=1)


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync, rename, fsync dir.

    The temp file is created owner-only (``mkstemp`` makes it 0600 from the start), so patient
    data is never readable by others, not even briefly; it gets ``mode`` just before the
    rename. A failure removes it; a kill leaves it for :func:`remove_stale_temp_files`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data, mode)
    try:
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_directory(path.parent)


def write_new_file(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Like :func:`write_atomically`, but :class:`FileExistsError` when ``path`` exists: the
    file already there is never replaced, even by a process writing it at the same moment.

    POSIX: ``os.link`` of the finished temp file, which fails if the name exists. Windows:
    ``os.rename``, which fails if the target exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _write_temp(path, data, mode)
    try:
        if os.name == "posix":
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links: checked, then renamed
                if path.exists():
                    raise FileExistsError(17, "File exists", str(path)) from None
                tmp.rename(path)
        else:
            tmp.rename(path)  # Windows: fails when ``path`` exists
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_directory(path.parent)


def is_temp_file_name(name: str) -> bool:
    """Whether ``name`` is one of :func:`write_atomically`'s temp files (``.NAME.XXXXXXXX.tmp``)."""
    return _TEMP_NAME.match(name) is not None


def remove_stale_temp_files(folder: Path, *, older_than: timedelta = STALE_AFTER) -> int:
    """Remove the temp files a killed :func:`write_atomically` left in ``folder`` (not in its
    subfolders); returns how many were removed.

    Only regular files named ``.NAME.XXXXXXXX.tmp`` and last written more than ``older_than``
    ago go: a write still running in another process keeps its file fresh. A folder that is
    missing or cannot be changed (a read-only data folder) is left as it is, logged, never an
    error: this runs at every start.
    """
    folder = Path(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        if not isinstance(exc, FileNotFoundError | NotADirectoryError):
            log.warning("cannot look for stale temp files in %s: %s", folder, exc.strerror)
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for entry in entries:
        if not is_temp_file_name(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff:
                continue
            Path(entry.path).unlink()
        except FileNotFoundError:
            continue  # another process cleaned it first
        except OSError as exc:
            log.warning("cannot remove the stale temp file %s: %s", entry.path, exc.strerror)
            continue
        removed += 1
        log.info("removed a temp file left by an interrupted write: %s", entry.path)
    return removed


@contextlib.contextmanager
def exclusive_lock(path: Path, *, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock named by the file ``path`` for the ``with`` block.

    One holder at a time across processes; others wait up to ``timeout`` seconds, then get
    :class:`TimeoutError`. The lock file exists only while held. A holder that is killed
    loses the lock at once: POSIX ``flock`` is released by the kernel (the file left behind
    is reused and removed by the next holder); on Windows the file is opened delete-on-close.
    """
    path = Path(path)
    deadline = time.monotonic() + timeout
    while True:
        fd = _try_lock(path)
        if fd is not None:
            break
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{path} is held by another process")
        time.sleep(0.02)
    try:
        yield
    finally:
        if os.name == "posix":
            with contextlib.suppress(FileNotFoundError):
                path.unlink()  # while still holding it: a waiter then finds a new file
        os.close(fd)


if sys.platform == "win32":
    def _try_lock(path: Path) -> int | None:
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_TEMPORARY | os.O_NOINHERIT
        try:
            return os.open(path, flags, 0o600)
        except (FileExistsError, PermissionError):  # held (or being deleted) by another
            return None
else:
    import fcntl

    def _try_lock(path: Path) -> int | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:  # the holder before removed the file after we opened it: try the new one
            same = path.stat().st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            return None
        return fd


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """``data`` in a new owner-only temp file beside ``path``, fsynced, given ``mode``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if os.name == "posix":
            tmp.chmod(mode)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return tmp


def _fsync_directory(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory fsync; os.replace is atomic on NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
