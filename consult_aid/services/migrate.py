"""Moving a clinic's archive from a PC's SQLite file to its PostgreSQL server (issue 18).

``consult-aid migrate --to postgresql://...`` copies everything the archive holds — patients,
clinicians, consults with their signed PDFs and addenda, the windows' draft steps, accounts
with their roles and emergency codes, the certificates pinned and trusted (the identities'
public parts), and the audit trail with its hash chain — into an empty database on the server,
in one transaction: the copy is whole, or nothing was written.

The server's rules are never switched off for it: a signed consult goes in the way it was made
(a draft, then its archived summary, then the signing update, then its addenda), so the server's
triggers check every record as they would a new one, and each audit entry must continue the
chain (a chain broken in the file stops the copy, saying where). The SQLite file is only read.
Afterwards the copy is checked as ``consult-aid check`` checks an archive, and counted against
the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from consult_aid.domain.accounts import Account, Permission
from consult_aid.errors import KnownError
from consult_aid.services.accounts import require
from consult_aid.services.archive_copy import copy_archive
from consult_aid.services.check import CheckReport, check_server
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress

MIGRATED = "archive.migrated"

_COUNTED = ("patients", "clinicians", "consults", "documents", "addenda", "accounts",
            "audit_log", "certificates")


class NotEmptyError(KnownError):
    exit_code = 2


@dataclass(frozen=True, slots=True)
class MigrationReport:
    counts: dict[str, int]  # table -> rows copied (the same in both, checked)
    check: CheckReport


def migrate_to_server(database: Path, address: ServerAddress, *, actor: Account,
                      identity: Path | None = None,
                      now: datetime | None = None) -> MigrationReport:
    """Copy the archive in the SQLite file ``database`` to the empty database at ``address``
    (created and migrated as needed), then check the copy. ``actor`` must be an administrator
    of the file's archive; the copy records, in the server's audit trail, that it was made."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    with open_store(database, read_only=True) as source, open_store(address) as target:
        target.account = actor
        with target.transaction() as con:
            require_empty(target)  # under the write lock: two copies at once cannot both pass
            copy_archive(source, con, to_server=True)
            AuditLog(target).record(MIGRATED, at=when,
                                    detail=f"from a SQLite file ({_count(source, 'consults')} "
                                           "consults)")
        counts = {t: _count(source, t) for t in _COUNTED}
        copied = {t: _count(target, t) - (1 if t == "audit_log" else 0) for t in _COUNTED}
        if copied != counts:
            differ = ", ".join(f"{t} {counts[t]} → {copied[t]}" for t in _COUNTED
                               if counts[t] != copied[t])
            raise KnownError(f"The copy on the server does not hold what the file holds "
                             f"({differ}). Empty the server's database before trying again.")
    return MigrationReport(counts, check_server(address, identity))


def require_empty(target: Database) -> None:
    for table in ("consults", "patients", "accounts", "audit_log"):
        if _count(target, table):
            raise NotEmptyError(
                f"The server's database ({target.location}) already holds an archive "
                f"({table} is not empty); nothing was copied. Migrate into a new, empty "
                "database.")


def _count(db: Database, table: str) -> int:
    row = db.query_one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


