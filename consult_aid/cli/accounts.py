"""``accounts``: the first administrator, and (administrators) adding and managing accounts;
anyone: changing their own password."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path

from consult_aid.cli.auth import (
    NO_ACCOUNTS,
    PASSWORD_FILE_VAR,
    USER_VAR,
    account_name,
    account_password,
    sign_in_with_password,
    signed_in,
)
from consult_aid.domain.accounts import Role
from consult_aid.errors import InputError
from consult_aid.input_files import read_password_file
from consult_aid.services import accounts
from consult_aid.services.identities import change_account_password
from consult_aid.services.store import open_store
from consult_aid.terminal import echo

NEW_PASSWORD_FILE_VAR = "CONSULT_AID_NEW_PASSWORD_FILE"  # noqa: S105 (the variable's name)


def _roles(text: str) -> frozenset[Role]:
    try:
        return frozenset(Role(part.strip().lower()) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            "roles are clinician, assistant and administrator, separated by commas") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "accounts", help="accounts: the first administrator, add, reset, roles, deactivate",
        description="Each person has their own account. Roles: clinician (runs and signs "
                    "consults), assistant (prepares patient details, history and lifestyle), "
                    "administrator (accounts, settings, packs, trusted certificates, audit). "
                    f"Commands sign in as {USER_VAR} with the password from "
                    f"{PASSWORD_FILE_VAR} (or ask). A new password is read from "
                    f"{NEW_PASSWORD_FILE_VAR} or asked for twice.")
    actions = p.add_subparsers(dest="accounts_action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="make the first account (administrator and "
                                           "clinician) of a data folder that has none")
    init.add_argument("username")
    init.add_argument("--signing-password-file", type=Path, metavar="FILE",
                      help="a data folder from before accounts: the file (owner-only) holding "
                           "its signing password, so the first account takes its identity over")
    init.add_argument("--name", required=True, help='the name records show, e.g. "Dr. Sam '
                                                    'Rivera"')
    init.set_defaults(handler=run_init)
    listing = actions.add_parser("list", help="list the accounts")
    listing.set_defaults(handler=run_list)  # the sign-in is recorded
    add = actions.add_parser("add", help="add an account (its user changes the password at "
                                         "first sign-in)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name records show")
    add.add_argument("--roles", type=_roles, required=True,
                     help="clinician, assistant, administrator (comma-separated)")
    add.set_defaults(handler=run_add)
    reset = actions.add_parser("reset", help="set a new password for an account (ends a "
                                             "lockout; must be changed at next sign-in)")
    reset.add_argument("username")
    reset.set_defaults(handler=run_reset)
    roles = actions.add_parser("roles", help="set an account's roles")
    roles.add_argument("username")
    roles.add_argument("roles", type=_roles)
    roles.set_defaults(handler=run_roles)
    for name, active in (("deactivate", False), ("reactivate", True)):
        a = actions.add_parser(name, help=f"{name} an account (accounts are never deleted)")
        a.add_argument("username")
        a.set_defaults(handler=run_active, active=active)
    code = actions.add_parser("emergency-code", help="(administrators) make the clinic's "
                                                     "one-time emergency code, shown once")
    code.set_defaults(handler=run_emergency_code)
    rescue = actions.add_parser(
        "emergency", help="a clinic locked out: set a new password for an administrator "
                          "account with the emergency code (recorded and shown to everyone "
                          "until an administrator acknowledges it)",
        description="No sign-in: the emergency code (from the file named by "
                    f"{EMERGENCY_CODE_FILE_VAR}, or asked for) sets a new password for one "
                    "administrator account, who must choose their own at the next sign-in. "
                    "Who used it and why are recorded.")
    rescue.add_argument("username", help="the administrator account to open again")
    rescue.add_argument("--by", required=True, help="your name (recorded)")
    rescue.add_argument("--reason", required=True, help="why (recorded)")
    rescue.set_defaults(handler=run_emergency)
    imported = actions.add_parser(
        "import-identity", help="(clinicians) sign with your own certificate: import it from a "
                                "PKCS#12 file (.p12/.pfx), locked again by your password")
    imported.add_argument("file", type=Path)
    imported.set_defaults(handler=run_import_identity)
    password = actions.add_parser("password", help="change your own password")
    password.set_defaults(handler=run_password)


def _new_password() -> str:
    path = os.environ.get(NEW_PASSWORD_FILE_VAR)
    if path:
        return read_password_file(path)
    if not sys.stdin.isatty():
        raise InputError(f"A new password is needed: put it in a file named by "
                         f"{NEW_PASSWORD_FILE_VAR} (owner-only), or run this in a terminal.")
    first = getpass.getpass("New password (12 characters or more): ")
    if getpass.getpass("The same password again: ") != first:
        raise InputError("The two passwords differ; nothing was changed.")
    return first


def _now() -> datetime:
    return datetime.now().astimezone()


def run_init(args: argparse.Namespace) -> int:
    """The first account; a data folder from before accounts keeps its signing identity: the
    new account takes it over with the folder's signing password (asked for, or the file
    ``--signing-password-file``), so the records it signed stay the clinic's."""
    from consult_aid.services.identities import adopt_folder_identity
    from consult_aid.signing.files import has_identity

    data = args.data
    folder_password = None
    if has_identity(data.identity):
        folder_password = (read_password_file(args.signing_password_file)
                           if args.signing_password_file else _folder_password())
        from consult_aid.services.clinic import existing_identity

        identity = existing_identity(data)
        if identity is not None:
            identity.unlock(folder_password)  # a wrong one: nothing is made
    password = _new_password()
    with open_store(data.archive) as db:
        account = accounts.create_first_administrator(db, args.username, args.name, password,
                                                      now=_now())
        if folder_password is not None:
            db.account = account
            adopt_folder_identity(db, data, account, folder_password=folder_password,
                                  password=password, now=_now())
    echo(f"Made the first account: {account.username} ({account.display_name}), "
         f"{account.roles_text.lower()}.")
    if folder_password is not None:
        echo("The data folder's signing identity is now this account's, locked by its "
             "password; what it signed stays the clinic's.")
    return 0


