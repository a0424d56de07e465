"""Accounts: the first administrator, signing in, passwords, and what a role may do.

Every service that reads or changes patient data takes the signed-in :class:`Account` and
calls :func:`require` first, so a caller cannot get around a role by calling the service
directly; every change here is audited under the account that made it (never under a name
taken from the environment).

Passwords are hashed with argon2id (argon2-cffi; RFC 9106's second recommended setting:
3 passes, 64 MiB, 4 lanes) — a maintained implementation of the hash OWASP recommends first,
rather than a hand-made PBKDF2 loop.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from consult_aid.domain.accounts import (
    MAX_DISPLAY_NAME,
    Account,
    Permission,
    Role,
    username_problem,
)
from consult_aid.domain.passwords import (
    LOCKOUT_AFTER,
    delay_after,
    locked_until,
    password_problem,
)
from consult_aid.errors import InputError, KnownError, NotFoundError
from consult_aid.storage.accounts import AccountRepository
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress

SIGNED_IN = "sign-in"
SIGN_IN_FAILED = "sign-in.failed"
ACCOUNT_CREATED = "account.created"
PASSWORD_CHANGED = "account.password-changed"  # noqa: S105 (an audit action)
PASSWORD_RESET = "account.password-reset"  # noqa: S105 (an audit action)
ROLES_CHANGED = "account.roles-changed"
DEACTIVATED = "account.deactivated"
REACTIVATED = "account.reactivated"
REFUSED = "refused"
UNKNOWN_ACCOUNT = "(no such account)"
WRONG_PASSWORD = "The user name or the password is not right."  # noqa: S105 (a message)
# A read-only database cannot count failures; whoever can open it read-only can read the file
# itself, so this only slows down guessing through the program
READ_ONLY_FAILURE_PAUSE = 2.0
NOT_YOUR_PASSWORD = "The password is not right."  # noqa: S105 (typed again, by a signed-in user)

_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


@cache
def _dummy_hash() -> str:
    """Verified when no account has the name given, so that an unknown name takes as long as
    a wrong password (and does not tell someone trying names which ones exist)."""
    return _HASHER.hash("a password no account has, to spend the same time")


class NotAllowedError(KnownError):
    """The signed-in account's role does not allow this."""


