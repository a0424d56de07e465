"""``consult-aid restore SRC``: a backup made by :mod:`consult_aid.services.backup` back
into the data folder.

A restore believes nothing it has not checked: the manifest (format, version, plain relative
paths, sizes), every file against it (nothing missing, changed or added), then the staged copy
again and ``check`` on it. Only then are the data folder's items moved aside (kept, never
deleted) and the backup's moved in. It never opens the data folder's own database before that:
restoring is the way forward for a damaged or missing one.
"""

import logging
import os
import shutil
import socket
import sys
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from consult_aid.datadir import DataFolder, make_private_dir
from consult_aid.domain.accounts import Account, Permission
from consult_aid.services.accounts import require_in_folder
from consult_aid.services.backup_files import (
    _CHUNK,
    DATABASE,
    IDENTITY,
    LOCK_FILE,
    MAX_LOCK_FILE_BYTES,
    RESTORED,
    Manifest,
    RestoreError,
    _create_private,
    _findings,
    _fsync_directory,
    _mb,
    _private,
    _private_parents,
    _record,
    _schema_version,
    _stays,
    read_manifest,
    verify_files,
)
from consult_aid.services.check import CheckReport, check_database, check_server
from consult_aid.storage.database import latest_version

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    aside: Path | None  # where the replaced items are kept; None when there were none
    files: int
    created_at: str  # when the backup was made (its manifest)
    report: CheckReport  # ``check`` on the data folder after restoring


# -- restore ---------------------------------------------------------------------------------
def restore_backup(data: DataFolder, src: Path, *, now: datetime, actor: Account | None,
                   caller_holds_lock: bool = False) -> RestoreResult:
    """Replace the data folder's items with a verified, checked backup; the replaced items are
    moved to ``<data folder>.replaced-<time>`` beside it, never deleted.

    ``caller_holds_lock``: the window restoring at its start-up check holds the folder's lock
    itself (and keeps it, so no second window can open the folder meanwhile).

    ``actor``: the signed-in account, which must be allowed to restore; None only for the
    restore offered when the data folder fails its start-up check, before anyone can sign in
    (the accounts are in the database that failed). Audited either way."""
    if actor is not None:
        require_in_folder(actor, Permission.RESTORE, data.archive)
    if data.server is not None:
        return restore_to_server(data, src, now=now, actor=actor)
    src = Path(src).expanduser().resolve()
    if src == data.root or src.is_relative_to(data.root):
        raise RestoreError(f"{src} is inside the data folder it would replace; move the backup "
                           "folder out of it first. Nothing was changed.")
    if not caller_holds_lock:
        refuse_if_window_open(data.root)
    manifest = read_manifest(src)
    verify_files(src, manifest, what="The backup")
    stamp = f"{now:%Y%m%d-%H%M%S}"
    staging = data.root.parent / f"{data.root.name}.restoring-{stamp}"
    aside = data.root.parent / f"{data.root.name}.replaced-{stamp}"
    for path in (staging, aside):
        if path.exists():
            raise RestoreError(f"{path} already exists; nothing was changed. Try again in a "
                               "second.")
    data.root.parent.mkdir(parents=True, exist_ok=True)  # not tightened: it is not ours
    _require_space(data.root.parent, manifest.size)
    staging.mkdir(mode=0o700)
    try:
        _private(staging)
        _stage(src, staging, manifest)
        moved_aside = _swap(data.root, staging, aside, manifest.top_level)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    data.ensure()
    log.info("restored %d files from a backup", len(manifest.files))
    _record(data.database, RESTORED, now,
            f"backup created {manifest.created_at}; manifest sha256 {manifest.sha256}", actor)
    report = check_database(data.database, data.identity)
    return RestoreResult(aside if moved_aside else None, len(manifest.files),
                         manifest.created_at, report)


def restore_to_server(data: DataFolder, src: Path, *, now: datetime,
                      actor: Account | None) -> RestoreResult:
    """The clinic's server archive from a backup: the backup verified file by file and its
    database checked, then copied into the server's database, which must be empty (a server's
    archive is never overwritten: create a new database and point the PCs at it). The PC's
    own folder (identity, packs, settings) is left as it is."""
    from consult_aid.services.archive_copy import copy_archive
    from consult_aid.services.migrate import NotEmptyError, require_empty
    from consult_aid.services.store import open_store

    assert data.server is not None
    if actor is None:
        raise RestoreError("A server's archive is restored by a signed-in administrator; "
                           "nothing was changed.")
    src = Path(src).expanduser().resolve()
    manifest = read_manifest(src)
    verify_files(src, manifest, what="The backup")
    report = check_database(src / DATABASE, src / IDENTITY)
    if not report.ok:
        raise RestoreError("The backup's database fails its check (" + _findings(report)
                           + "); nothing was changed.")
    with open_store(src / DATABASE, read_only=True) as source, \
            open_store(data.server) as target:
        target.account = actor
        with target.transaction() as con:
            try:
                require_empty(target)  # under the write lock, in the copy's transaction
            except NotEmptyError as exc:
                raise RestoreError(str(exc)) from None
            copy_archive(source, con, to_server=True)
    _record(data.server, RESTORED, now,
            f"backup created {manifest.created_at}; manifest sha256 {manifest.sha256}", actor)
    return RestoreResult(None, len(manifest.files), manifest.created_at,
                         check_server(data.server, data.identity))


