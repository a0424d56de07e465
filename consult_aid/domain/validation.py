"""Validation problems phrased for a clinician, each tied to the field it is about."""

from __future__ import annotations

import re
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
               max_length: int = 20_000, single_line: bool = False) -> list[Problem]:
    """Common rules for free text: required when asked, bounded, only characters that are text
    (see :func:`text_rules`)."""
    problems: list[Problem] = []
    if required and not value.strip():
        problems.append(Problem(field, f"Enter the {label}."))
    return problems + text_rules(field, value, label=label, max_length=max_length,
                                 single_line=single_line)


_SURROGATE = re.compile("[\ud800-\udfff]")
# free text keeps tab and line breaks (LF, CR: text pasted from any system)
_CONTROL_IN_PROSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides and isolates
_BREAKS = "\t\n\r\v\f\u2028\u2029"


def text_rules(field: str, value: str, *, label: str, max_length: int,
               single_line: bool = False, pattern: re.Pattern[str] | None = None,
               rule: str = "") -> list[Problem]:
    """The first of these a text breaks, as one problem: longer than ``max_length``; a lone
    surrogate (half a character: not text, cannot be written as UTF-8); a null or other control
    character (free text keeps tab and line breaks). A ``single_line`` text also refuses tab,
    line breaks and the bidi embedding, override and isolate characters (they make a name read
    backwards wherever it is shown), and must match ``pattern`` (``rule`` says it in words)."""
    if len(value) > max_length:
        return [Problem(field, f"The {label} is too long ({len(value):,} characters; "
                               f"the limit is {max_length:,}).")]
    if (found := _SURROGATE.search(value)) is not None:
        return [Problem(field, f"The {label} is not valid text: it holds half a character "
                               f"({_code(found.group())}).")]
    if "\x00" in value:
        return [Problem(field, f"The {label} contains a null character; remove it.")]
    if single_line:
        if (found := _CONTROL_IN_LINE.search(value)) is not None:
            what = "a line break or tab" if found.group() in _BREAKS else "a control character"
            return [Problem(field, f"The {label} must be one line of text; it contains {what} "
                                   f"({_code(found.group())}).")]
        if (found := _BIDI.search(value)) is not None:
            return [Problem(field, f"The {label} contains a text-direction control character "
                                   f"({_code(found.group())}); remove it.")]
        if pattern is not None and not pattern.fullmatch(value):
            return [Problem(field, f"The {label} must be {rule}.")]
    elif (found := _CONTROL_IN_PROSE.search(value)) is not None:
        return [Problem(field, f"The {label} contains a control character "
                               f"({_code(found.group())}); remove it.")]
    return []


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


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
