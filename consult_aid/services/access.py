"""Every access to patient data leaves an entry on the audit trail under the signed-in account
(issue 14; HIPAA §164.312(b) asks for audit controls over who read what).

Reads come in bursts — the archive is searched as the clinician types, and paged as they
scroll — so a list or a search is recorded once per :data:`READ_AUDIT_GAP` for the same
account and action, not once per keystroke. Opening a consult, printing, previewing, exporting
or verifying is recorded every time. Nothing the user typed is written (a search is recorded
by its number of results, never by its words: they are often a patient's name).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from consult_aid.domain.accounts import Account, Permission
from consult_aid.services.accounts import permit
from consult_aid.storage.audit import AuditLog, current_actor
from consult_aid.storage.database import Database

log = logging.getLogger(__name__)

READ_AUDIT_GAP = timedelta(minutes=1)

OPENED = "consult.opened"
LISTED = "consults.listed"
SEARCHED = "consults.searched"
PRINTED = "consult.printed"
PREVIEWED = "consult.previewed"
VERIFIED = "document.verified"


def record_access(db: Database, action: str, *, consult_id: str | None = None,
                  detail: str = "", at: datetime | None = None, burst: bool = False) -> None:
    """Append ``action`` to the audit trail under the signed-in account. ``burst``: skipped
    when the newest entry is the same action by the same account less than
    :data:`READ_AUDIT_GAP` ago. A read-only database cannot be written: the access is logged
    (no patient data) instead."""
    if db.read_only:
        log.info("%s on a read-only database: not on the audit trail", action)
        return
    when = at or datetime.now(UTC)
    if burst:
        row = db.query_one("SELECT action, actor, at FROM audit_log ORDER BY id DESC LIMIT 1")
        if (row is not None and row[0] == action and row[1] == current_actor(db)
                and when - datetime.fromisoformat(row[2]) < READ_AUDIT_GAP):
            return
    AuditLog(db).record(action, consult_id=consult_id, detail=detail, at=when)


def permit_and_record(db: Database, permission: Permission, action: str, *,
                      consult_id: str | None = None, detail: str = "",
                      at: datetime | None = None) -> Account:
    """:func:`permit`, then :func:`record_access`: the usual first line of a service that
    hands out patient data once (open, print, preview, verify)."""
    actor = permit(db, permission, consult_id=consult_id)
    record_access(db, action, consult_id=consult_id, detail=detail, at=at)
    return actor


def record_printed(db: Database, consult_id: str | None, what: str, *,
                   at: datetime | None = None) -> None:
    """A document of a consult was sent to a printer (``what``: "summary", "handout" ...),
    by an account that may print."""
    permit_and_record(db, Permission.PRINT_EXPORT, PRINTED, consult_id=consult_id, detail=what,
                      at=at)


def record_previewed(db: Database, consult_id: str, what: str = "summary", *,
                     at: datetime | None = None) -> None:
    """A consult's document was shown as a preview (rendered from the draft or the archive)."""
    permit_and_record(db, Permission.VIEW_CONSULTS, PREVIEWED, consult_id=consult_id,
                      detail=what, at=at)


def record_verified(db: Database, detail: str, *, consult_id: str | None = None,
                    at: datetime | None = None) -> None:
    """A signed document was verified (``detail``: the verdict, never a file name)."""
    permit_and_record(db, Permission.VIEW_CONSULTS, VERIFIED, consult_id=consult_id,
                      detail=detail, at=at)


def record_failed(db: Database, action: str, exc: BaseException, *,
                  consult_id: str | None = None, at: datetime | None = None) -> None:
    """``action`` was tried and failed: recorded as ``<action>.failed`` with the kind of
    failure (its class, never its message, which may name a file or a patient). Never raises:
    the failure being recorded may be the database's own."""
    if db.read_only or db.account is None:
        log.warning("%s failed (%s): not on the audit trail", action, type(exc).__name__)
        return
    try:
        AuditLog(db).record(f"{action}.failed", consult_id=consult_id,
                            detail=type(exc).__name__, at=at or datetime.now(UTC))
    except Exception as audit_exc:
        log.warning("%s failed, and so did recording it (%s)", action,
                    type(audit_exc).__name__)