class SignInRefusedError(KnownError):
    """A sign-in that did not succeed; ``wait_seconds`` before the next try is accepted."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def has_accounts(db: Database) -> bool:
    return AccountRepository(db).count() > 0


def require(actor: Account, permission: Permission, *, db: Database | None = None,
            consult_id: str | None = None) -> None:
    """Refuse (and, given ``db``, audit the refusal) unless ``actor`` may do ``permission``."""
    if actor.may(permission):
        return
    if db is not None:
        AuditLog(db).record(REFUSED, consult_id=consult_id, detail=permission.value,
                            actor=actor.username)
    roles = actor.roles_text.lower() or "no role"
    raise NotAllowedError(f"Your account ({roles}) may not {permission.value}. Ask someone "
                          "whose role allows it, or an administrator.")


def require_in_folder(actor: Account, permission: Permission,
                      database: Path | ServerAddress) -> None:
    """:func:`require` for a service that works on the data folder's files (backup, restore)
    rather than on an open connection: a refusal is recorded in the database when it opens."""
    if actor.may(permission):
        return
    from consult_aid.services.store import open_store

    try:
        with open_store(database) as db:
            require(actor, permission, db=db)
    except NotAllowedError:
        raise
    except KnownError:  # a database that cannot be opened: refused all the same
        pass
    require(actor, permission)


def permit(db: Database, permission: Permission, *, consult_id: str | None = None) -> Account:
    """The account signed in on ``db`` if it may do ``permission``; else NotAllowedError (the
    refusal audited). Every service that reads or changes patient data calls this first."""
    actor = db.account
    if actor is None:
        if not db.read_only:
            AuditLog(db).record(REFUSED, consult_id=consult_id,
                                detail=f"{permission.value}: no one signed in")
        raise NotAllowedError("No one is signed in: sign in with your own account first.")
    require(actor, permission, db=None if db.read_only else db, consult_id=consult_id)
    return actor


def _check_new(username: str, display_name: str, password: str) -> None:
    problem = username_problem(username)
    if problem is None and not 0 < len(display_name.strip()) <= MAX_DISPLAY_NAME:
        problem = f"The name shown on records needs 1 to {MAX_DISPLAY_NAME} characters."
    if problem is None:
        problem = password_problem(password, username, display_name)
    if problem is not None:
        raise InputError(problem)


def create_first_administrator(db: Database, username: str, display_name: str, password: str,
                               *, now: datetime) -> Account:
    """The first account of a data folder: administrator and clinician. Refused once any
    account exists (a second 'first' account would be a way in for anyone)."""
    _check_new(username, display_name, password)
    repo = AccountRepository(db)
    if repo.count():
        raise NotAllowedError("This data folder already has accounts: an administrator adds "
                              "new ones.")
    account = repo.add(username, display_name.strip(),
                       frozenset({Role.ADMINISTRATOR, Role.CLINICIAN}),
                       hash_password(password), now=now)
    AuditLog(db).record(ACCOUNT_CREATED, detail="roles=administrator,clinician; first account",
                        actor=account.username, at=now)
    return account


def create_account(db: Database, actor: Account, username: str, display_name: str,
                   roles: frozenset[Role], password: str, *, now: datetime) -> Account:
    """A new account, made by an administrator; its user changes the password at first
    sign-in."""
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    _check_new(username, display_name, password)
    if not roles:
        raise InputError("An account needs at least one role.")
    repo = AccountRepository(db)
    if repo.find(username) is not None:
        raise InputError(f"There is already an account named {username.lower()}.")
    account = repo.add(username, display_name.strip(), roles, hash_password(password), now=now,
                       must_change_password=True)
    AuditLog(db).record(ACCOUNT_CREATED, detail=f"{account.username}: roles="
                        + ",".join(sorted(r.value for r in roles)), actor=actor.username, at=now)
    return account


def sign_in(db: Database, username: str, password: str, *, now: datetime) -> Account:
    """The account named ``username``, if ``password`` is its password and it may sign in
    now. Failures are counted, slowed down and locked out, and audited.

    A database opened read-only (a damaged one read to rescue it, ``--read-only``) cannot
    count or record anything: the same checks are made (an unknown name costs the same work
    as a wrong password; a locked or deactivated account stays refused), a wrong password
    costs :data:`READ_ONLY_FAILURE_PAUSE` seconds, and nothing is written."""
    if db.read_only:
        return _sign_in_read_only(db, username, password, now=now)
    return _checked(db, username, password, now=now, why="")


def confirm_password(db: Database, account: Account, password: str, *, now: datetime,
                     why: str) -> None:
    """``account`` types its password again (to sign, to change it): checked like a sign-in —
    a wrong one counted, slowed down, locked out and recorded as a failed sign-in (``why``
    in its detail) — and a right one not recorded as a new sign-in."""
    if db.read_only:
        _sign_in_read_only(db, account.username, password, now=now)
        return
    _checked(db, account.username, password, now=now, why=why)


def _checked(db: Database, username: str, password: str, *, now: datetime,
             why: str) -> Account:
    """The counted password check behind :func:`sign_in` (``why`` empty) and
    :func:`confirm_password` (``why``: what the password was typed again for)."""
    repo = AccountRepository(db)
    name = username.strip().lower()
    stored = None if username_problem(name) else repo.find(name)
    audit = AuditLog(db)
    at = f"; {why}" if why else ""
    if stored is None or not stored.account.active:
        verify_password(_dummy_hash(), password)
        audit.record(SIGN_IN_FAILED, detail=f"unknown or inactive account{at}",
                     actor=stored.account.username if stored else UNKNOWN_ACCOUNT, at=now)
        raise SignInRefusedError(WRONG_PASSWORD)
    account = stored.account
    if stored.locked_until is not None and now < stored.locked_until:
        audit.record(SIGN_IN_FAILED, detail=f"locked out{at}", actor=account.username, at=now)
        raise SignInRefusedError(
            f"This account is locked after {LOCKOUT_AFTER} wrong passwords, until "
            f"{stored.locked_until:%H:%M}. An administrator can reset its password sooner.",
            wait_seconds=int((stored.locked_until - now).total_seconds()) + 1)
    if stored.last_failure_at is not None:
        ready = stored.last_failure_at.timestamp() + delay_after(stored.failed_attempts)
        if now.timestamp() < ready:
            wait = int(ready - now.timestamp()) + 1
            audit.record(SIGN_IN_FAILED, detail=f"too soon after a failure{at}",
                         actor=account.username, at=now)
            raise SignInRefusedError(f"Wait {wait} seconds, then try again.", wait_seconds=wait)
    if not verify_password(stored.password_hash, password):
        failures = stored.failed_attempts + 1
        until = locked_until(failures, now)
        repo.record_failure(account.id, at=now, locked_until=until)
        audit.record(SIGN_IN_FAILED, detail=f"wrong password ({failures} in a row){at}",
                     actor=account.username, at=now)
        if until is not None:
            raise SignInRefusedError(
                f"This account is now locked after {failures} wrong passwords, until "
                f"{until:%H:%M}. An administrator can reset its password sooner.",
                wait_seconds=int((until - now).total_seconds()))
        raise SignInRefusedError(NOT_YOUR_PASSWORD if why else WRONG_PASSWORD,
                                 wait_seconds=delay_after(failures))
    repo.record_success(account.id)
    if _HASHER.check_needs_rehash(stored.password_hash):
        repo.rehash(account.id, hash_password(password))
    if not why:
        audit.record(SIGNED_IN, actor=account.username, at=now)
    return account


def _sign_in_read_only(db: Database, username: str, password: str, *,
                       now: datetime) -> Account:
    name = username.strip().lower()
    stored = None if username_problem(name) else AccountRepository(db).find(name)
    if stored is None or not stored.account.active:
        verify_password(_dummy_hash(), password)
        time.sleep(READ_ONLY_FAILURE_PAUSE)  # answered exactly like a wrong password
        raise SignInRefusedError(WRONG_PASSWORD)
    if stored.locked_until is not None and now < stored.locked_until:
        raise SignInRefusedError(f"This account is locked until {stored.locked_until:%H:%M}. "
                                 "An administrator can reset its password sooner.")
    if not verify_password(stored.password_hash, password):
        time.sleep(READ_ONLY_FAILURE_PAUSE)  # nothing can be counted: every guess costs time
        raise SignInRefusedError(WRONG_PASSWORD)
    return stored.account


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` is the one ``password_hash`` was made from."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_own_password(db: Database, actor: Account, old: str, new: str, *,
                        now: datetime) -> None:
    try:
        confirm_password(db, actor, old, now=now, why="changing the password")
    except SignInRefusedError as exc:
        AuditLog(db).record(f"{PASSWORD_CHANGED}.failed", detail="the current password was "
                            "not accepted", actor=actor.username, at=now)
        message = ("The current password is not right; the password was not changed."
                   if str(exc) == NOT_YOUR_PASSWORD else str(exc))
        raise InputError(message) from None
    problem = password_problem(new, actor.username, actor.display_name)
    if problem is None and new == old:
        problem = "The new password must differ from the current one."
    if problem is not None:
        raise InputError(problem)
    AccountRepository(db).set_password(actor.id, hash_password(new), now=now, must_change=False)
    AuditLog(db).record(PASSWORD_CHANGED, actor=actor.username, at=now)


def _target(db: Database, username: str) -> Account:
    stored = AccountRepository(db).find(username)
    if stored is None:
        raise NotFoundError(f"There is no account named {username.lower()}.")
    return stored.account


def reset_password(db: Database, actor: Account, username: str, new: str, *,
                   now: datetime) -> None:
    """An administrator sets a new password (its user must change it at the next sign-in);
    a lockout ends with it."""
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    target = _target(db, username)
    problem = password_problem(new, target.username, target.display_name)
    if problem is not None:
        raise InputError(problem)
    AccountRepository(db).set_password(target.id, hash_password(new), now=now, must_change=True)
    AuditLog(db).record(PASSWORD_RESET, detail=target.username, actor=actor.username, at=now)


def _keeps_an_administrator(db: Database, target: Account, *, loses_admin: bool) -> None:
    if (loses_admin and Role.ADMINISTRATOR in target.roles and target.active
            and AccountRepository(db).active_administrators() <= 1):
        raise NotAllowedError("This is the last active administrator: make another account "
                              "an administrator first.")


def set_roles(db: Database, actor: Account, username: str, roles: frozenset[Role], *,
              now: datetime) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    if not roles:
        raise InputError("An account needs at least one role.")
    target = _target(db, username)
    _keeps_an_administrator(db, target, loses_admin=Role.ADMINISTRATOR not in roles)
    AccountRepository(db).set_roles(target.id, roles)
    AuditLog(db).record(ROLES_CHANGED, detail=f"{target.username}: roles="
                        + ",".join(sorted(r.value for r in roles)), actor=actor.username, at=now)


def set_active(db: Database, actor: Account, username: str, active: bool, *,
               now: datetime) -> None:
    """Deactivate (or reactivate) an account. Accounts are never deleted: the audit trail
    names them."""
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    target = _target(db, username)
    if not active and target.id == actor.id:
        raise NotAllowedError("You cannot deactivate your own account.")
    _keeps_an_administrator(db, target, loses_admin=not active)
    AccountRepository(db).set_active(target.id, active)
    AuditLog(db).record(REACTIVATED if active else DEACTIVATED, detail=target.username,
                        actor=actor.username, at=now)


def list_accounts(db: Database, actor: Account) -> list[Account]:
    require(actor, Permission.MANAGE_ACCOUNTS, db=db)
    return AccountRepository(db).all()
