"""Who is signed in to the window: the service calls behind the sign-in, first-account, lock and
switch-user pages (each runs on the database writer thread; see :mod:`consult_aid.ui.operations`).

- :func:`make_first_account`: the first account of a folder with a clinic set up before
  accounts; with the folder's signing password it takes the folder's identity over.
- :func:`set_up_with_account`: first run: the first account, then the clinic (its clinician is
  the account's name on records).
- :func:`record_session`: "session.locked" / "session.unlocked" under the signed-in account.
"""

from __future__ import annotations

from datetime import datetime

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician, Problem, ValidationError
from consult_aid.domain.accounts import Account
from consult_aid.services.access import record_access
from consult_aid.services.accounts import create_first_administrator
from consult_aid.services.store import Store

LOCKED = "session.locked"
UNLOCKED = "session.unlocked"


def record_session(db: Store, action: str, *, now: datetime) -> None:
    """The window was locked or unlocked, on the audit trail under the signed-in account."""
    record_access(db, action, at=now)


def make_first_account(db: Store, data: DataFolder, username: str, display_name: str,
                       password: str, *, folder_password: str | None,
                       now: datetime) -> Account:
    """The folder's first account (administrator and clinician), signed in on ``db``. Given
    ``folder_password``, the folder's signing identity becomes the account's: that password
    is checked first, so a wrong one makes nothing."""
    from consult_aid.services.clinic import existing_identity
    from consult_aid.services.identities import WrongPasswordError as IdentityWrongPassword
    from consult_aid.services.identities import adopt_folder_identity

    folder = existing_identity(data) if folder_password is not None else None
    if folder is not None and folder_password is not None:
        try:
            folder.unlock(folder_password)  # a wrong password: nothing made
        except IdentityWrongPassword as exc:
            raise ValidationError([Problem("password", str(exc))]) from None
    account = create_first_administrator(db, username, display_name, password, now=now)
    db.account = account
    if folder is not None and folder_password is not None:
        adopt_folder_identity(db, data, account, folder_password=folder_password,
                              password=password, now=now)
    return account


def set_up_with_account(db: Store, data: DataFolder, clinician: Clinician, username: str,
                        password: str, *, folder_password: str | None,
                        now: datetime) -> Account:
    """First run: the first account (named as ``clinician``), then the clinic and clinician.

    A signing key already in the folder is unlocked with ``folder_password`` and taken over
    by the account; no folder key is made otherwise (the account signs with its own identity,
    made at its first signature)."""
    from consult_aid.services.clinic import register_clinician

    with db.transaction():  # a clinic that cannot be stored leaves no account behind
        account = make_first_account(db, data, username, clinician.name, password,
                                     folder_password=folder_password, now=now)
        register_clinician(db, data, clinician, password=folder_password, now=now)
    return account
