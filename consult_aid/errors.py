"""The one error model: errors the clinician can act on, as distinct from bugs.

A :class:`KnownError` carries a message that says what happened and what to do, and an exit
code for the command line; the window shows it calmly, the command line prints it on one line.
Anything that is not a KnownError is a bug: it is logged with its traceback and the user is
told where the log is — a traceback never reaches a user.

Where errors are classified: SQLite result codes in :mod:`consult_aid.storage.errors`, broken
rules in :class:`consult_aid.domain.validation.ValidationError`, a signed record that was about
to change in :class:`consult_aid.domain.consult.RecordLockedError`; whatever is left is caught
at the two edges (``consult_aid.cli.main`` and ``consult_aid.ui.errors``).
"""

from __future__ import annotations


class KnownError(Exception):
    """An expected failure with a message that says what happened and what to do.

    Messages never contain patient data: they name fields, files the user chose, and ids.
    """

    exit_code = 1


class InputError(KnownError):
    """Bad input at a boundary (a JSON file, a pack file, a command-line value)."""

    exit_code = 2


class NewerDatabaseError(KnownError):
    exit_code = 3


class DatabaseLockedError(KnownError):
    """Another window or program holds the database (SQLITE_BUSY, SQLITE_LOCKED)."""

    exit_code = 3


class NotFoundError(KnownError):
    exit_code = 4


class EditConflictError(KnownError):
    """A draft was saved elsewhere (another room, the command line) after this program read
    it: the save that did not see that change is refused, never written over it."""

    exit_code = 3


class StorageError(KnownError):
    """The database file cannot be written or read: disk full, read-only, damaged, missing."""

    exit_code = 5


class DiskFullError(StorageError):
    pass


class ServerUnavailableError(StorageError):
    """The clinic's database server cannot be reached (stopped, network down, refused): the
    next call tries again (a new connection)."""


class DamagedDatabaseError(StorageError):
    pass
