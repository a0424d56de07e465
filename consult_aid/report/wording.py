"""How dates, times, answers and frequencies are written in the PDFs (locale-independent)."""

from __future__ import annotations

from consult_aid.content.model import Frequency
from consult_aid.domain.dates import day, moment

NOT_QUANTIFIED = "not quantified"

__all__ = ["NOT_QUANTIFIED", "day", "frequency", "moment", "per_hundred", "yes_no"]


def yes_no(value: bool | None, *, unknown: str = "Not asked") -> str:
    if value is None:
        return unknown
    return "Yes" if value else "No"


def frequency(value: Frequency | None) -> str:
    """The pack's own sentence ('4 in 100 people within a year'), or 'not quantified'."""
    if value is None:
        return NOT_QUANTIFIED
    text = value.sentence()
    if value.low is not None and value.high is not None:
        text += f" (range {value.low:g} to {value.high:g} in {value.denominator:,})"
    return text


def per_hundred(value: float) -> str:
    """Caption of a 100-person icon array: '2.3 of these 100 people'."""
    if value <= 0:
        return "none of these 100 people"
    if value < 1:
        return "fewer than 1 of these 100 people"
    shown = f"{value:.0f}" if abs(value - round(value)) < 0.05 or value >= 10 else f"{value:.1f}"
    return f"{shown} of these 100 people"
