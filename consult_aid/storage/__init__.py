"""SQLite storage: migrations, repositories per aggregate, search, archive, audit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consult_aid.storage.database import Database, latest_version, open_database

__all__ = ["Database", "latest_version", "open_database"]


def __getattr__(name: str) -> Any:
    """The database's names, imported on first use: ``consult_aid.storage.server`` (read to
    find the data folder) does not import the database layer (issue 16: start-up)."""
    if name in __all__:
        from consult_aid.storage import database

        return getattr(database, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
