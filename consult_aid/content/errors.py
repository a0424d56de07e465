"""What is wrong with a pack file: every problem, each with file, key path and message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from consult_aid.errors import InputError, NotFoundError


@dataclass(frozen=True, slots=True)
class PackProblem:
    """One thing wrong in one pack file.

    ``key_path`` points into the file the way a clinician reads it, for example
    ``options[1].risks[2].frequency.count`` (list positions count from 0), or
    ``line 12, column 5`` when the file is not valid TOML at all.
    """

    file: str
    key_path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key_path}: {self.message}"


class PackError(InputError):
    """A pack file could not be loaded; ``problems`` lists everything wrong with it."""

    def __init__(self, file: str, problems: Sequence[PackProblem]) -> None:
        self.file = file
        self.problems: list[PackProblem] = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in pack {file}"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class UnknownPackError(NotFoundError, KeyError):
    """No pack in the catalog matches the id (and version or content hash) asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown pack"
