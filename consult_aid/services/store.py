"""The database as the window and the command line hold it.

Both open it here and pass it to service functions; neither calls storage directly (a test
keeps ``consult_aid.ui`` from importing ``consult_aid.storage``). A ``Store`` is one SQLite
connection and belongs to the thread that opened it.
"""

from __future__ import annotations

from pathlib import Path

from consult_aid.storage.database import Database

Store = Database


def open_store(path: Path) -> Store:
    """Open (creating and migrating as needed) the database file at ``path``."""
    return Database(path)
