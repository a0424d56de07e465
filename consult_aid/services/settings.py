"""Window settings, declared once with defaults, stored as plain JSON in the data folder.

Only the ``ui`` section of ``settings.json`` belongs to the window; other sections are kept as
they are when the window writes its own. Saving is a service call like any other write: the
file is written atomically and the change audited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from consult_aid.errors import InputError
from consult_aid.files import write_atomically

if TYPE_CHECKING:  # the window reads its settings before its first paint (issue 16)
    from consult_aid.datadir import DataFolder
    from consult_aid.storage.database import Database

log = logging.getLogger(__name__)
SECTION = "ui"
PAPERS = ("a4", "letter")
VERSION = 1
BACKUP_REMINDER_DAYS = (1, 365)  # the reminder's allowed range, in days
STALE_DRAFT_DAYS = (1, 3650)  # the allowed range of "drafts older than N days are flagged"
IDLE_LOCK_MINUTES = (1, 60)  # the allowed range of the idle lock (HIPAA §164.312(a)(2)(iii))


@dataclass(slots=True)
class UiSettings:
    large_text: bool = False
    paper: str = ""  # "a4" | "letter" | "" (from the computer's locale)
    # the start screen reminds about a backup when the last one is older than this (or none)
    backup_reminder_days: int = 7
    # the start screen flags a draft started longer ago than this ("started 45 days ago")
    stale_draft_days: int = 30
    # the window locks after this long without a key or a click (a clinic setting)
    idle_lock_minutes: int = 5
    version: int = VERSION


def valid_reminder_days(value: object) -> bool:
    """A whole number of days within :data:`BACKUP_REMINDER_DAYS` (not a bool, not a float)."""
    low, high = BACKUP_REMINDER_DAYS
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


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
    if values.get("paper") in PAPERS:
        settings.paper = values["paper"]
    if valid_reminder_days(values.get("backup_reminder_days")):
        settings.backup_reminder_days = values["backup_reminder_days"]
    stale = values.get("stale_draft_days")
    if isinstance(stale, int) and not isinstance(stale, bool) \
            and STALE_DRAFT_DAYS[0] <= stale <= STALE_DRAFT_DAYS[1]:
        settings.stale_draft_days = stale
    if _whole_in(values.get("idle_lock_minutes"), IDLE_LOCK_MINUTES):
        settings.idle_lock_minutes = values["idle_lock_minutes"]
    return settings


def _whole_in(value: object, span: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and span[0] <= value <= span[1]


def edit_settings_file(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change ``settings.json`` in place: its other sections kept as they are (an unreadable
    file starts again empty), written atomically."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raw = {}
    except (OSError, ValueError):
        raw = {}
    edit(raw)
    write_atomically(path, json.dumps(raw, indent=2, sort_keys=True).encode("utf-8"))


def write_settings(path: Path, settings: UiSettings) -> None:
    edit_settings_file(path, lambda raw: raw.__setitem__(SECTION, asdict(settings)))


def save_settings(db: Database, data: DataFolder, settings: UiSettings) -> None:
    """Write the window's settings and audit the change; a reminder outside
    :data:`BACKUP_REMINDER_DAYS` is refused (an InputError, nothing written)."""
    from consult_aid.domain.accounts import Permission
    from consult_aid.services.accounts import permit
    from consult_aid.storage.audit import AuditLog

    if not valid_reminder_days(settings.backup_reminder_days):
        low, high = BACKUP_REMINDER_DAYS
        raise InputError(f"The backup reminder must be between {low} and {high} days; the "
                         "settings were not saved.")
    if not _whole_in(settings.idle_lock_minutes, IDLE_LOCK_MINUTES):
        low, high = IDLE_LOCK_MINUTES
        raise InputError(f"The idle lock must be between {low} and {high} minutes; the "
                         "settings were not saved.")
    if settings.idle_lock_minutes != load_settings(data.settings).idle_lock_minutes:
        permit(db, Permission.CLINIC_SETTINGS)  # the clinic's protection, not a preference
    write_settings(data.settings, settings)
    AuditLog(db).record("settings.saved",
                        detail=f"large_text={'on' if settings.large_text else 'off'}; "
                               f"backup_reminder_days={settings.backup_reminder_days}; "
                               f"idle_lock_minutes={settings.idle_lock_minutes}")


SERVER_KEY = "database"  # settings.json: the clinic's shared archive (datadir.configured_server)


def saved_server(data: DataFolder) -> str:
    """The server address this PC's settings name ("" for its own SQLite file)."""
    from consult_aid.datadir import configured_server

    return configured_server(data.root) or ""


def save_server(db: Database, data: DataFolder, text: str) -> str:
    """Point this PC at the clinic's PostgreSQL archive (``text``: its address), or back at its
    own SQLite file (``""``), from the next start. An address is checked first — its form, then
    that the server answers with a Consult Aid archive it can open — so a typing mistake never
    leaves a PC that cannot start; the change is audited (the address, never a password).
    Returns what is saved."""
    from consult_aid.domain.accounts import Permission
    from consult_aid.services.accounts import permit
    from consult_aid.storage.audit import AuditLog
    from consult_aid.storage.server import ServerAddress

    permit(db, Permission.CLINIC_SETTINGS)
    text = text.strip()
    if text:
        address = ServerAddress.parse(text)
        from consult_aid.storage.postgres import PostgresDatabase

        PostgresDatabase(address).close()  # reachable, and its schema made or current
        text = address.url

    def point(raw: dict[str, Any]) -> None:
        if text:
            raw[SERVER_KEY] = text
        else:
            raw.pop(SERVER_KEY, None)

    edit_settings_file(data.settings, point)
    shown = ServerAddress(text).shown if text else "this PC's own archive"
    AuditLog(db).record("settings.database-changed", detail=f"from the next start: {shown}")
    return text
