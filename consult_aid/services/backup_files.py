"""A backup folder's format and the file handling backup and restore share: the manifest
(``MANIFEST.json``: each file's SHA-256 and size), reading it without trusting it, checking a
folder against it, and owner-only files and folders written durably.
"""

import hashlib
import json
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from consult_aid import __version__
from consult_aid.domain.accounts import Account
from consult_aid.errors import KnownError
from consult_aid.files import write_atomically
from consult_aid.services.check import CheckReport
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import BUSY_TIMEOUT_MS
from consult_aid.storage.server import ServerAddress

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


def _record(database: Path | ServerAddress, action: str, now: datetime, detail: str,
            actor: Account | None) -> None:
    """Audit a backup or restore under ``actor`` (None: a restore chosen at the window's
    start-up check, before anyone could sign in — the accounts are in the damaged database)."""
    with open_store(database) as db:
        db.account = actor
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
