"""``consult-aid backup DEST`` (issue 13, part 4); ``restore`` is in
:mod:`consult_aid.services.restore`, the backup folder's format in
:mod:`consult_aid.services.backup_files`.

A backup is a new folder ``consult-aid-backup-YYYYMMDD-HHMMSS`` holding the database (copied
with SQLite's online backup API, so the window may stay open and keep writing: the copy is the
last committed state, never a torn file), every other item of the data folder that is the
clinic's (the signing identity, packs, settings, the database marker), and ``MANIFEST.json``
with each file's SHA-256 and size. It is built in a hidden ``.<name>.partial`` folder and
renamed only once it is complete and has passed ``check``, so an interrupted backup never looks
like one. A damaged database is never backed up: a backup of one is worse than none.

Messages and audit entries name files of the backup and counts, never patient data, and the
audit entry of a backup does not carry its destination (a folder's name could be a patient's).
"""

import logging
import os
import re
import shutil
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account, Permission
from consult_aid.services.accounts import require_in_folder
from consult_aid.services.backup_files import (
    _CHUNK,
    BACKED_UP,
    DATABASE,
    IDENTITY,
    MAX_DEPTH,
    RESTORED,
    BackupError,
    Manifest,
    RestoreError,
    _create_private,
    _findings,
    _fsync_directory,
    _left_out,
    _private,
    _read_only,
    _record,
    _write_manifest,
    read_manifest,
)
from consult_aid.services.check import CheckReport, check_database
from consult_aid.services.restore import RestoreResult, refuse_if_window_open, restore_backup
from consult_aid.services.store import Store, open_store
from consult_aid.storage.errors import raise_classified

log = logging.getLogger(__name__)

__all__ = ["BackupError", "BackupResult", "RestoreError", "RestoreResult", "last_backup_at",
           "make_backup", "read_manifest", "refuse_if_window_open", "restore_backup"]

@dataclass(frozen=True, slots=True)
class BackupResult:
    folder: Path  # the finished backup folder
    files: int  # files listed in its manifest
    size: int  # their bytes
    manifest_sha256: str
    report: CheckReport  # ``check`` on the backup's database (ok, or there is no result)


# -- backup ----------------------------------------------------------------------------------
def make_backup(data: DataFolder, dest: Path, *, now: datetime, actor: Account) -> BackupResult:
    """Write a new, checked backup folder of ``data`` inside ``dest`` (created if missing);
    ``actor`` must be allowed to back up (audited under that account)."""
    require_in_folder(actor, Permission.BACKUP, data.archive)
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
    if data.server is None:  # a server keeps its own pages; its records are checked below
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
    _record(data.archive, BACKED_UP, now,
            f"{len(manifest.files)} files, {manifest.size} bytes; manifest sha256 "
            f"{manifest.sha256}", actor)
    return BackupResult(folder, len(manifest.files), manifest.size, manifest.sha256, report)


def _build(data: DataFolder, partial: Path, now: datetime) -> tuple[Manifest, CheckReport]:
    """Fill ``partial``: the database, the other items, the manifest last; then check it.
    The clinic's server archive is written into the backup as a SQLite file (the same checks
    then hold, and it opens on any PC should the server be gone)."""
    if data.server is not None:
        _export_server(data, partial / DATABASE)
    else:
        _copy_database(data.database, partial / DATABASE)
    for item in sorted(data.root.iterdir()):
        if item.name != DATABASE and not _left_out(item.name):
            _copy_item(item, partial / item.name, depth=0)
    if data.server is not None:
        _own_archive_only(partial / "settings.json")
    manifest = _write_manifest(partial, now)
    report = check_database(partial / DATABASE, partial / IDENTITY)
    if not report.ok:
        raise BackupError("The backup's copy failed its check, so no backup was kept: "
                          + _findings(report) + ". `consult-aid check` gives the details.")
    return manifest, report


def _own_archive_only(settings: Path) -> None:
    """A backup of the clinic's server holds the archive in its own file: its settings name
    no server, so the backup opens (or is restored) as an archive of its own, not as a way
    back to the server it came from."""
    from consult_aid.services.settings import SERVER_KEY, edit_settings_file

    if settings.is_file():
        edit_settings_file(settings, lambda raw: raw.pop(SERVER_KEY, None))


def _export_server(data: DataFolder, target: Path) -> None:
    from consult_aid.services.archive_copy import export_to_file

    assert data.server is not None
    with open_store(data.server, read_only=True) as source:
        export_to_file(source, target)
    if os.name == "posix":
        target.chmod(0o600)


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
