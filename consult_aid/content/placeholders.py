"""Placeholders in handout text, filled with the clinic's details when the handout is printed.

A pack writes ``{clinic_phone}`` where the clinic's telephone number belongs; the report fills
it from the clinician's settings. Placeholders are allowed in the handout only. The handout
prints the phone numbers in its two boxes of signs itself, so a pack need not use any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: dict[str, str] = {
    "clinic_phone": "the clinic's telephone number",
    "clinic_name": "the clinic's name",
    "out_of_hours_phone": "the clinic's number at night and at weekends",
    "emergency_number": "the local emergency number (for example 911, 999 or 112)",
}

# Stand-ins used when grading reading level, so a placeholder reads like what replaces it.
READING_STAND_INS: dict[str, str] = {
    "clinic_phone": "555 0100",
    "clinic_name": "the clinic",
    "out_of_hours_phone": "555 0199",
    "emergency_number": "911",
}

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace ``{name}`` by ``values[name]``; a placeholder without a value stays visible.

    Leaving it visible (rather than printing nothing) makes a missing clinic phone number
    obvious on the printed handout instead of silently dropping whom to call.
    """

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "")
        return value if value.strip() else match.group(0)

    return PLACEHOLDER.sub(swap, text)
