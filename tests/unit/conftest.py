"""Fixtures of the unit tests: a real database (``db``, on both backends) and its first account
(``admin``), for the account, audit and emergency tests. A module with a ``db`` of its own
uses that one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_aid.domain.accounts import Account
from consult_aid.services.accounts import create_first_administrator
from consult_aid.services.store import Store, open_store
from tests.unit.accounts_data import ADMIN_PW, T0


@pytest.fixture
def db(archive_location: Path) -> Iterator[Store]:
    """A real archive, once per backend (SQLite file; PostgreSQL server where there is one)."""
    store = open_store(archive_location)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def admin(db: Store) -> Account:
    """The first account: srivera, administrator and clinician, password ADMIN_PW."""
    return create_first_administrator(db, "srivera", "Dr. Sam Rivera", ADMIN_PW, now=T0)
