"""The database as the window and the command line hold it.

Both open it here and pass it to service functions; neither calls storage directly (a test
keeps ``consult_aid.ui`` from importing ``consult_aid.storage``). A ``Store`` is one SQLite
connection and belongs to the thread that opened it.

A data folder remembers that it has had a database (the file ``database-created`` beside it):
when the database later goes missing, a new empty one is never made in its place — the
consults and their signed PDFs would be gone without a word.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

from consult_aid.errors import DamagedDatabaseError, KnownError, StorageError
from consult_aid.files import write_atomically
from consult_aid.storage.database import (
    Database,
    creating_lock,  # the lock a database is made under
)
from consult_aid.storage.server import ServerAddress

Store = Database
DATABASE_MARKER = "database-created"


def open_store(location: Path | ServerAddress, *, read_only: bool = False) -> Store:
    """Open (creating and migrating as needed) the database file at ``location``, or the
    clinic's archive on the PostgreSQL server it names; read-only opens it as it is, with no
    migration, and refuses every write."""
    if isinstance(location, ServerAddress):
        from consult_aid.storage.postgres import PostgresDatabase  # psycopg: only when used

        return PostgresDatabase(location, read_only=read_only)
    path = Path(location)
    marker = path.with_name(DATABASE_MARKER)
    if not path.exists() and marker.is_file():
        raise DamagedDatabaseError(
            f"The database {path.name} is missing, though this data folder had one. Restore "
            "it from a backup (consult-aid restore BACKUP); no new, empty database was made.")
    is_new = not path.exists()
    try:
        db = Database(path, read_only=read_only)
    except StorageError as exc:
        if not is_new or read_only:
            raise
        # A first start that failed (a full disk, a folder that cannot be written) leaves no
        # empty database behind, which the next start would take for a damaged one.
        _remove_unused(path)
        raise type(exc)(f"Could not create the database {path}: {exc}") from exc
    if not read_only and not marker.exists():
        try:
            write_atomically(marker, f"{datetime.now(UTC).isoformat()}\n".encode())
        except BaseException as exc:
            db.close()
            if isinstance(exc, OSError) and exc.filename is None:
                exc.filename = str(marker)  # a full disk fails the write, which names no file
            raise
    return db


def _remove_unused(path: Path) -> None:
    """Remove the database file just created at ``path`` if it holds nothing (0 bytes). Under
    the lock a new database is created with, so never one another program is making."""
    wal = path.with_name(f"{path.name}-wal")
    with contextlib.suppress(KnownError, OSError), creating_lock(path):
        if path.stat().st_size == 0 and (not wal.exists() or wal.stat().st_size == 0):
            for leftover in (path, wal, path.with_name(f"{path.name}-shm")):
                leftover.unlink(missing_ok=True)
