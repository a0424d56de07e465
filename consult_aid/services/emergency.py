"""Emergency access ("break glass") for a clinic locked out of every administrator account.

An administrator makes a one-time emergency code (shown once, to print and keep sealed; only
its argon2id hash is stored; making a new one retires the older ones). Someone who has it can
set a new password for one administrator account — nothing else: no patient data is opened by
it. Its use is audited with the name and reason they gave, and is shown to everyone who signs
in until an administrator acknowledges it (also audited). The code then is spent: an
administrator makes a new one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from consult_aid.domain.accounts import Account, Permission, Role
from consult_aid.domain.passwords import password_problem
from consult_aid.errors import InputError, KnownError
from consult_aid.services.accounts import hash_password, require, verify_password
from consult_aid.storage.accounts import AccountRepository
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database

ISSUED = "emergency-code.issued"
USED = "emergency-access.used"
FAILED = "emergency-access.failed"
ACKNOWLEDGED = "emergency-access.acknowledged"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
GROUPS, GROUP_LENGTH = 6, 4  # 24 characters, 120 bits
MAX_REASON = 300


class EmergencyAccessError(KnownError):
    """The emergency code was not accepted."""


@dataclass(frozen=True, slots=True)
class EmergencyUse:
    id: int
    used_at: str
    used_by: str
    reason: str
    account: str  # the administrator account whose password was set


def _normalise(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum()).replace("O", "0") \
        .replace("I", "1").replace("L", "1")


def issue_code(db: Database, actor: Account, *, now: datetime) -> str:
    """A new emergency code (retiring any unused older one). Show it once; it is not kept."""
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    code = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(GROUP_LENGTH))
                    for _ in range(GROUPS))
    with db.transaction() as con:
        con.execute("INSERT INTO emergency_codes(code_hash, issued_at, issued_by) "
                    "VALUES (?, ?, ?)", (hash_password(_normalise(code)), now.isoformat(),
                                         actor.username))
    AuditLog(db).record(ISSUED, actor=actor.username, at=now)
    return code


def has_code(db: Database) -> bool:
    return _current(db) is not None


def _current(db: Database) -> tuple[int, str] | None:
    row = db.query_one("SELECT id, code_hash FROM emergency_codes WHERE used_at IS NULL "
                       "ORDER BY id DESC LIMIT 1")
    return None if row is None else (int(row[0]), str(row[1]))


def use_code(db: Database, code: str, *, account: str, new_password: str, used_by: str,
             reason: str, now: datetime) -> None:
    """Set ``new_password`` for the administrator ``account`` with the emergency code."""
    used_by, reason = used_by.strip(), reason.strip()
    if not used_by or not reason:
        raise InputError("Say who you are and why emergency access is needed: both are "
                         "recorded and shown to the clinic.")
    if len(used_by) > 120 or len(reason) > MAX_REASON:
        raise InputError(f"Keep the name under 120 and the reason under {MAX_REASON} "
                         "characters.")
    current = _current(db)
    audit = AuditLog(db)
    if current is None or not verify_password(current[1], _normalise(code)):
        audit.record(FAILED, detail=f"by={used_by}", actor="(emergency access)", at=now)
        raise EmergencyAccessError("This emergency code is not the clinic's current one "
                                   "(a used or replaced code no longer works).")
    stored = AccountRepository(db).find(account.strip().lower())
    if stored is None or Role.ADMINISTRATOR not in stored.account.roles:
        raise InputError("Emergency access sets the password of an administrator account; "
                         f"{account.strip().lower()!r} is not one.")
    problem = password_problem(new_password, stored.account.username,
                               stored.account.display_name)
    if problem:
        raise InputError(problem)
    repo = AccountRepository(db)
    with db.transaction() as con:
        con.execute("UPDATE emergency_codes SET used_at = ?, used_by = ?, used_reason = ?, "
                    "used_for = ? WHERE id = ?", (now.isoformat(), used_by, reason,
                                                  stored.account.username, current[0]))
        repo.set_password(stored.account.id, hash_password(new_password), now=now,
                          must_change=True)
        if not stored.account.active:
            repo.set_active(stored.account.id, True)
        audit.record(USED, detail=f"for={stored.account.username}; by={used_by}; "
                     f"reason={reason}", actor="(emergency access)", at=now)


def unacknowledged(db: Database) -> list[EmergencyUse]:
    """Uses of emergency access no administrator has acknowledged yet (shown to everyone)."""
    rows = db.query("SELECT id, used_at, used_by, used_reason, used_for FROM emergency_codes "
                    "WHERE used_at IS NOT NULL AND acknowledged_at IS NULL ORDER BY id")
    return [EmergencyUse(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]


def acknowledge(db: Database, actor: Account, use_id: int, *, now: datetime) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    with db.transaction() as con:
        changed = con.execute("UPDATE emergency_codes SET acknowledged_at = ?, "
                              "acknowledged_by = ? WHERE id = ? AND used_at IS NOT NULL AND "
                              "acknowledged_at IS NULL",
                              (now.isoformat(), actor.username, use_id)).rowcount
    if not changed:
        raise InputError("There is no unacknowledged emergency access with that number.")
    AuditLog(db).record(ACKNOWLEDGED, detail=f"use {use_id}", actor=actor.username, at=now)
