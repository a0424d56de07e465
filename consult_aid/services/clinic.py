"""The clinician at this data folder and their signing identity: first-run setup, and the
settings page's later changes (clinic and clinician details, the signing password)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician, Problem, ValidationError
from consult_aid.domain.accounts import Account, Permission
from consult_aid.domain.validation import raise_if
from consult_aid.errors import KnownError
from consult_aid.services.accounts import has_accounts, permit
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.people import ClinicianRepository

if TYPE_CHECKING:  # the signing stack is imported where it is used (issue 16: start-up)
    from consult_aid.signing.identity import SigningIdentity

MIN_PASSWORD = 8

# The clinician's fields as the settings page groups them (and as the audit log names them)
CLINIC_FIELDS = ("clinic", "clinic_phone", "out_of_hours_phone", "emergency_number",
                 "cost_note")
CLINICIAN_FIELDS = ("name", "credentials", "registration")


def current_clinician(db: Database) -> Clinician | None:
    """The clinician who set up this data folder most recently (one per exam-room PC)."""
    return ClinicianRepository(db).current()


ACCOUNT_CLINICIAN_PREFIX = "account-"  # the clinician row of a clinician's account


def clinician_for(db: Database, account: Account) -> Clinician:
    """The clinician a consult names when ``account`` runs or signs it: the clinic's details
    (name, phones, emergency number) with the account's name. The credentials and registration
    entered at setup belong to the clinician who set up the folder, so they are kept only when
    the account's name is theirs; another clinician's record never claims them."""
    clinic = current_clinician(db)
    if clinic is None:
        raise KnownError("No clinic is set up in this data folder yet; an administrator sets it "
                         "up first.")
    if account.display_name == clinic.name or not account.may(Permission.RUN_CONSULT):
        # an assistant preparing a consult is not its clinician: the clinic's stands in
        # until a clinician signs it in their own name (services.signing)
        return clinic
    return dataclasses.replace(clinic, name=account.display_name, credentials="",
                               registration="",
                               id=f"{ACCOUNT_CLINICIAN_PREFIX}{account.username}"[:64])


def existing_identity(data: DataFolder) -> SigningIdentity | None:
    """The data folder's signing identity, or None; a damaged one raises a known error."""
    from consult_aid.signing.identity import has_identity, load_identity

    return load_identity(data.identity) if has_identity(data.identity) else None


def signing_identity(data: DataFolder) -> SigningIdentity:
    """The identity that signs for this data folder; a known error when there is none."""
    identity = existing_identity(data)
    if identity is None:
        raise KnownError("This data folder has no signing identity, so nothing can be signed. "
                         "Set up the clinician again from the start screen.")
    return identity


def needs_setup(db: Database, data: DataFolder) -> bool:
    """True until the clinic is set up: its clinician registered and, in a folder from before
    accounts, the folder's signing identity there (with accounts each clinician has their
    own, made at their first signature)."""
    from consult_aid.signing.files import has_identity  # no cryptography at start-up

    if current_clinician(db) is None:
        return True
    return not has_accounts(db) and not has_identity(data.identity)


def register_clinician(db: Database, data: DataFolder, clinician: Clinician, *,
                       password: str | None, now: datetime) -> Clinician:
    """Store the clinician, with a signing identity locked by ``password``.

    A signing key already in the data folder is never replaced: ``password`` must unlock it
    (a ValidationError on ``password`` otherwise). Only a folder without a key gets a new one,
    and its password must have at least :data:`MIN_PASSWORD` characters. Audited.

    Once the folder has accounts, only one that may change the clinic's settings; with
    ``password`` None no folder key is made or checked (each clinician signs with their own
    identity: services.identities).
    """
    if has_accounts(db):
        permit(db, Permission.CLINIC_SETTINGS)
    from consult_aid.services.trust import pin_identity, require_own_identity
    from consult_aid.signing.identity import WrongPasswordError, create_identity

    if password is None:  # with accounts: the clinic alone, no folder key
        if not has_accounts(db):
            raise KnownError("Make the folder's first account before its clinic.")
        with db.transaction():
            stored = ClinicianRepository(db).save(clinician)
            AuditLog(db).record("clinician.registered", detail=f"clinician {stored.id}",
                                at=now)
        return stored
    existing = existing_identity(data)
    if existing is not None:
        try:
            existing.unlock(password)
        except WrongPasswordError as exc:
            raise ValidationError([Problem("password", str(exc))]) from None
        require_own_identity(db, existing, now=now)  # pinned, or the pinned one
        identity = existing
        detail = f"existing certificate {existing.fingerprint}"
    else:
        if len(password) < MIN_PASSWORD:
            raise ValidationError([Problem("password", f"Choose a password of at least "
                                                       f"{MIN_PASSWORD} characters.")])
        # never replace: a key that appeared meanwhile makes this fail, not vanish
        created = create_identity(data.identity, name=clinician.name, clinic=clinician.clinic,
                                  password=password, now=now)
        identity = created
        detail = f"new certificate {created.fingerprint}"
    with db.transaction():
        pin_identity(db, identity, now=now, how="created at setup" if existing is None
                     else "in the data folder at setup")
        stored = ClinicianRepository(db).save(clinician)
        AuditLog(db).record("clinician.registered", detail=f"clinician {stored.id}; {detail}",
                            at=now)
    return stored


