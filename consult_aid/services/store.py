"""The database as the window and the command line hold it.

Both open it here and pass it to service functions; neither calls storage directly (a test
keeps ``consult_aid.ui`` from importing ``consult_aid.storage``). A ``Store`` is one SQLite
connection and belongs to the thread that opened it.

A data folder remembers that it has had a database (the file ``database-created`` beside it):
when the database later goes missing, a new empty one is never made in its place — the
consults and their signed PDFs would be gone without a word.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from consult_aid.errors import DamagedDatabaseError
from consult_aid.files import write_atomically
from consult_aid.storage.database import Database

Store = Database
DATABASE_MARKER = "database-created"


def open_store(path: Path, *, read_only: bool = False) -> Store:
    """Open (creating and migrating as needed) the database file at ``path``; read-only opens
    it as it is, with no migration, and refuses every write."""
    path = Path(path)
    marker = path.with_name(DATABASE_MARKER)
    if not path.exists() and marker.is_file():
        raise DamagedDatabaseError(
            f"The database {path.name} is missing, though this data folder had one. Restore "
            "it from a backup (consult-aid restore BACKUP); no new, empty database was made.")
    db = Database(path, read_only=read_only)
    if not read_only and not marker.exists():
        try:
            write_atomically(marker, f"{datetime.now(UTC).isoformat()}\n".encode())
        except BaseException:
            db.close()
            raise
    return db
