"""The append-only audit log: who did what to which consult, and when (no patient text)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

from consult_aid.storage.database import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    consult_id: str | None
    detail: str


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "unknown"


_COLUMNS = "id, at, actor, action, consult_id, detail"


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, action: str, *, consult_id: str | None = None, detail: str = "",
               actor: str | None = None, at: datetime | None = None) -> None:
        """Append one entry; joins the caller's transaction when there is one."""
        when = (at or datetime.now(UTC)).isoformat()
        with self.db.transaction() as con:
            con.execute(
                "INSERT INTO audit_log(at, actor, action, consult_id, detail) "
                "VALUES (?, ?, ?, ?, ?)",
                (when, actor or current_actor(), action, consult_id, detail),
            )

    def entries(self, consult_id: str | None = None) -> list[AuditEntry]:
        if consult_id is None:
            rows = self.db.query(f"SELECT {_COLUMNS} FROM audit_log ORDER BY id")
        else:
            rows = self.db.query(f"SELECT {_COLUMNS} FROM audit_log WHERE consult_id = ? "
                                 "ORDER BY id", (consult_id,))
        return [AuditEntry(*row) for row in rows]

    def latest(self, consult_id: str) -> AuditEntry | None:
        """The newest entry about one consult (an index lookup)."""
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM audit_log WHERE consult_id = ? "
                                "ORDER BY id DESC LIMIT 1", (consult_id,))
        return AuditEntry(*row) if row else None

    def has_entry(self, action: str) -> bool:
        return self.db.query_one("SELECT 1 FROM audit_log WHERE action = ? LIMIT 1",
                                 (action,)) is not None
