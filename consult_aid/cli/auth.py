"""Who runs a command: the account is signed in before anything is read or written.

The account name comes from ``CONSULT_AID_USER`` or is asked for; the password from a password
file (``CONSULT_AID_PASSWORD_FILE``, owner-only, first line; a command's ``--password-file``
names one too), ``CONSULT_AID_PASSWORD`` (for scripts; visible to other processes of the same
user on some systems — prefer the file), or is asked for without echo. The account is then
checked with its password like any sign-in — counted, slowed down, locked out and audited — so
no variable can make a command run as someone: it only names who is signing in. The same
password unlocks the account's own signing key (``addendum``): one password, the account's.

A database that cannot be written (``--read-only``, a read-only data folder) cannot count or
record a sign-in: the password is checked all the same (an unknown name costs the same work as
a wrong password; a locked or deactivated account stays refused), and nothing is written.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from consult_aid.domain.accounts import Account
from consult_aid.errors import InputError
from consult_aid.input_files import read_password_file
from consult_aid.services.accounts import (
    REFUSED,
    WRONG_PASSWORD,
    NotAllowedError,
    has_accounts,
    sign_in,
)
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress

USER_VAR = "CONSULT_AID_USER"
PASSWORD_VAR = "CONSULT_AID_PASSWORD"  # noqa: S105 (the variable's name)
PASSWORD_FILE_VAR = "CONSULT_AID_PASSWORD_FILE"  # noqa: S105 (the variable's name)
NO_ACCOUNTS = ("This data folder has no accounts yet. Make the first one (an administrator "
               "and clinician) with: consult-aid accounts init")
WRONG = WRONG_PASSWORD
MUST_CHANGE = ("This account's password was set by an administrator: choose your own first, "
               "with: consult-aid accounts password")
SIGN_IN_HELP = (f"Signs in first: the account {USER_VAR} (or asked for), its password from "
                f"the file {PASSWORD_FILE_VAR}, {PASSWORD_VAR}, or asked for.")


def _ask(prompt: str, *, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise InputError(f"{prompt.rstrip(': ')} is needed, and there is no terminal to ask "
                         f"on: set {USER_VAR} and {PASSWORD_FILE_VAR} (or {PASSWORD_VAR}).")
    return getpass.getpass(prompt) if secret else input(prompt)


def account_name(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(USER_VAR, "").strip() or _ask("Account (user name): ", secret=False).strip()


def account_password(environ: dict[str, str] | None = None, *,
                     password_file: Path | None = None) -> str:
    """The account's password: ``password_file`` (a command's --password-file), else the file
    named by CONSULT_AID_PASSWORD_FILE, else CONSULT_AID_PASSWORD, else asked for."""
    env = os.environ if environ is None else environ
    if password_file is not None:
        return read_password_file(password_file)
    if env.get(PASSWORD_FILE_VAR):
        return read_password_file(env[PASSWORD_FILE_VAR])
    if env.get(PASSWORD_VAR):
        return env[PASSWORD_VAR]
    return _ask("Password: ", secret=True)


def sign_in_with_password(db: Database, *, now: datetime,
                          environ: dict[str, str] | None = None,
                          password_file: Path | None = None) -> tuple[Account, str]:
    """The account running this command, signed in, and the password it signed in with (the
    one that unlocks its signing key)."""
    if not has_accounts(db):
        raise InputError(NO_ACCOUNTS)
    name = account_name(environ)
    password = account_password(environ, password_file=password_file)
    account = sign_in(db, name, password, now=now)  # on a read-only database: not recorded
    if account.must_change_password:
        if not db.read_only:
            AuditLog(db).record(REFUSED, detail="a new password must be chosen first",
                                actor=account.username, at=now)
        raise NotAllowedError(MUST_CHANGE)
    return account, password


def signed_in(db: Database, *, now: datetime, environ: dict[str, str] | None = None,
              password_file: Path | None = None) -> Account:
    """The account running this command, signed in with its password (or an error)."""
    return sign_in_with_password(db, now=now, environ=environ, password_file=password_file)[0]


@contextmanager
def signed_store(database: Path | ServerAddress, *, now: datetime | None = None,
                 read_only: bool = False, password_file: Path | None = None) -> Iterator[Database]:
    """``open_store(database)`` with the command's account signed in on it (``db.account``),
    so that every service it calls checks that account's role and names it in the audit
    trail."""
    with open_store(database, read_only=read_only) as db:
        db.account = signed_in(db, now=now or datetime.now().astimezone(),
                               password_file=password_file)
        yield db

