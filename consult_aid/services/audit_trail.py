"""Reading the audit trail: filtered by account, consult, action and date, newest first, and
as CSV — for an administrator only (reading it is itself audited).

The trail holds no patient text (consult ids, actions, account names, times), so a CSV export
is safe to hand to a compliance officer. Cells that a spreadsheet would run as a formula
(starting with = + - @ or a tab) are quoted with a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from consult_aid.domain.accounts import Account, Permission
from consult_aid.services.accounts import require
from consult_aid.storage.audit import AuditEntry, AuditLog
from consult_aid.storage.database import Database

__all__ = ["AuditEntry", "AuditFilter", "actions_in_trail", "export_trail", "local_time",
           "read_trail", "trail_csv"]

READ = "audit.read"
EXPORTED = "audit.exported"
MAX_ROWS = 100_000  # one read; a longer period is read in parts (narrow the dates)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None  # an account name, exactly
    consult_id: str | None = None
    action: str | None = None  # exactly, or a family: "sign-in" also finds "sign-in.failed"
    since: date | None = None  # inclusive, a day on this computer's clock
    until: date | None = None  # inclusive

    def describe(self) -> str:
        parts = [f"{name}={value}" for name, value in (
            ("actor", self.actor), ("consult", self.consult_id), ("action", self.action),
            ("since", self.since), ("until", self.until)) if value]
        return "; ".join(parts) or "all"


def _where(f: AuditFilter, backend: str = "sqlite") -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if f.actor:
        clauses.append("actor = ?")
        params.append(f.actor.strip().lower())
    if f.consult_id:
        clauses.append("consult_id = ?")
        params.append(f.consult_id.strip())
    if f.action:
        clauses.append("(action = ? OR action LIKE ? ESCAPE '\\')")
        escaped = f.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f.action, f"{escaped}.%"]
    # times are stored with their UTC offset; julianday() (a server: timestamptz) compares
    # them as instants, and a day is the day on this computer's clock
    instant = "(?)::timestamptz" if backend == "postgresql" else "julianday(?)"
    column = "at::timestamptz" if backend == "postgresql" else "julianday(at)"
    if f.since:
        clauses.append(f"{column} >= {instant}")
        params.append(datetime.combine(f.since, time.min).astimezone().isoformat())
    if f.until:
        clauses.append(f"{column} < {instant}")
        params.append(datetime.combine(f.until + timedelta(days=1), time.min).astimezone()
                      .isoformat())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def read_trail(db: Database, actor: Account, f: AuditFilter, *, now: datetime,
               limit: int = MAX_ROWS) -> list[AuditEntry]:
    """The entries ``f`` selects, newest first (at most ``limit``)."""
    require(actor, Permission.READ_AUDIT, db=db)
    where, params = _where(f, db.backend)
    rows = db.query("SELECT id, at, actor, action, consult_id, detail FROM audit_log"
                    f"{where} ORDER BY id DESC LIMIT ?", (*params, max(1, min(limit, MAX_ROWS))))
    AuditLog(db).record(READ, detail=f.describe(), actor=actor.username, at=now)
    return [AuditEntry(*row) for row in rows]


def actions_in_trail(db: Database, actor: Account) -> list[str]:
    """Every action name the trail holds (for a filter's choices)."""
    require(actor, Permission.READ_AUDIT, db=db)
    return [r[0] for r in db.query("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def local_time(at: str) -> str:
    """An entry's stored time (ISO, with its offset) on this computer's clock."""
    try:
        return f"{datetime.fromisoformat(at).astimezone():%Y-%m-%d %H:%M:%S}"
    except ValueError:
        return at


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def trail_csv(entries: list[AuditEntry]) -> str:
    """The entries as CSV (RFC 4180, a header row; formula-like cells neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "at", "account", "action", "consult", "detail"])
    for e in entries:
        writer.writerow([_cell(v) for v in (e.id, e.at, e.actor, e.action, e.consult_id,
                                            e.detail)])
    return out.getvalue()


def export_trail(db: Database, actor: Account, f: AuditFilter, *, now: datetime) -> str:
    """The filtered trail as CSV, the export itself audited."""
    entries = read_trail(db, actor, f, now=now)
    AuditLog(db).record(EXPORTED, detail=f"{len(entries)} entries; {f.describe()}",
                        actor=actor.username, at=now)
    return trail_csv(entries)
