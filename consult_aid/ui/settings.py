"""Window settings, declared once with defaults, stored as plain JSON in the data folder.

Only the ``ui`` section of ``settings.json`` belongs to the window; other sections are kept as
they are when the window writes its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from consult_aid.files import write_atomically

log = logging.getLogger(__name__)
SECTION = "ui"
VERSION = 1


@dataclass(slots=True)
class UiSettings:
    large_text: bool = False
    version: int = VERSION


def load_settings(path: Path) -> UiSettings:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UiSettings()
    except (OSError, ValueError):
        log.warning("settings file unreadable; using defaults")
        return UiSettings()
    section = raw.get(SECTION) if isinstance(raw, dict) else None
    if not isinstance(section, dict):
        return UiSettings()
    known = {f.name for f in fields(UiSettings)}
    values = {k: v for k, v in section.items() if k in known}
    settings = UiSettings()
    if isinstance(values.get("large_text"), bool):
        settings.large_text = values["large_text"]
    return settings


def save_settings(path: Path, settings: UiSettings) -> None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raw = {}
    except (OSError, ValueError):
        raw = {}
    raw[SECTION] = asdict(settings)
    write_atomically(path, json.dumps(raw, indent=2, sort_keys=True).encode("utf-8"))
