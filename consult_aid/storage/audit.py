"""The append-only audit log: who did what to which consult, and when (no patient text)."""

from __future__ import annotations

import hashlib
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


NOT_SIGNED_IN = "(not signed in)"  # the program itself, before anyone signed in


def current_actor(db: Database) -> str:
    """The account signed in on ``db``'s connection (issue 14): never a name taken from the
    operating system or the environment, which anyone can set."""
    return db.account.username if db.account is not None else NOT_SIGNED_IN


_COLUMNS = "id, at, actor, action, consult_id, detail"
_SEP = "\x1f"  # unit separator: no field's text can shift into its neighbour


def chain_hash(previous: str, at: str, actor: str, action: str, consult_id: str | None,
               detail: str) -> str:
    """The entry's link in the chain: SHA-256 of the previous entry's hash and its own fields
    (an entry changed, removed, added or moved makes every later link disagree)."""
    fields = (previous, at, actor, action, consult_id or "", detail)
    return hashlib.sha256(_SEP.join(fields).encode("utf-8")).hexdigest()


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, action: str, *, consult_id: str | None = None, detail: str = "",
               actor: str | None = None, at: datetime | None = None) -> None:
        """Append one entry; joins the caller's transaction when there is one."""
        when = (at or datetime.now(UTC)).isoformat()
        who = actor or current_actor(self.db)
        with self.db.transaction() as con:  # the previous hash is read inside the write lock
            row = con.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            link = chain_hash(row[0] if row else "", when, who, action, consult_id, detail)
            con.execute(
                "INSERT INTO audit_log(at, actor, action, consult_id, detail, hash) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (when, who, action, consult_id, detail, link),
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
