"""Signing in for tests: an account on a real database, its password hashed once per run.

Every service checks the account signed in on the database connection (``db.account``); a
test that calls services directly signs in first with :func:`sign_in_db`, as the window and
the commands do after checking a password. The hash is real argon2id (made once per password
and reused), so :func:`consult_aid.services.accounts.sign_in` accepts the password too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import hash_password
from consult_aid.services.store import open_store
from consult_aid.storage.accounts import AccountRepository
from consult_aid.storage.database import Database

TEST_PASSWORD = "correct horse battery"
CLINICIAN_NAME = "Dr Test Clinician"
ADMIN_CLINICIAN = frozenset({Role.ADMINISTRATOR, Role.CLINICIAN})


@cache
def password_hash(password: str) -> str:
    return hash_password(password)


def add_account(db: Database, username: str = "drtest", display_name: str = CLINICIAN_NAME,
                roles: frozenset[Role] = ADMIN_CLINICIAN, password: str = TEST_PASSWORD
                ) -> Account:
    """The account ``username`` (made when missing), as stored."""
    repo = AccountRepository(db)
    stored = repo.find(username)
    if stored is not None:
        return stored.account
    return repo.add(username, display_name, roles, password_hash(password),
                    now=datetime.now(UTC))


def sign_in_db(db: Database, username: str = "drtest", display_name: str = CLINICIAN_NAME,
               roles: frozenset[Role] = ADMIN_CLINICIAN, password: str = TEST_PASSWORD
               ) -> Account:
    """Make (when missing) and sign in ``username`` on ``db``'s connection."""
    account = add_account(db, username, display_name, roles, password)
    db.account = account
    return account


@contextmanager
def signed_database(path: Path, username: str = "drtest", display_name: str = CLINICIAN_NAME,
                    roles: frozenset[Role] = ADMIN_CLINICIAN, password: str = TEST_PASSWORD
                    ) -> Iterator[Database]:
    """``open_store(path)`` with ``username`` signed in on it (closed after)."""
    with open_store(path) as db:
        sign_in_db(db, username, display_name, roles, password)
        yield db


def folder_for_commands(root: Path, monkeypatch: pytest.MonkeyPatch,
                        username: str = "drtest", display_name: str = CLINICIAN_NAME,
                        roles: frozenset[Role] = ADMIN_CLINICIAN) -> Path:
    """A data folder at ``root`` with the account ``username``, which the commands run in
    this test (and the processes it starts) sign in as: ``CONSULT_AID_USER`` and
    ``CONSULT_AID_PASSWORD`` are set for the test."""
    from consult_aid.datadir import DataFolder

    data = DataFolder(root).ensure()
    with open_store(data.database) as db:
        add_account(db, username, display_name, roles)
    monkeypatch.setenv("CONSULT_AID_USER", username)
    monkeypatch.setenv("CONSULT_AID_PASSWORD", TEST_PASSWORD)
    monkeypatch.delenv("CONSULT_AID_PASSWORD_FILE", raising=False)
    return root
