"""The account a benchmark works as: services check the signed-in account (issue 14), so each
benchmark signs in once, before it measures anything (the argon2 hash is not measured)."""

from __future__ import annotations

from datetime import UTC, datetime

from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import hash_password
from consult_aid.storage.accounts import AccountRepository
from consult_aid.storage.database import Database

USER = "bench"
PASSWORD = "benchmarks measure, never judge"


def signed_in(db: Database, display_name: str = "Dr. Sam Rivera") -> Account:
    """``db`` with the benchmark's account (administrator and clinician) signed in on it."""
    repo = AccountRepository(db)
    stored = repo.find(USER)
    account = stored.account if stored is not None else repo.add(
        USER, display_name, frozenset({Role.ADMINISTRATOR, Role.CLINICIAN}),
        hash_password(PASSWORD), now=datetime.now(UTC))
    db.account = account
    return account
