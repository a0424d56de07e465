"""How dates and times are written for people (locale-independent, never ambiguous).

One place for the window, the review page and the PDFs, so they never drift apart.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


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
