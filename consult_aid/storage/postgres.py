"""A Consult Aid archive on a clinic's PostgreSQL server (issue 18), behind the same surface as
:class:`~consult_aid.storage.database.Database`: ``transaction()``, ``query()``,
``query_one()``, ``version``, ``account``. The repositories' SQL is the same text (``?``
parameters are turned into psycopg's ``%s`` here); where the two dialects differ (full-text
search, counting caches) the repositories ask :attr:`Database.backend`.

The same rules hold in the server as in the SQLite file: signed records immutable, the audit
trail append-only and hash-chained, enforced by PL/pgSQL triggers
(``migrations_pg/0001_schema.sql``).

Writes are serialised across every room by one transaction-scoped advisory lock, as SQLite's
``BEGIN IMMEDIATE`` serialises them on one PC: a write transaction is a few milliseconds, and
the rules that read before they write (the audit chain's previous link, "one summary per
consult") then never see a half-finished write of another room.

A lost connection is a :class:`ServerUnavailableError` with a calm message; the next call opens
a new connection, so the window's autosave, which keeps the draft until a write succeeds, goes
on by itself when the server is back.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from consult_aid.domain.accounts import Account
from consult_aid.domain.consult import RecordLockedError
from consult_aid.errors import (
    DatabaseLockedError,
    NewerDatabaseError,
    ServerUnavailableError,
    StorageError,
)
from consult_aid.storage import database as sqlite_schema
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress, password_for

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

# One advisory lock for every write transaction (a number no other program is likely to use:
# "CA18" in ASCII).
WRITE_LOCK = 0x43413138
LOCK_TIMEOUT = "5s"  # as SQLite's busy timeout
CONNECT_TIMEOUT_S = 10
# A count (the archive's total, a search's matches) is remembered this long while this
# connection writes nothing: the same keystroke asks it again; another room's consult shows in
# the count within this time.
COUNT_FRESH_S = 2.0
# write transactions committed by this program per archive (every connection of the process:
# the window's and its writer's), so a count is never older than this program's own writes
_COMMITS: dict[str, int] = {}


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every PostgreSQL migration, in order (1, 2, ... N)."""
    return sqlite_schema.migrations("migrations_pg")


@functools.cache
def latest_version() -> int:
    return len(migrations())


@functools.lru_cache(maxsize=512)
def psycopg_sql(sql: str, with_params: bool) -> str:
    """SQLite's ``?`` parameters as psycopg's ``%s`` (outside quotes), and a literal ``%`` as
    ``%%`` where psycopg reads placeholders (only when there are parameters)."""
    if not with_params:
        return sql
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class _Cursor:
    """What the repositories use of a cursor: fetchone, fetchall, rowcount, iteration."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class PgConnection:
    """A psycopg connection that takes the repositories' SQLite-style SQL."""

    def __init__(self, owner: PostgresDatabase) -> None:
        self._owner = owner

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        raw = self._owner.raw()
        try:
            cursor = raw.cursor()
            cursor.execute(psycopg_sql(sql, bool(params)), tuple(params) or None)
        except Exception as exc:
            self._owner.raise_classified(exc)
        return _Cursor(cursor)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raw = self._owner.raw()
        try:
            with raw.cursor() as cursor:
                cursor.executemany(psycopg_sql(sql, True), [tuple(r) for r in rows])
        except Exception as exc:
            self._owner.raise_classified(exc)

    @property
    def in_transaction(self) -> bool:
        return self._owner.in_transaction


