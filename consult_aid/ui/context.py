"""What the window needs from the rest of the program, handed in through constructors.

``db`` is the GUI thread's own connection, used only for quick reads through the services
(lists, search, opening one consult); every write is a service call on ``writer``, the single
database writer thread (see :mod:`consult_aid.ui.operations`).

``read_only``: the database was opened read-only (both connections, the writer's too, refuse
every write); the window then offers nothing that writes. ``check_failed`` says why: the data
folder failed its start-up check (else ``--read-only`` was asked for).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported after the window's first paint (issue 16: start-up)
    from consult_aid.content import PackCatalog
    from consult_aid.datadir import DataFolder
    from consult_aid.domain.accounts import Account
    from consult_aid.services.settings import UiSettings
    from consult_aid.services.store import Store
    from consult_aid.ui.worker import DatabaseWriter, TaskRunner


class PackSource:
    """The pack catalogue, read once on first use from whichever thread asks first (the task
    pool reads it after the window's first paint; a page that needs it sooner waits)."""

    def __init__(self, load: Callable[[], PackCatalog]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._catalog: PackCatalog | None = None

    def get(self) -> PackCatalog:
        with self._lock:
            if self._catalog is None:
                self._catalog = self._load()
            return self._catalog


def local_now() -> datetime:
    """Now, in the computer's time zone (signatures and the summary show the offset)."""
    return datetime.now().astimezone()


@dataclass(slots=True)
class AppContext:
    data: DataFolder
    db: Store
    writer: DatabaseWriter
    tasks: TaskRunner
    packs: PackSource
    settings: UiSettings
    clock: Callable[[], datetime] = local_now
    read_only: bool = False
    check_failed: bool = False
    account: Account | None = None  # who is signed in (None: no one, the sign-in page shows)

    @property
    def catalog(self) -> PackCatalog:
        return self.packs.get()

    def use_account(self, account: Account | None) -> None:
        """``account`` is signed in (None: signed out) on both connections: the window's and
        the writer thread's (set there by a job, so every later write runs under it)."""
        self.account = account
        self.db.account = account

        def set_on_writer(db: Store) -> None:
            db.account = account

        self.writer.submit(set_on_writer)
