"""Read typed values out of parsed TOML, collecting every problem with its key path.

The reader never stops at the first problem: a clinician fixing a pack wants the whole list.
A value that is missing or of the wrong type is reported and replaced by a harmless default
so that reading can go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from consult_aid.content.errors import PackProblem

Table = dict[str, Any]


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


class Reader:
    """Typed access to one pack file's tables; problems accumulate in ``problems``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[PackProblem] = []

    def problem(self, key_path: str, message: str) -> None:
        self.problems.append(PackProblem(self.file, key_path or "(top level)", message))

    def known_keys(self, table: Table, path: str, allowed: Iterable[str]) -> None:
        """Report keys the format does not know (usually a typing slip in the key name)."""
        allowed = set(allowed)
        for key in table:
            if key not in allowed:
                self.problem(join(path, key),
                             f"unknown key '{key}'; expected one of: {', '.join(sorted(allowed))}")

    def text(self, table: Table, key: str, path: str, *, required: bool = True) -> str:
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, "missing; this field is required")
            return ""
        if not isinstance(value, str):
            self.problem(where, f"must be text in quotes, not {describe(value)}")
            return ""
        if required and not value.strip():
            self.problem(where, "is empty; write the text")
        return value.strip()

    def texts(self, table: Table, key: str, path: str, *, required: bool = True,
              allow_empty: bool = False) -> tuple[str, ...]:
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, "missing; this list is required")
            return ()
        if not isinstance(value, list):
            self.problem(where, f"must be a list of texts like [\"...\"], not {describe(value)}")
            return ()
        if not value and not allow_empty:
            self.problem(where, "is an empty list; add at least one entry")
        out: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(index(where, i), "must be non-empty text in quotes")
                continue
            out.append(item.strip())
        return tuple(out)

    def integer(self, table: Table, key: str, path: str, *, required: bool = True,
                default: int = 0) -> int:
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, "missing; this number is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"must be a whole number, not {describe(value)}")
            return default
        return value

    def number(self, table: Table, key: str, path: str, *,
               required: bool = True) -> float | None:
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, "missing; this number is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(where, f"must be a number, not {describe(value)}")
            return None
        return float(value)

    def day(self, table: Table, key: str, path: str) -> date | None:
        """A calendar date: TOML's own ``2026-11-24`` or the same in quotes."""
        where = join(path, key)
        value = table.get(key)
        if value is None:
            self.problem(where, "missing; write the date as YYYY-MM-DD")
            return None
        if isinstance(value, datetime):
            self.problem(where, "must be a date without a time, written YYYY-MM-DD")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                self.problem(where, f"'{value}' is not a valid date; write it as YYYY-MM-DD")
                return None
        self.problem(where, f"must be a date written YYYY-MM-DD, not {describe(value)}")
        return None

    def table(self, table: Table, key: str, path: str, *, required: bool = True) -> Table | None:
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, f"missing; add a [{where}] table")
            return None
        if not isinstance(value, dict):
            self.problem(where, f"must be a table, not {describe(value)}")
            return None
        return value

    def tables(self, table: Table, key: str, path: str, *,
               required: bool = True) -> list[tuple[str, Table]]:
        """An array of tables (``[[key]]``) as (key path, table) pairs."""
        where = join(path, key)
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, f"missing; add at least one [[{where}]] entry")
            return []
        if not isinstance(value, list):
            self.problem(where, f"must be a list of tables ([[{key}]]), not {describe(value)}")
            return []
        if not value and required:
            self.problem(where, "is empty; add at least one entry")
        out: list[tuple[str, Table]] = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problem(index(where, i), f"must be a table, not {describe(item)}")
                continue
            out.append((index(where, i), item))
        return out


def describe(value: object) -> str:
    """A clinician-readable name for a TOML value's type."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, date):
        return "a date"
    return type(value).__name__