class PostgresDatabase(Database):
    """An open Consult Aid archive on a PostgreSQL server."""

    backend = "postgresql"

    def __init__(self, address: ServerAddress, *, migrate_to: int | None = None,
                 read_only: bool = False) -> None:
        self.address = address
        self.path = Path(address.shown)  # what messages name; never a file
        self.read_only = read_only
        self._depth = 0
        self._on_commit: list[Callable[[], None]] = []
        self.account: Account | None = None
        self.search_index_checked = True  # the server's triggers keep it; nothing to rebuild
        self._raw: psycopg.Connection[Any] | None = None
        self.connection = PgConnection(self)  # type: ignore[assignment]
        self.raw()
        try:
            if read_only:
                self._require_current()
            else:
                self._migrate(latest_version() if migrate_to is None else migrate_to)
        except BaseException:
            self.close()
            raise

    @property
    def location(self) -> str:
        return self.address.shown

    @property
    def where(self) -> ServerAddress:
        return self.address

    # -- the connection -----------------------------------------------------------------------
    def raw(self) -> psycopg.Connection[Any]:
        """The open psycopg connection; a new one when the last was lost (outside a
        transaction: one lost mid-transaction fails that transaction, which is rolled back)."""
        if self._raw is not None and not self._raw.closed and not self._raw.broken:
            return self._raw
        if self._depth:
            raise ServerUnavailableError(self._lost_message())
        import psycopg

        try:
            self._raw = psycopg.connect(
                self.address.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                password=password_for(self.address), application_name="consult-aid")
        except psycopg.OperationalError as exc:
            log.warning("cannot reach the database server (%s)", type(exc).__name__)
            raise ServerUnavailableError(self._unreachable_message(exc)) from None
        try:
            self._raw.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            if self.read_only:
                self._raw.execute("SET default_transaction_read_only = on")
        except psycopg.Error as exc:  # gone again at once
            self.raise_classified(exc)
        return self._raw

    def _unreachable_message(self, exc: Exception) -> str:
        text = str(exc).lower()
        if "password" in text or "authentication" in text:
            return (f"The clinic's database server ({self.address.shown}) refused the user "
                    "name or password. Check the password in the keyring, the password file "
                    "(CONSULT_AID_DATABASE_PASSWORD_FILE) or ~/.pgpass; nothing was changed.")
        if "role" in text and "does not exist" in text:
            return (f"The clinic's database server ({self.address.shown}) has no user "
                    f"{self.address.user or ''}: check the address, or ask whoever set up the "
                    "server (docs/shared-archive.md).")
        if "database" in text and "does not exist" in text:
            return (f"The database {self.address.database} does not exist on the server "
                    f"({self.address.shown}). Ask whoever set up the server to create it "
                    "(docs/shared-archive.md).")
        return (f"The clinic's database server ({self.address.shown}) cannot be reached. Check "
                "the network and that the server is running; what you typed stays in this "
                "window and is saved when the server is back.")

    def _lost_message(self) -> str:
        return (f"The connection to the clinic's database server ({self.address.shown}) was "
                "lost; nothing of this change was saved yet. What you typed stays in this "
                "window and is saved when the server is back.")

    @property
    def in_transaction(self) -> bool:
        import psycopg

        return (self._raw is not None and not self._raw.closed
                and self._raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)

    def raise_classified(self, exc: BaseException) -> NoReturn:
        """Raise what a clinician can act on for ``exc`` (chained), or ``exc`` itself (a bug)."""
        import psycopg
        from psycopg import errors as pg

        if isinstance(exc, pg.RaiseException):  # a PL/pgSQL guard: a record that is kept
            text = (exc.diag.message_primary or "").strip().rstrip(".")
            raise RecordLockedError(text[:1].upper() + text[1:] + ".") from exc
        if isinstance(exc, (pg.LockNotAvailable, pg.DeadlockDetected,
                            pg.SerializationFailure)):
            raise DatabaseLockedError("The clinic's database is busy with another room's "
                                      "change; try again in a moment.") from exc
        if isinstance(exc, pg.ReadOnlySqlTransaction):
            raise StorageError("The database was opened read-only: nothing can be saved.") \
                from exc
        if isinstance(exc, pg.DiskFull):
            raise StorageError("The database server's disk is full: nothing was saved. Tell "
                               "whoever looks after the server.") from exc
        if isinstance(exc, pg.InsufficientPrivilege):
            raise StorageError(f"The database user may not do this on the server "
                               f"({self.address.shown}): {exc.diag.message_primary}") from exc
        if isinstance(exc, psycopg.OperationalError) or (
                isinstance(exc, psycopg.Error) and self._raw is not None and self._raw.broken):
            log.warning("lost the connection to the database server (%s)", type(exc).__name__)
            raise ServerUnavailableError(self._lost_message()) from exc
        raise exc

    # -- schema -------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        row = self.raw().execute(
            "SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return 0
        found = self.raw().execute("SELECT coalesce(max(version), 0) FROM schema_migrations"
                                   ).fetchone()
        return int(found[0]) if found else 0

    def _require_current(self) -> None:
        if self.version != latest_version():
            raise StorageError(
                f"The clinic's database ({self.address.shown}) is at schema {self.version}; "
                f"this version of Consult Aid reads schema {latest_version()} read-only.")

    def _refuse_newer(self, current: int) -> None:
        if current > latest_version():
            raise NewerDatabaseError(
                f"The clinic's database ({self.address.shown}) was written by a newer Consult "
                f"Aid (schema {current}; this version knows up to {latest_version()}). Update "
                "Consult Aid on this PC; the database was not changed.")

    def _migrate(self, target: int) -> None:
        current = self.version
        self._refuse_newer(current)
        if current >= target:
            return
        for number, name, sql in migrations():
            if current < number <= target:
                self._apply(number, name, sql)

    def _apply(self, number: int, name: str, sql: str) -> bool:
        """One migration in one transaction, under the write lock; the version is read again
        inside it, so two rooms starting at once apply it once."""
        with self.transaction() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY "
                        "KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            current = self.version
            self._refuse_newer(current)
            if current >= number:
                log.info("migration %s was applied by another program meanwhile", name)
                return False
            if current != number - 1:
                raise StorageError(f"The clinic's database is at schema {current}, not "
                                   f"{number - 1}, before migration {name}; nothing changed.")
            try:
                self.raw().execute(sql)  # the whole script: PL/pgSQL bodies stay whole
            except Exception as exc:
                log.error("PostgreSQL migration %s failed and was rolled back", name)
                self.raise_classified(exc)
            con.execute("INSERT INTO schema_migrations(version) VALUES (?)", (number,))
        log.info("applied PostgreSQL migration %s", name)
        return True

    # -- reading and writing ------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row = self.connection.execute(sql, params).fetchone()
        return None if row is None else tuple(row)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN; the clinic-wide write lock; ... COMMIT (rolled back on any error). Nested
        use joins the outer transaction."""
        if self.read_only:
            raise StorageError("The database was opened read-only: nothing can be saved.")
        con = self.connection
        if self._depth:
            with self.joined() as outer:
                yield outer
            return
        raw = self.raw()
        try:
            raw.execute("BEGIN")
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        except Exception as exc:
            self._rollback()
            self.raise_classified(exc)
        self._depth = 1
        try:
            yield con
        except BaseException:
            self._depth = 0
            self._on_commit.clear()
            self._rollback()
            raise
        self._depth = 0
        try:
            raw.execute("COMMIT")
        except Exception as exc:
            self._on_commit.clear()
            self._rollback()
            self.raise_classified(exc)
        self.committed()

    def counts_version(self) -> object:
        """This program's writes to the archive, and the time in steps of COUNT_FRESH_S
        (another room's writes: no cheaper signal reaches this connection)."""
        return (_COMMITS.get(self.location, 0), int(time.monotonic() / COUNT_FRESH_S))

    def count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A count read through the indexes. The planner takes a full-text match for cheap and
        reads every row's search document when most rows match (a short prefix): 11 ms at
        3,000 consults where the GIN index answers in 4 (measured, EXPLAIN ANALYZE); so the
        count is planned with sequential scans discouraged (``SET LOCAL``, this statement's
        transaction only)."""
        if self._depth:
            row = self.query_one(sql, params)
            return int(row[0]) if row else 0
        raw = self.raw()
        try:
            raw.execute("BEGIN")
            raw.execute("SET LOCAL enable_seqscan = off")
            row = self.query_one(sql, params)
            raw.execute("COMMIT")
        except Exception as exc:
            self._rollback()
            self.raise_classified(exc)
        return int(row[0]) if row else 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see the archive as it was at one moment, while other rooms write:
        a REPEATABLE READ, READ ONLY transaction."""
        if self._depth:
            yield
            return
        raw = self.raw()
        try:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        except Exception as exc:
            self.raise_classified(exc)
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            self._rollback()  # nothing was written: ending it is enough

    def _rollback(self) -> None:
        raw = self._raw
        if raw is None or raw.closed or raw.broken:
            return
        try:
            raw.execute("ROLLBACK")
        except Exception:
            log.info("rollback on a lost connection")

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
