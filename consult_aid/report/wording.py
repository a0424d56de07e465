"""How dates, times and answers are written in the PDFs (locale-independent). Figures are
worded in :mod:`consult_aid.content.figures`, shared with the window."""

from __future__ import annotations

from consult_aid.domain.dates import day, moment

NOT_QUANTIFIED = "not quantified"

__all__ = ["NOT_QUANTIFIED", "day", "moment", "yes_no"]


def yes_no(value: bool | None, *, unknown: str = "Not asked") -> str:
    if value is None:
        return unknown
    return "Yes" if value else "No"
