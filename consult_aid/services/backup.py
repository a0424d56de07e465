"""``consult-aid backup DEST`` and ``consult-aid restore SRC`` (issue 13, part 4).

A backup is a new folder ``consult-aid-backup-YYYYMMDD-HHMMSS`` holding the database (copied
with SQLite's online backup API, so the window may stay open and keep writing: the copy is the
last committed state, never a torn file), every other item of the data folder that is the
clinic's (the signing identity, packs, settings, the database marker), and ``MANIFEST.json``
with each file's SHA-256 and size. It is built in a hidden ``.<name>.partial`` folder and
renamed only once it is complete and has passed ``check``, so an interrupted backup never looks
like one. A damaged database is never backed up: a backup of one is worse than none.

A restore believes nothing it has not checked: the manifest (format, version, plain relative
paths, sizes), every file against it (nothing missing, changed or added), then the staged copy
again and ``check`` on it. Only then are the data folder's items moved aside (kept, never
deleted) and the backup's moved in. It never opens the data folder's own database before that:
restoring is the way forward for a damaged or missing one.

Messages and audit entries name files of the backup and counts, never patient data, and the
audit entry of a backup does not carry its destination (a folder's name could be a patient's).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import sqlite3
import stat
import sys
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from consult_aid import __version__
from consult_aid.datadir import DataFolder, make_private_dir
from consult_aid.errors import KnownError
from consult_aid.files import write_atomically
from consult_aid.services.check import CheckReport, check_database
from consult_aid.services.store import Store, open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import BUSY_TIMEOUT_MS, latest_version
from consult_aid.storage.errors import raise_classified

log = logging.getLogger(__name__)

FORMAT = "consult-aid-backup"
VERSION = 1
MANIFEST = "MANIFEST.json"
DATABASE = "consult-aid.sqlite3"  # DataFolder.database's name, in every data folder
IDENTITY = "identity"
LOGS = "logs"
LOCK_FILE = "consult-aid.lock"  # the window's QLockFile (consult_aid.ui.app.LOCK_FILE)
BACKED_UP = "data.backed_up"
RESTORED = "data.restored"

MAX_MANIFEST_BYTES = 10 * 1024 * 1024
MAX_FILES = 100_000
MAX_PATH_CHARS = 1024
MAX_DEPTH = 32
MAX_LOCK_FILE_BYTES = 4096
NAMED = 3  # how many file names a refusal lists
_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(KnownError):
    """A backup or restore refused, with nothing changed; the message says why."""

    exit_code = 1


class RestoreError(BackupError):
    pass


@dataclass(frozen=True, slots=True)
class BackupResult:
    folder: Path  # the finished backup folder
    files: int  # files listed in its manifest
    size: int  # their bytes
    manifest_sha256: str
    report: CheckReport  # ``check`` on the backup's database (ok, or there is no result)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    aside: Path | None  # where the replaced items are kept; None when there were none
    files: int
    created_at: str  # when the backup was made (its manifest)
    report: CheckReport  # ``check`` on the data folder after restoring


@dataclass(frozen=True, slots=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Manifest:
    created_at: str
    files: dict[str, FileEntry]  # relative posix path -> what it must be
    sha256: str  # of MANIFEST.json itself

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.files.values())

    @property
    def top_level(self) -> set[str]:
        return {rel.split("/")[0] for rel in self.files}


# -- what belongs in a backup ----------------------------------------------------------------
def _stays(name: str) -> bool:
    """Top-level items that are never part of a backup nor replaced by a restore: the logs,
    the window's lock (and QLockFile's helper files), earlier restores' folders."""
    return (name == LOGS or name.startswith(LOCK_FILE) or ".replaced-" in name
            or ".restoring-" in name)


