"""The clinician at this data folder and their signing identity (first-run setup)."""

from __future__ import annotations

from datetime import datetime

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician, Problem, ValidationError
from consult_aid.errors import KnownError
from consult_aid.signing.identity import (
    SigningIdentity,
    WrongPasswordError,
    create_identity,
    has_identity,
    load_identity,
)
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.people import ClinicianRepository

MIN_PASSWORD = 8


def current_clinician(db: Database) -> Clinician | None:
    """The clinician who set up this data folder most recently (one per exam-room PC)."""
    return ClinicianRepository(db).current()


def existing_identity(data: DataFolder) -> SigningIdentity | None:
    """The data folder's signing identity, or None; a damaged one raises a known error."""
    return load_identity(data.identity) if has_identity(data.identity) else None


def signing_identity(data: DataFolder) -> SigningIdentity:
    """The identity that signs for this data folder; a known error when there is none."""
    identity = existing_identity(data)
    if identity is None:
        raise KnownError("This data folder has no signing identity, so nothing can be signed. "
                         "Set up the clinician again from the start screen.")
    return identity


def needs_setup(db: Database, data: DataFolder) -> bool:
    """True until a clinician is registered and the data folder has a signing identity."""
    return current_clinician(db) is None or not has_identity(data.identity)


def register_clinician(db: Database, data: DataFolder, clinician: Clinician, *, password: str,
                       now: datetime) -> Clinician:
    """Store the clinician, with a signing identity locked by ``password``.

    A signing key already in the data folder is never replaced: ``password`` must unlock it
    (a ValidationError on ``password`` otherwise). Only a folder without a key gets a new one,
    and its password must have at least :data:`MIN_PASSWORD` characters. Audited.
    """
    existing = existing_identity(data)
    if existing is not None:
        try:
            existing.unlock(password)
        except WrongPasswordError as exc:
            raise ValidationError([Problem("password", str(exc))]) from None
        detail = f"existing certificate {existing.fingerprint}"
    else:
        if len(password) < MIN_PASSWORD:
            raise ValidationError([Problem("password", f"Choose a password of at least "
                                                       f"{MIN_PASSWORD} characters.")])
        # never replace: a key that appeared meanwhile makes this fail, not vanish
        created = create_identity(data.identity, name=clinician.name, clinic=clinician.clinic,
                                  password=password, now=now)
        detail = f"new certificate {created.fingerprint}"
    with db.transaction():
        stored = ClinicianRepository(db).save(clinician)
        AuditLog(db).record("clinician.registered", detail=f"clinician {stored.id}; {detail}",
                            at=now)
    return stored


__all__ = ["MIN_PASSWORD", "SigningIdentity", "current_clinician", "existing_identity",
           "needs_setup", "register_clinician", "signing_identity"]
