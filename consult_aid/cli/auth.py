"""Who runs a command: the account is signed in before anything is read or written.

The account name comes from ``CONSULT_AID_USER`` or is asked for; the password from a password
file (``CONSULT_AID_PASSWORD_FILE``, owner-only, first line), ``CONSULT_AID_PASSWORD`` (for
scripts; visible to other processes of the same user on some systems — prefer the file), or is
asked for without echo. The account is then checked with its password like any sign-in —
counted, slowed down, locked out and audited — so no variable can make a command run as
someone: it only names who is signing in.
"""

from __future__ import annotations

import getpass
import os
import sys
from datetime import datetime

from consult_aid.domain.accounts import Account
from consult_aid.errors import InputError
from consult_aid.input_files import read_password_file
from consult_aid.services.accounts import has_accounts, sign_in
from consult_aid.storage.database import Database

USER_VAR = "CONSULT_AID_USER"
PASSWORD_VAR = "CONSULT_AID_PASSWORD"  # noqa: S105 (the variable's name)
PASSWORD_FILE_VAR = "CONSULT_AID_PASSWORD_FILE"  # noqa: S105 (the variable's name)
NO_ACCOUNTS = ("This data folder has no accounts yet. Make the first one (an administrator "
               "and clinician) with: consult-aid accounts init")


def _ask(prompt: str, *, secret: bool) -> str:
    if not sys.stdin.isatty():
        raise InputError(f"{prompt.rstrip(': ')} is needed, and there is no terminal to ask "
                         f"on: set {USER_VAR} and {PASSWORD_FILE_VAR} (or {PASSWORD_VAR}).")
    return getpass.getpass(prompt) if secret else input(prompt)


def account_name(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(USER_VAR, "").strip() or _ask("Account (user name): ", secret=False).strip()


def account_password(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    if env.get(PASSWORD_FILE_VAR):
        return read_password_file(env[PASSWORD_FILE_VAR])
    if env.get(PASSWORD_VAR):
        return env[PASSWORD_VAR]
    return _ask("Password: ", secret=True)


def signed_in(db: Database, *, now: datetime, environ: dict[str, str] | None = None) -> Account:
    """The account running this command, signed in with its password (or an error)."""
    if not has_accounts(db):
        raise InputError(NO_ACCOUNTS)
    name = account_name(environ)
    return sign_in(db, name, account_password(environ), now=now)