def _folder_password() -> str:
    if not sys.stdin.isatty():
        raise InputError("This data folder has a signing identity from before accounts: give "
                         "its password with --signing-password-file FILE (owner-only), or run "
                         "this in a terminal.")
    return getpass.getpass("The data folder's signing password (used until now): ")


def run_list(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        listed = accounts.list_accounts(db, actor)
    for a in listed:
        state = "" if a.active else "  (deactivated)"
        change = "  (must change password)" if a.must_change_password and a.active else ""
        echo(f"{a.username:<16} {a.display_name} — {a.roles_text}{state}{change}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        account = accounts.create_account(db, actor, args.username, args.name, args.roles,
                                          _new_password(), now=_now())
    echo(f"Added {account.username} ({account.display_name}), {account.roles_text.lower()}. "
         "They choose their own password at first sign-in.")
    return 0


def run_reset(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        accounts.reset_password(db, actor, args.username, _new_password(), now=_now())
    echo(f"New password set for {args.username.lower()}; it must be changed at the next "
         "sign-in.")
    return 0


def run_roles(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        accounts.set_roles(db, actor, args.username, args.roles, now=_now())
    echo(f"Roles of {args.username.lower()}: "
         + ", ".join(sorted(r.value for r in args.roles)))
    return 0


def run_active(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        accounts.set_active(db, actor, args.username, args.active, now=_now())
    echo(f"{args.username.lower()} is {'active' if args.active else 'deactivated'}.")
    return 0


def run_password(args: argparse.Namespace) -> int:
    with open_store(args.data.archive) as db:
        if not accounts.has_accounts(db):
            raise InputError(NO_ACCOUNTS)
        name, old = account_name(), account_password()
        actor = accounts.sign_in(db, name, old, now=_now())
        db.account = actor
        change_account_password(db, args.data, actor, old, _new_password(), now=_now())
    echo("Your password is changed (and your signing key, if you have one, is locked with it).")
    return 0


EMERGENCY_CODE_FILE_VAR = "CONSULT_AID_EMERGENCY_CODE_FILE"
P12_PASSWORD_FILE_VAR = "CONSULT_AID_P12_PASSWORD_FILE"  # noqa: S105 (the variable's name)
MAX_P12_BYTES = 1024 * 1024  # a key, its certificate and a chain: a few KB


def _secret(var: str, prompt: str) -> str:
    if os.environ.get(var):
        return read_password_file(os.environ[var])
    if not sys.stdin.isatty():
        raise InputError(f"{prompt.rstrip(': ')} is needed: put it in a file named by {var} "
                         "(owner-only), or run this in a terminal.")
    return getpass.getpass(prompt)


def run_emergency_code(args: argparse.Namespace) -> int:
    from consult_aid.services.emergency import issue_code

    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=_now())
        db.account = actor
        code = issue_code(db, actor, now=_now())
    echo("The clinic's emergency code (shown once; it replaces any earlier one). Keep it "
         "sealed, away from this computer:")
    echo(f"  {code}")
    return 0


def run_emergency(args: argparse.Namespace) -> int:
    from consult_aid.services.emergency import use_code

    code = _secret(EMERGENCY_CODE_FILE_VAR, "Emergency code: ")
    with open_store(args.data.archive) as db:
        use_code(db, code, account=args.username, new_password=_new_password(),
                 used_by=args.by, reason=args.reason, now=_now())
    echo(f"{args.username.lower()} has a new password and must choose their own at the next "
         "sign-in. This emergency access is recorded and shown to everyone who signs in until "
         "an administrator acknowledges it.")
    return 0


def run_import_identity(args: argparse.Namespace) -> int:
    from consult_aid.services.consults import read_input_file
    from consult_aid.services.identities import import_clinician_identity

    p12 = read_input_file(args.file, max_bytes=MAX_P12_BYTES, what="PKCS#12 file")
    with open_store(args.data.archive) as db:
        actor, password = sign_in_with_password(db, now=_now())
        db.account = actor
        identity = import_clinician_identity(
            db, args.data, actor, p12,
            file_password=_secret(P12_PASSWORD_FILE_VAR, "The file's password: ") or None,
            password=password, now=_now())
    echo(f"Your signing identity is now {identity.subject} (certificate "
         f"{identity.fingerprint[:16]}…), locked by your password and pinned as the clinic's.")
    return 0
