"""Exchange formats: the consult's versioned JSON form."""

from __future__ import annotations

from consult_aid.exchange.consult_json import (
    FORMAT,
    VERSION,
    consult_from_json,
    consult_to_json,
)

__all__ = ["FORMAT", "VERSION", "consult_from_json", "consult_to_json"]
