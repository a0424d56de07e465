"""What another exam room does, in a process of its own (tests of a shared archive).

Run with multiprocessing's "spawn": each call opens its own connection to the archive, as
another PC's Consult Aid would, and signs in as its own account.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from consult_aid.services.consults import discard_draft, get_consult, save_draft
from consult_aid.services.store import open_store
from consult_aid.storage.server import ServerAddress
from tests.builders import NOW, sample_consult, sample_patient
from tests.signed_in import sign_in_db


def location(text: str) -> Path | ServerAddress:
    return ServerAddress.parse(text) if text.startswith("postgresql://") else Path(text)


def write_consults(where: str, room: int, count: int) -> list[str]:
    """Start and save ``count`` consults of new patients (each save audited), as room ``room``;
    returns their ids."""
    ids = []
    with open_store(location(where)) as db:
        sign_in_db(db, f"room{room}", f"Dr Room {room}")
        for n in range(count):
            patient = sample_patient(f"Patient {room}-{n} Müller", f"MRN-{room:02d}{n:04d}")
            consult = sample_consult(f"{room:04d}{n:028d}", patient=patient)
            save_draft(db, consult, now=NOW + timedelta(seconds=n))
            consult.lifestyle.goals = f"Goal {n} of room {room}"
            save_draft(db, consult, now=NOW + timedelta(seconds=n, minutes=5))
            ids.append(consult.id)
    return ids


def change_goals(where: str, consult_id: str, goals: str) -> None:
    """Open the draft, change its goals, save it: another room working on the same consult."""
    with open_store(location(where)) as db:
        sign_in_db(db, "room9", "Dr Room 9")
        consult = get_consult(db, consult_id)
        consult.lifestyle = dataclasses.replace(consult.lifestyle, goals=goals)
        save_draft(db, consult, now=NOW + timedelta(minutes=30))


def discard(where: str, consult_id: str) -> None:
    """Discard the draft, as another room's clinician would."""
    with open_store(location(where)) as db:
        sign_in_db(db, "room9", "Dr Room 9")
        discard_draft(db, consult_id, now=NOW + timedelta(minutes=40))