def _left_out(name: str) -> bool:
    """Top-level items a backup leaves out besides :func:`_stays`: the live database's journal
    files (the copy is made through SQLite, consistent on its own), copies kept aside before a
    migration (``*.bak``), half-written atomic files (``.*.tmp``) and a stray manifest."""
    return (_stays(name) or name == MANIFEST or name.endswith(".bak")
            or name in {f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal"}
            or (name.startswith(".") and name.endswith(".tmp")))


# -- backup ----------------------------------------------------------------------------------
def make_backup(data: DataFolder, dest: Path, *, now: datetime) -> BackupResult:
    """Write a new, checked backup folder of ``data`` inside ``dest`` (created if missing)."""
    dest = Path(dest).expanduser().resolve()
    if dest == data.root or dest.is_relative_to(data.root):
        raise BackupError(f"{dest} is inside the data folder: a backup there is lost with it. "
                          "Choose a folder elsewhere (another disk is best).")
    name = f"consult-aid-backup-{now:%Y%m%d-%H%M%S}"
    folder, partial = dest / name, dest / f".{name}.partial"
    for path in (folder, partial):
        if path.exists():
            raise BackupError(f"{path} already exists; nothing was written. Try again in a "
                              "second, or choose another folder.")
    _require_intact(data.database)
    created = not dest.exists()
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        partial.mkdir(mode=0o700)
        _private(partial)
        manifest, report = _build(data, partial, now)
        partial.rename(folder)
        _fsync_directory(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if created:
            with suppress(OSError):
                dest.rmdir()
        raise
    log.info("backup written: %d files, %d bytes", len(manifest.files), manifest.size)
    _record(data.database, BACKED_UP, now,
            f"{len(manifest.files)} files, {manifest.size} bytes; manifest sha256 "
            f"{manifest.sha256}")
    return BackupResult(folder, len(manifest.files), manifest.size, manifest.sha256, report)


def _build(data: DataFolder, partial: Path, now: datetime) -> tuple[Manifest, CheckReport]:
    """Fill ``partial``: the database, the other items, the manifest last; then check it."""
    _copy_database(data.database, partial / DATABASE)
    for item in sorted(data.root.iterdir()):
        if item.name != DATABASE and not _left_out(item.name):
            _copy_item(item, partial / item.name, depth=0)
    manifest = _write_manifest(partial, now)
    report = check_database(partial / DATABASE, partial / IDENTITY)
    if not report.ok:
        raise BackupError("The backup's copy failed its check, so no backup was kept: "
                          + _findings(report) + ". `consult-aid check` gives the details.")
    return manifest, report


def _require_intact(database: Path) -> None:
    """SQLite's integrity check on the live database, read-only (nothing is migrated)."""
    if not database.is_file():
        raise BackupError(f"The data folder has no database ({database.name}) to back up; "
                          "nothing was written.")
    try:
        con = _read_only(database)
    except sqlite3.Error as exc:
        raise BackupError(f"The database cannot be opened ({exc}); nothing was written.") \
            from None
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check(5)")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    finally:
        con.close()
    if rows != ["ok"]:
        raise BackupError("The database is damaged (" + "; ".join(rows) + "), so no backup "
                          "was made: a backup of a damaged database is worse than none. "
                          "Restore an earlier backup (consult-aid restore BACKUP); "
                          "`consult-aid check` gives the details.")


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of the last committed state, while other
    connections read and write; the copy is one file (journal mode DELETE)."""
    _create_private(target)
    try:
        src = _read_only(source)
    except sqlite3.Error as exc:
        raise_classified(exc)
    try:
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise_classified(exc)
    finally:
        src.close()


def _copy_item(source: Path, target: Path, *, depth: int) -> None:
    """Copy a file or a folder (what a link points to, not the link), owner-only."""
    if depth > MAX_DEPTH:
        raise BackupError(f"{source} is nested more than {MAX_DEPTH} folders deep (a folder "
                          "linked into itself?); nothing was written.")
    if source.is_dir():
        target.mkdir(mode=0o700)
        _private(target)
        for child in sorted(source.iterdir()):
            _copy_item(child, target / child.name, depth=depth + 1)
    elif source.is_file():
        _create_private(target)
        with source.open("rb") as reader, target.open("r+b") as writer:
            shutil.copyfileobj(reader, writer, _CHUNK)
            writer.flush()
            os.fsync(writer.fileno())
    else:
        raise BackupError(f"{source} in the data folder is neither a file nor a folder; move it "
                          "out of the data folder and try again. Nothing was written.")


def _write_manifest(folder: Path, now: datetime) -> Manifest:
    files, odd = _tree(folder)
    if odd:  # the backup is written by this function only: a link or device here is a bug
        raise RuntimeError(f"the backup being written holds {odd[:NAMED]}")
    entries = {rel: FileEntry(_sha256(folder / rel), (folder / rel).stat().st_size)
               for rel in files}
    document = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.isoformat(),
        "program_version": __version__,
        "files": {rel: {"sha256": e.sha256, "size": e.size} for rel, e in entries.items()},
    }
    raw = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    write_atomically(folder / MANIFEST, raw)
    return Manifest(now.isoformat(), entries, hashlib.sha256(raw).hexdigest())


def last_backup_at(db: Store) -> datetime | None:
    """When the newest backup of this database was written, or None.

    From the audit trail: a backup's own entry, or — since a backup cannot hold the entry
    written after it was made — a restore's, which names when the backup it came from was made
    (that backup exists: it was just read)."""
    made = db.query_one("SELECT at FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1",
                        (BACKED_UP,))
    times = [] if made is None else [datetime.fromisoformat(made[0])]
    restored = db.query_one("SELECT detail FROM audit_log WHERE action = ? ORDER BY id DESC "
                            "LIMIT 1", (RESTORED,))
    if restored is not None:
        match = re.match(r"backup created (\S+);", restored[0])
        if match:
            with suppress(ValueError):  # an entry that names no time adds none
                times.append(datetime.fromisoformat(match.group(1)))
    return max(times, default=None)


# -- restore ---------------------------------------------------------------------------------
def restore_backup(data: DataFolder, src: Path, *, now: datetime,
                   caller_holds_lock: bool = False) -> RestoreResult:
    """Replace the data folder's items with a verified, checked backup; the replaced items are
    moved to ``<data folder>.replaced-<time>`` beside it, never deleted.

    ``caller_holds_lock``: the window restoring at its start-up check holds the folder's lock
    itself (and keeps it, so no second window can open the folder meanwhile)."""
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
            f"backup created {manifest.created_at}; manifest sha256 {manifest.sha256}")
    report = check_database(data.database, data.identity)
    return RestoreResult(aside if moved_aside else None, len(manifest.files),
                         manifest.created_at, report)


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


# -- the manifest ----------------------------------------------------------------------------
def read_manifest(src: Path) -> Manifest:
    """The backup's manifest, every field checked; RestoreError when it is not one."""
    if not src.is_dir():
        raise RestoreError(f"{src} is not a folder: give the backup folder "
                           "(consult-aid-backup-…). Nothing was changed.")
    path = src / MANIFEST
    if not path.is_file():
        raise RestoreError(f"{src} has no {MANIFEST}: it is not a Consult Aid backup, or the "
                           "backup did not finish. Nothing was changed.")
    with path.open("rb") as handle:
        raw = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _bad_manifest(f"it is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad_manifest("it is not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _bad_manifest(f"it is not a \"{FORMAT}\" manifest")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise _bad_manifest(f"its version is {version!r}; this Consult Aid reads version "
                            f"{VERSION}")
    created_at = document.get("created_at")
    if not isinstance(created_at, str) or not _is_timestamp(created_at):
        raise _bad_manifest("its created_at is not a time")
    files = _entries(document.get("files"))
    return Manifest(created_at, files, hashlib.sha256(raw).hexdigest())


def _entries(value: object) -> dict[str, FileEntry]:
    if not isinstance(value, dict) or not value:
        raise _bad_manifest("its files are not a list of paths")
    if len(value) > MAX_FILES:
        raise _bad_manifest(f"it lists more than {MAX_FILES} files")
    entries: dict[str, FileEntry] = {}
    for rel, entry in value.items():
        _check_path(rel)
        if not isinstance(entry, dict):
            raise _bad_manifest(f"its entry for {rel} is not a sha256 and a size")
        sha, size = entry.get("sha256"), entry.get("size")
        if not isinstance(sha, str) or not _SHA256.match(sha) \
                or type(size) is not int or size < 0:
            raise _bad_manifest(f"its entry for {rel} is not a sha256 and a size")
        entries[rel] = FileEntry(sha, size)
    if DATABASE not in entries:
        raise _bad_manifest(f"it does not list the database {DATABASE}")
    if any(rel.startswith(f"{DATABASE}/") for rel in entries):
        raise _bad_manifest(f"it lists files inside {DATABASE}")
    return entries


def _check_path(rel: object) -> None:
    """A plain relative path inside the backup, of something a backup holds."""
    if not isinstance(rel, str) or not rel or len(rel) > MAX_PATH_CHARS:
        raise _bad_manifest("it lists an empty or overlong path")
    parts = rel.split("/")
    if any(ch in rel for ch in "\\:\x00") or any(p in ("", ".", "..") for p in parts) \
            or len(parts) > MAX_DEPTH:
        raise _bad_manifest(f"it lists {rel[:80]!r}, which is not a plain relative path inside "
                            "the backup")
    if _left_out(parts[0]) or not all(p.isprintable() for p in parts):
        raise _bad_manifest(f"it lists {rel[:80]!r}, which a backup never holds")


def _bad_manifest(why: str) -> RestoreError:
    return RestoreError(f"The backup's {MANIFEST} is not usable: {why}. Nothing was changed.")


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def verify_files(folder: Path, manifest: Manifest, *, what: str) -> None:
    """Every listed file present with its size and SHA-256, and no other file (the program's
    own ``logs/`` folder aside: it appears when the folder is opened with --data-dir)."""
    files, odd = _tree(folder)
    if odd:
        raise RestoreError(f"{what} holds links or special files, which a backup never has: "
                           f"{_names(odd)}. Nothing was changed.")
    present = {rel for rel in files if rel != MANIFEST and rel.split("/")[0] != LOGS}
    missing = sorted(set(manifest.files) - present)
    if missing:
        raise RestoreError(f"{what} is incomplete: files its manifest lists are missing: "
                           f"{_names(missing)}. Nothing was changed.")
    extra = sorted(present - set(manifest.files))
    if extra:
        raise RestoreError(f"{what} holds files its manifest does not list: {_names(extra)}. "
                           "Nothing was changed.")
    changed = [rel for rel, entry in sorted(manifest.files.items())
               if (folder / rel).stat().st_size != entry.size
               or _sha256(folder / rel) != entry.sha256]
    if changed:
        raise RestoreError(f"{what} was changed or damaged since it was written: "
                           f"{_names(changed)} differ from the manifest (size or SHA-256). "
                           "Nothing was changed.")


# -- small helpers ---------------------------------------------------------------------------
def _tree(root: Path) -> tuple[list[str], list[str]]:
    """(regular files, links and special files) under ``root``, as sorted relative posix
    paths; links are listed, never followed."""
    files: list[str] = []
    odd: list[str] = []

    def fail(exc: OSError) -> None:
        raise exc

    for folder, subfolders, names in os.walk(root, onerror=fail):
        here = Path(folder)
        for name in subfolders:
            if (here / name).is_symlink():
                odd.append((here / name).relative_to(root).as_posix())
        for name in names:
            path = here / name
            rel = path.relative_to(root).as_posix()
            (files if stat.S_ISREG(path.lstat().st_mode) else odd).append(rel)
        if len(files) + len(odd) > MAX_FILES + 1:
            raise RestoreError(f"{root} holds more than {MAX_FILES} files; it is not a "
                               "Consult Aid backup. Nothing was changed.")
    return sorted(files), sorted(odd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _schema_version(path: Path) -> int:
    con = _read_only(path)
    try:
        return int(con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


def _record(database: Path, action: str, now: datetime, detail: str) -> None:
    with open_store(database) as db:
        AuditLog(db).record(action, detail=detail, at=now.astimezone(UTC))


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           timeout=BUSY_TIMEOUT_MS / 1000)


def _create_private(path: Path) -> None:
    """Create an empty file readable by the owner only (before any data is in it)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    _private(path, 0o600)


def _private(path: Path, mode: int = 0o700) -> None:
    if os.name == "posix":
        path.chmod(mode)


def _private_parents(folder: Path, top: Path) -> None:
    """Create ``folder`` and its parents up to ``top``, each owner-only."""
    missing = [p for p in (folder, *folder.parents) if p != top and p.is_relative_to(top)
               and not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700)
        _private(path)


def _fsync_directory(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _findings(report: CheckReport) -> str:
    lines = [f.line() for f in report.findings]
    more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
    return "; ".join(lines[:5]) + more


def _names(paths: Iterable[str]) -> str:
    paths = list(paths)
    more = f" (and {len(paths) - NAMED} more)" if len(paths) > NAMED else ""
    return ", ".join(paths[:NAMED]) + more


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"

