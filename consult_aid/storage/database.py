"""One SQLite file: WAL, synchronous=FULL, foreign keys on, a busy timeout, numbered migrations.

A connection belongs to the thread that opened it; the window's autosave writer opens its own.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from importlib import resources
from pathlib import Path
from typing import Any

from consult_aid.domain.accounts import Account
from consult_aid.errors import (
    DamagedDatabaseError,
    DatabaseLockedError,
    NewerDatabaseError,
    StorageError,
)
from consult_aid.files import exclusive_lock
from consult_aid.storage.errors import SQLITE_CANTOPEN, SQLITE_READONLY, raise_classified
from consult_aid.storage.folding import fold
from consult_aid.storage.server import ServerAddress

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CREATE_TIMEOUT_S = 60.0
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(folder: str = "migrations") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every migration in ``folder`` (SQLite's, or
    ``migrations_pg`` for a server), in order; numbers run 1, 2, 3 ... N."""
    found = []
    for entry in resources.files("consult_aid.storage").joinpath(folder).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations in {folder} are not numbered 1..N: {numbers}")
    return found


def latest_version() -> int:
    return len(migrations())


def _new_or_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


@contextmanager
def creating_lock(path: Path) -> Iterator[None]:
    """The lock held while the database at ``path`` is created and first migrated
    (``.NAME.creating`` beside it, there only while held). A folder where it cannot be made
    is left to SQLite, which says what is wrong."""
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive_lock(path.with_name(f".{path.name}.creating"),
                                               timeout=CREATE_TIMEOUT_S))
        except TimeoutError:
            raise DatabaseLockedError(
                f"Another Consult Aid program has been creating the database {path.name} for "
                f"{CREATE_TIMEOUT_S:.0f} seconds; try again when it has finished.") from None
        except OSError as exc:
            log.info("creating %s without the lock: %s", path.name, exc.strerror)
        yield


def sql_statements(script: str) -> list[str]:
    """The statements of ``script``, each ending at a ';' where SQLite's own parser
    (``sqlite3.complete_statement``) says it is complete: a ';' in a trigger body, a string
    or a comment does not end one. Text after the last statement must be only comments."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";")[:-1]:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    rest = pending + script.split(";")[-1]
    if _strip_comments(rest).strip():
        raise ValueError(f"the SQL ends with an unfinished statement: {rest.strip()[:80]!r}")
    return statements


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/", "", sql, flags=re.DOTALL)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that only reads the database at ``path`` (``mode=ro``).

    In a folder that cannot be written (a read-only copy or share) SQLite cannot create the
    ``-shm`` file it needs to read a WAL database. When the database has no WAL content (no
    ``-wal`` file, or an empty one: it was closed cleanly) the file alone is the whole database,
    and it is opened ``immutable``; changes still in a ``-wal`` file are never skipped silently:
    that is refused, saying why."""
    uri = Path(path).resolve().as_uri()
    timeout = BUSY_TIMEOUT_MS / 1000
    con = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    try:
        con.execute("PRAGMA schema_version").fetchone()  # SQLite opens the file(s) here
        return con
    except sqlite3.OperationalError as exc:
        con.close()
        if exc.sqlite_errorcode & 0xFF not in (SQLITE_READONLY, SQLITE_CANTOPEN):
            raise
        wal = Path(path).with_name(f"{Path(path).name}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            raise StorageError(
                f"The database {Path(path).name} cannot be read in this read-only folder: its "
                f"latest changes are in {wal.name}, which SQLite can read only with "
                f"{Path(path).name}-shm beside it. Copy the data folder to a folder you may "
                "write to and open the copy; nothing was changed.") from exc
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout,
                           isolation_level=None)


