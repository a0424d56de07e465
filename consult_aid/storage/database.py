"""One SQLite file: WAL, synchronous=FULL, foreign keys on, a busy timeout, numbered migrations.

A connection belongs to the thread that opened it; the window's autosave writer opens its own.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from consult_aid.errors import DamagedDatabaseError, NewerDatabaseError, StorageError
from consult_aid.storage.errors import raise_classified
from consult_aid.storage.folding import fold

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration, in order; numbers run 1, 2, 3 ... N."""
    found = []
    for entry in resources.files("consult_aid.storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..N: {numbers}")
    return found


def latest_version() -> int:
    return len(migrations())


class Database:
    """An open Consult Aid database. Use :meth:`transaction` for every write."""

    def __init__(self, path: Path, *, migrate_to: int | None = None,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._depth = 0
        # the search index's fold is looked at once per connection (storage.consults)
        self.search_index_checked = read_only  # a read-only connection never rebuilds it
        is_new = not self.path.exists()
        if not is_new and self.path.is_file() and self.path.stat().st_size == 0:
            # SQLite would take an empty file for a new database and migrate into it, while
            # the archive it held is gone: never used silently.
            raise DamagedDatabaseError(
                f"The database {self.path.name} is empty (0 bytes): its consults are gone from "
                "this file. Restore it from a backup (consult-aid restore BACKUP); nothing was "
                "written.")
        if is_new and read_only:
            raise StorageError(f"There is no database {self.path.name} to open read-only.")
        try:
            if read_only:
                self.connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro",
                                                  uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                                  isolation_level=None)
            else:
                self.connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                                  isolation_level=None)
        except sqlite3.Error as exc:
            raise_classified(exc)
        if is_new and os.name == "posix":
            self.path.chmod(0o600)  # patient data: owner only
        try:
            self._configure()
            if read_only:
                self._require_current()
            else:
                self._migrate(latest_version() if migrate_to is None else migrate_to)
        except sqlite3.Error as exc:
            self.connection.close()
            raise_classified(exc)
        except BaseException:
            self.connection.close()
            raise

    def _configure(self) -> None:
        con = self.connection
        mode = con.execute("PRAGMA journal_mode" if self.read_only
                           else "PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("journal mode is %s, not wal", mode)
        con.create_function("consult_fold", 1, fold, deterministic=True)
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA recursive_triggers=ON")  # REPLACE fires the DELETE guards too
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    @property
    def version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def _require_current(self) -> None:
        """Read-only: nothing can be migrated, so only the schema this program knows is read."""
        if self.version != latest_version():
            raise StorageError(
                f"The database {self.path.name} is at schema {self.version}; this version of "
                f"Consult Aid reads schema {latest_version()} read-only. Open it normally once "
                "(it is upgraded, with a copy kept aside), or use the matching version.")

    def _migrate(self, target: int) -> None:
        current = self.version
        latest = latest_version()
        if current > latest:
            raise NewerDatabaseError(
                f"The database {self.path.name} was written by a newer Consult Aid "
                f"(schema {current}; this version knows up to {latest}). Update Consult Aid; "
                "the database was not changed."
            )
        if current >= target:
            return
        if current > 0:
            self._copy_aside(current)
        for number, name, sql in migrations():
            if current < number <= target:
                self._apply(number, name, sql)

    def _copy_aside(self, current: int) -> Path:
        """Keep a consistent copy of the database as it was before migrating (online backup)."""
        backup = self.path.with_name(f"{self.path.name}.schema-{current}.bak")
        target = sqlite3.connect(backup)
        try:
            self.connection.backup(target)
        finally:
            target.close()
        log.info("copied database aside before migration from schema %d", current)
        return backup

    def _apply(self, number: int, name: str, sql: str) -> None:
        # executescript runs the whole file; BEGIN IMMEDIATE ... COMMIT makes it one transaction.
        # Trigger bodies contain ';', so the script is never split.
        try:
            self.connection.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except sqlite3.Error:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            log.exception("migration %s failed and was rolled back", name)
            raise
        log.info("applied migration %s", name)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read, fetched at once; SQLite errors classified (damaged, busy ...)."""
        try:
            return list(self.connection.execute(sql, params).fetchall())
        except sqlite3.Error as exc:
            raise_classified(exc)

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        try:
            row = self.connection.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            raise_classified(exc)
        return None if row is None else tuple(row)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; SQLite errors made readable.

        Nested use joins the outer transaction, so a use case can group several repository
        calls and its audit entry into one commit.
        """
        con = self.connection
        if self.read_only:
            raise StorageError("The database was opened read-only: nothing can be saved.")
        if self._depth:
            self._depth += 1
            try:
                yield con
            finally:
                self._depth -= 1
            return
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise_classified(exc)
        self._depth = 1
        try:
            yield con
        except BaseException as exc:
            self._depth = 0
            if con.in_transaction:
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise_classified(exc)
            raise
        else:
            self._depth = 0
            try:
                con.execute("COMMIT")
            except sqlite3.Error as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise_classified(exc)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(path: Path) -> Database:
    """Open (creating and migrating as needed) the database at ``path``."""
    return Database(path)