def update_clinician(db: Database, clinician: Clinician, *, now: datetime
                     ) -> tuple[Clinician, list[str]]:
    """Store new details for the current clinician; the stored clinician and the names of the
    fields that changed (none: nothing is written).

    Validated as at setup (:meth:`Clinician.problems`, a ValidationError). Consults already
    started keep the details they were started with. Audited by field name, never by value:
    ``settings.clinic_changed`` and ``settings.clinician_changed``.
    """
    permit(db, Permission.CLINIC_SETTINGS)
    raise_if(clinician.problems())
    current = current_clinician(db)
    if current is None:
        raise KnownError("No clinician is set up in this data folder yet; set one up from the "
                         "start screen first.")
    updated = dataclasses.replace(clinician, id=current.id)
    changed = [f for f in (*CLINIC_FIELDS, *CLINICIAN_FIELDS)
               if getattr(current, f) != getattr(updated, f)]
    if not changed:
        return current, []
    with db.transaction():
        stored = ClinicianRepository(db).save(updated)
        audit = AuditLog(db)
        for action, group in (("settings.clinic_changed", CLINIC_FIELDS),
                              ("settings.clinician_changed", CLINICIAN_FIELDS)):
            names = [f for f in changed if f in group]
            if names:
                audit.record(action, detail=f"clinician {stored.id}; {', '.join(names)}", at=now)
    return stored, changed


def change_signing_password(db: Database, data: DataFolder, *, current: str, new: str,
                            now: datetime) -> SigningIdentity:
    """Lock the data folder's signing key with ``new`` instead of ``current``.

    A ValidationError on ``current_password`` when it does not unlock the key, on
    ``new_password`` when the new one is shorter than :data:`MIN_PASSWORD` characters or the
    same as the old one. The key file is replaced atomically, never lost (see
    :func:`~consult_aid.signing.identity.change_password`). Audited (no password is written).
    """
    from consult_aid.signing.identity import WrongPasswordError, change_password, load_identity

    permit(db, Permission.SIGN)
    if len(new) < MIN_PASSWORD:
        raise ValidationError([Problem("new_password", f"Choose a password of at least "
                                                       f"{MIN_PASSWORD} characters.")])
    if new == current:
        raise ValidationError([Problem("new_password", "The new password is the same as the "
                                                       "current one; choose another.")])
    identity = load_identity(data.identity)
    # the entry is written first and kept only when the key file was replaced
    with db.transaction():
        AuditLog(db).record("signing.password_changed",
                            detail=f"certificate {identity.fingerprint}", at=now)
        try:
            return change_password(data.identity, current=current, new=new)
        except WrongPasswordError as exc:
            raise ValidationError([Problem("current_password", str(exc))]) from None


__all__ = ["CLINICIAN_FIELDS", "CLINIC_FIELDS", "MIN_PASSWORD", "SigningIdentity",
           "change_signing_password", "current_clinician", "existing_identity", "needs_setup",
           "register_clinician", "signing_identity", "update_clinician"]


def forget_unlocked_keys() -> None:
    """Forget every signing key decrypted in this session (the data folder is closed, or the
    window locked): the next signature asks for the password and decrypts its key again."""
    import sys

    identity = sys.modules.get("consult_aid.signing.identity")
    if identity is not None:  # not imported: no key was ever decrypted in this process
        identity.forget_unlocked()