class Database:
    """An open Consult Aid database. Use :meth:`transaction` for every write.

    This is the SQLite file on one PC; :class:`consult_aid.storage.postgres.PostgresDatabase`
    is the same surface on a clinic's PostgreSQL server (:attr:`backend` tells them apart where
    the SQL differs)."""

    backend = "sqlite"

    def __init__(self, path: Path, *, migrate_to: int | None = None,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._depth = 0
        self._on_commit: list[Callable[[], None]] = []
        # who is signed in on this connection (services check its permissions, and the audit
        # trail names it); None until someone signs in
        self.account: Account | None = None
        # the search index's fold is looked at once per connection (storage.consults)
        self.search_index_checked = read_only  # a read-only connection never rebuilds it
        # A new (or still empty) database is made by one program at a time: another starting
        # on the same new data folder at that moment waits, then opens it as made (it would
        # otherwise find a 0-byte file, or both would run the first migration).
        with creating_lock(self.path) if not read_only and _new_or_empty(self.path) \
                else nullcontext():
            self._open(migrate_to)

    def _open(self, migrate_to: int | None) -> None:
        """Connect, configure and (unless read-only) migrate: the work of ``__init__``."""
        read_only = self.read_only
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
                self.connection = connect_read_only(self.path)
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
    def location(self) -> str:
        """What names this archive in this process (its file, or its server's address)."""
        return str(self.path)

    @property
    def where(self) -> Path | ServerAddress:
        """What ``open_store`` takes to open this archive again (another connection)."""
        return self.path

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
        """Bring the schema up to ``target``, one migration per transaction.

        Another program may open the same database at the same moment (two first starts): each
        migration re-reads the version inside its own write transaction (:meth:`_apply`) and
        is skipped when the other program applied it meanwhile.
        """
        current = self.version
        self._refuse_newer(current)
        if current >= target:
            return
        if current > 0:
            self._copy_aside(current)
        for number, name, sql in migrations():
            if current < number <= target:
                self._apply(number, name, sql)

    def _refuse_newer(self, current: int) -> None:
        latest = latest_version()
        if current > latest:
            raise NewerDatabaseError(
                f"The database {self.path.name} was written by a newer Consult Aid "
                f"(schema {current}; this version knows up to {latest}). Update Consult Aid; "
                "the database was not changed."
            )

    def _copy_aside(self, current: int) -> Path:
        """Keep a consistent copy of the database as it was before migrating (online backup)."""
        backup = self.path.with_name(f"{self.path.name}.schema-{current}.bak")
        # a whole copy of the patient data: made owner-only before anything is written to it
        os.close(os.open(backup, os.O_WRONLY | os.O_CREAT, 0o600))
        if os.name == "posix":
            backup.chmod(0o600)  # one left by an earlier attempt keeps its old mode otherwise
        target = sqlite3.connect(backup)
        try:
            self.connection.backup(target)
        finally:
            target.close()
        log.info("copied database aside before migration from schema %d", current)
        return backup

    def _apply(self, number: int, name: str, sql: str) -> bool:
        """Apply one migration in one write transaction; False when it was applied already.

        ``BEGIN IMMEDIATE`` takes the write lock first, then the version is read again inside
        the transaction: a program that opened the database at the same time and applied this
        migration meanwhile is seen, and the migration is skipped instead of failing half-way
        ("table ... already exists"). The statements run one by one on this transaction
        (``executescript`` would commit it first), split where SQLite says a statement is
        complete, so trigger bodies stay whole.
        """
        con = self.connection
        con.execute("BEGIN IMMEDIATE")
        try:
            current = self.version
            self._refuse_newer(current)
            if current >= number:
                con.execute("ROLLBACK")
                log.info("migration %s was applied by another program meanwhile", name)
                return False
            if current != number - 1:
                raise StorageError(
                    f"The database {self.path.name} is at schema {current}, not "
                    f"{number - 1}, before migration {name}; nothing was changed.")
            for statement in sql_statements(sql):
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {number}")
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                log.exception("migration %s failed and was rolled back", name)
            raise
        log.info("applied migration %s", name)
        return True

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
            with self.joined() as outer:
                yield outer
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
            self._on_commit.clear()
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
                self._on_commit.clear()
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise_classified(exc)
            self.committed()

    def after_commit(self, remember: Callable[[], None]) -> None:
        """Run ``remember`` once the transaction open now has committed (at once outside one);
        a rollback forgets it. What the program keeps in memory about rows it wrote (a draft's
        row version) must not outlive a write that was rolled back (disk full, a refused part).
        """
        if self._depth:
            self._on_commit.append(remember)
        else:
            remember()

    def committed(self) -> None:
        """The outermost transaction has committed: what waited for it runs."""
        waiting, self._on_commit = self._on_commit, []
        for remember in waiting:
            remember()

    @contextmanager
    def joined(self) -> Iterator[Any]:
        """A nested :meth:`transaction`: it joins the one already open."""
        self._depth += 1
        try:
            yield self.connection
        finally:
            self._depth -= 1

    def counts_version(self) -> object:
        """Changes whenever a count may have changed: ``data_version`` when another
        connection commits, ``total_changes`` when this one writes."""
        con = self.connection
        return (con.execute("PRAGMA data_version").fetchone()[0], con.total_changes)

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """The number a ``SELECT count(*) ...`` gives."""
        row = self.query_one(sql, params)
        return int(row[0]) if row else 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see the database as it was at one moment (other connections may
        write meanwhile): a read transaction, ended after."""
        if self._depth or self.connection.in_transaction:
            yield
            return
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            if self.connection.in_transaction:
                self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(path: Path) -> Database:
    """Open (creating and migrating as needed) the database at ``path``."""
    return Database(path)
