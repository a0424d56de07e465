"""SQLite errors classified by their result code (``sqlite_errorcode``), never by message text.

As qutebrowser's ``misc/sql.py`` does: the codes a clinician can act on (busy, locked,
read-only, I/O error, damaged, full, cannot open, not a database) become a
:class:`~consult_aid.errors.KnownError` whose message says what to do; a guard trigger
(``RAISE(ABORT, …)``, SQLITE_CONSTRAINT_TRIGGER) refusing to change a signed record becomes a
:class:`~consult_aid.domain.consult.RecordLockedError`; any other code is a bug in Consult Aid
and is returned unchanged, to be logged where it is caught.
"""

from __future__ import annotations

import sqlite3
from typing import NoReturn

from consult_aid.domain.consult import RecordLockedError
from consult_aid.errors import (
    DamagedDatabaseError,
    DatabaseLockedError,
    DiskFullError,
    StorageError,
)

# Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26
SQLITE_CONSTRAINT_TRIGGER = 1811  # SQLITE_CONSTRAINT | (7 << 8): RAISE(ABORT, ...) in a trigger

_BUSY = "The database is busy in another Consult Aid window or program; try again in a moment."
_MESSAGES: dict[int, tuple[type[StorageError] | type[DatabaseLockedError], str]] = {
    SQLITE_BUSY: (DatabaseLockedError, _BUSY),
    SQLITE_LOCKED: (DatabaseLockedError, _BUSY),
    SQLITE_READONLY: (StorageError, "The database is read-only: nothing was saved. Check the "
                                    "data folder's permissions, or whether its disk is "
                                    "mounted read-only."),
    SQLITE_IOERR: (StorageError, "The disk did not read or write the database correctly: "
                                 "nothing was saved. Check the disk (or network drive) and try "
                                 "again."),
    SQLITE_CORRUPT: (DamagedDatabaseError, "The database file is damaged. Stop using this data "
                                           "folder, and restore the database from a backup."),
    SQLITE_FULL: (DiskFullError, "The disk is full: nothing was saved. Free some space and try "
                                 "again."),
    SQLITE_CANTOPEN: (StorageError, "The database file cannot be opened. Check that the data "
                                    "folder exists and that you may write to it."),
    SQLITE_NOTADB: (DamagedDatabaseError, "The file is not a Consult Aid database, or it is "
                                          "damaged. Restore it from a backup, or choose another "
                                          "data folder."),
}


def classify(exc: sqlite3.Error) -> Exception:
    """The error to raise instead of ``exc``: a known error when the code is one a user can act
    on, else ``exc`` itself (a bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return exc
    if code == SQLITE_CONSTRAINT_TRIGGER:
        text = str(exc).strip().rstrip(".")
        return RecordLockedError(text[:1].upper() + text[1:] + ".")
    known = _MESSAGES.get(code & 0xFF)
    if known is None:
        return exc
    cls, message = known
    return cls(message)


def known_code(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` is one of the codes :func:`classify` turns into a known error."""
    return classify(exc) is not exc


def raise_classified(exc: sqlite3.Error) -> NoReturn:
    """Raise the known error for ``exc`` (chained to it), or ``exc`` itself when it is a bug."""
    known = classify(exc)
    if known is exc:
        raise exc
    raise known from exc
