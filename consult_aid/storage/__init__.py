"""SQLite storage: migrations, repositories per aggregate, search, archive, audit."""

from __future__ import annotations

from consult_aid.storage.database import Database, latest_version, open_database

__all__ = ["Database", "latest_version", "open_database"]
