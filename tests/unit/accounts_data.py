"""Values the account tests share (the ``admin`` fixture's password and clock)."""

from __future__ import annotations

from datetime import UTC, datetime

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ADMIN_PW = "a long walk by the river"
