"""Use cases the window and the command line share; each is one transaction and audited."""

from __future__ import annotations

from datetime import datetime


def require_zone(now: datetime) -> None:
    """A use case's "now" must carry a time zone (records show the offset); a caller bug."""
    if now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
