"""Validation problems phrased for a clinician, each tied to the field it is about."""

from __future__ import annotations

from dataclasses import dataclass

from consult_aid.errors import KnownError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input.

    ``field`` is a dotted path (``patient.date_of_birth``, ``condition.pain_now``) so the UI can
    show the message beside the control and the CLI can name it.
    """

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ValidationError(KnownError):
    """Raised when input breaks one or more rules; carries every problem, not just the first.

    A known error (exit code 2): the window shows each problem beside its field, the command
    line prints one line per problem.
    """

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def check_text(field: str, value: str, *, label: str, required: bool = False,
               max_length: int = 20_000) -> list[Problem]:
    """Common rules for free text: required when asked, bounded, no NUL characters."""
    problems: list[Problem] = []
    if required and not value.strip():
        problems.append(Problem(field, f"Enter the {label}."))
    if len(value) > max_length:
        problems.append(
            Problem(field, f"The {label} is too long ({len(value):,} characters; "
                           f"the limit is {max_length:,}).")
        )
    if "\x00" in value:
        problems.append(Problem(field, f"The {label} contains a null character; remove it."))
    return problems


def check_score(field: str, value: int | None, *, label: str) -> list[Problem]:
    """A 0-10 numeric rating scale score, or unanswered."""
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [Problem(field, f"The {label} must be a whole number from 0 to 10.")]
    if not 0 <= value <= 10:
        return [Problem(field, f"The {label} must be from 0 (no pain) to 10 (worst imaginable); "
                               f"{value} is outside that scale.")]
    return []