def _stage(src: Path, staging: Path, manifest: Manifest) -> None:
    """Copy the listed files, verify the copy (not the source, which could change meanwhile)
    and run ``check`` on it; refuse a database newer than this program."""
    for rel in sorted(manifest.files):
        target = staging / rel
        _private_parents(target.parent, staging)
        _create_private(target)
        with (src / rel).open("rb") as reader, target.open("r+b") as writer:
            shutil.copyfileobj(reader, writer, _CHUNK)
            writer.flush()
            os.fsync(writer.fileno())
    verify_files(staging, manifest, what="The copy of the backup")
    report = check_database(staging / DATABASE, staging / IDENTITY)
    if not report.ok:
        raise RestoreError("The backup's database failed its check, so nothing was changed: "
                           + _findings(report) + ".")
    version = _schema_version(staging / DATABASE)
    if version > latest_version():
        raise RestoreError(f"The backup's database was written by a newer Consult Aid (schema "
                           f"{version}; this version knows up to {latest_version()}). Update "
                           "Consult Aid first; nothing was changed.")


def _swap(root: Path, staging: Path, aside: Path, names: set[str]) -> bool:
    """Move the data folder's items aside and the staged ones in; on any failure put every
    item back where it was. True when something was moved aside."""
    make_private_dir(root)
    out: list[str] = []
    emptied: list[str] = []
    moved_in: list[str] = []
    try:
        for item in sorted(root.iterdir()):
            if _stays(item.name):
                continue
            if item.is_dir() and not item.is_symlink() and not any(item.iterdir()):
                item.rmdir()  # an empty folder holds nothing to keep
                emptied.append(item.name)
                continue
            if not aside.exists():
                aside.mkdir(mode=0o700)
                _private(aside)
            shutil.move(item, aside / item.name)
            out.append(item.name)
        for name in sorted(names):
            shutil.move(staging / name, root / name)
            moved_in.append(name)
    except BaseException:
        _put_back(root, staging, aside, out, emptied, moved_in)
        raise
    _fsync_directory(root)
    return bool(out)


def _put_back(root: Path, staging: Path, aside: Path, out: list[str], emptied: list[str],
              moved_in: list[str]) -> None:
    for name in reversed(moved_in):
        _try_move(root / name, staging / name)
    for name in reversed(out):
        _try_move(aside / name, root / name)
    for name in emptied:
        with suppress(OSError):
            (root / name).mkdir(mode=0o700)
    with suppress(OSError):
        aside.rmdir()


def _try_move(source: Path, target: Path) -> None:
    """One step of putting things back: logged when it fails, so the others still run."""
    try:
        shutil.move(source, target)
    except OSError:
        log.exception("could not put an item back after a failed restore")


def _require_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed + 16 * 1024 * 1024:
        raise RestoreError(f"There is not enough free space beside the data folder for the "
                           f"backup's copy ({_mb(needed)} needed, {_mb(free)} free); nothing "
                           "was changed.")


# -- the window's lock -----------------------------------------------------------------------
def refuse_if_window_open(root: Path) -> None:
    """Refuse while a Consult Aid window holds the data folder's lock.

    The lock is a QLockFile: lines of PID, program, host name, machine id and boot id. It is
    held when it was taken on this computer since it last started and its process lives; a
    lock from another computer (a shared folder) is taken as held, since its process cannot
    be looked at from here.
    """
    lock = root / LOCK_FILE
    try:
        with lock.open("rb") as handle:
            text = handle.read(MAX_LOCK_FILE_BYTES).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if not first.isdigit():
        raise RestoreError(f"The data folder's lock file {lock} cannot be read. If no Consult "
                           "Aid window is open on this data folder, delete that file and try "
                           "again; nothing was changed.")
    host = lines[2].strip() if len(lines) > 2 else ""
    if host and host.lower() != socket.gethostname().lower():
        raise RestoreError(f"Consult Aid is open on this data folder on another computer "
                           f"({host}): close the Consult Aid window there first; nothing was "
                           "changed.")
    boot = lines[4].strip() if len(lines) > 4 else ""
    if boot and _boot_id() not in (None, boot):
        return  # taken before this computer last started: stale
    if _process_alive(int(first)):
        raise RestoreError("A Consult Aid window is open on this data folder: close the Consult "
                           "Aid window first, then restore. Nothing was changed.")


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None


if sys.platform == "win32":
    import ctypes

    def _process_alive(pid: int) -> bool:
        """OpenProcess and its exit code (os.kill(pid, 0) would end the process on Windows)."""
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
        try:
            code = ctypes.c_ulong()
            ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return bool(ok) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
else:
    def _process_alive(pid: int) -> bool:
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)  # signal 0: is there such a process? (nothing is sent)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's process
        return True
