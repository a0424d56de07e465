"""How dates, times, answers and frequencies are written in the PDFs (locale-independent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from consult_aid.content.model import Frequency

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")

NOT_QUANTIFIED = "not quantified"


def day(value: date | None) -> str:
    """'12 March 2026' (day-month-year with the month in words: never ambiguous)."""
    if value is None:
        return "—"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime | None) -> str:
    """'12 March 2026, 14:05 CET (UTC+01:00)': date, time and time zone."""
    if value is None:
        return "—"
    offset = value.utcoffset()
    if offset is None:
        return f"{day(value.date())}, {value:%H:%M} (time zone not recorded)"
    zone = _offset(offset)
    name = value.tzname() or ""
    label = zone if not name or name.startswith(("UTC", "GMT+", "GMT-")) or name == zone \
        else f"{name} ({zone})"
    return f"{day(value.date())}, {value:%H:%M} {label}"


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


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
