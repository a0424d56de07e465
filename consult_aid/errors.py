"""Errors the clinician can act on (shown calmly, no traceback), as distinct from bugs."""

from __future__ import annotations


class KnownError(Exception):
    """An expected failure with a message that says what happened and what to do.

    Messages never contain patient data: they name fields, files the user chose, and ids.
    """

    exit_code = 1


class NewerDatabaseError(KnownError):
    exit_code = 3


class DatabaseLockedError(KnownError):
    exit_code = 3


class NotFoundError(KnownError):
    exit_code = 4


class InputError(KnownError):
    """Bad input at a boundary (a JSON file, a pack file, a command-line value)."""

    exit_code = 2
