"""Start, save, open, list, import and export consults."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from consult_aid.content.model import Pack
from consult_aid.domain import (
    Clinician,
    Consult,
    ConsultStatus,
    ConsultSummary,
    PackRef,
    Patient,
)
from consult_aid.domain.steps import STEP_IDS
from consult_aid.errors import InputError
from consult_aid.exchange.consult_json import (
    accepted_fingerprints,
    consult_from_json,
    consult_to_json,
)
from consult_aid.services import require_zone
from consult_aid.services.signing import require_valid_signature
from consult_aid.signing.record import record_fingerprint_in
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database

SAVED = "consult.saved"
# Autosave writes a draft every few seconds while the clinician types; the audit trail keeps
# one "saved" entry per stretch of editing, not one per keystroke: a save is audited unless
# the consult's newest entry is a save less than this long ago.
SAVE_AUDIT_GAP = timedelta(minutes=10)


def new_consult_id() -> str:
    return uuid.uuid4().hex


def start_consult(db: Database, patient: Patient, clinician: Clinician, pack: Pack,
                  now: datetime) -> Consult:
    """Create and store a new draft consult for ``patient`` on ``pack``."""
    require_zone(now)
    consult = Consult(
        id=new_consult_id(), patient=patient, clinician=clinician,
        pack=PackRef(pack.id, pack.version, pack.content_hash),
        created_at=now, updated_at=now,
    )
    with db.transaction():
        ConsultRepository(db).save_draft(consult)
        AuditLog(db).record("consult.started", consult_id=consult.id,
                            detail=f"pack {pack.id} {pack.version}", at=now)
    return consult


def save_draft(db: Database, consult: Consult, *, now: datetime, step: str = "") -> None:
    """Store the draft as it is now (the autosave), with the window's step; audited once per
    stretch of editing (:data:`SAVE_AUDIT_GAP`)."""
    require_zone(now)
    audit = AuditLog(db)
    with db.transaction():
        ConsultRepository(db).save_draft(consult, step=step)
        latest = audit.latest(consult.id)
        if (latest is None or latest.action != SAVED
                or now - datetime.fromisoformat(latest.at) >= SAVE_AUDIT_GAP):
            audit.record(SAVED, consult_id=consult.id, at=now)


def get_consult(db: Database, consult_id: str) -> Consult:
    """The stored consult (a draft, or the signed record with its addenda)."""
    return ConsultRepository(db).get(consult_id)


def last_step(db: Database, consult_id: str) -> str:
    """The step a draft was last shown on ("" when none is known)."""
    step = ConsultRepository(db).last_step(consult_id)
    return step if step in STEP_IDS else ""


def drafts(db: Database, limit: int = 100) -> list[ConsultSummary]:
    return ConsultRepository(db).drafts(limit=limit)


def summaries(db: Database, *, limit: int = 100, offset: int = 0,
              status: ConsultStatus | None = None) -> list[ConsultSummary]:
    """Consults, newest first, a page at a time."""
    return ConsultRepository(db).summaries(limit=limit, offset=offset, status=status)


def search(db: Database, text: str, limit: int = 100) -> list[ConsultSummary]:
    """Consults whose patient name, MRN, diagnosis or any text match every word typed."""
    return ConsultRepository(db).search(text, limit=limit)


def signed_summary(db: Database, consult_id: str) -> bytes:
    """The archived, signed summary PDF (checked against its recorded SHA-256)."""
    return ConsultRepository(db).document(consult_id)


def addendum_pdf(db: Database, consult_id: str, sha256: str) -> bytes:
    """An archived addendum PDF of the consult (checked against its recorded SHA-256)."""
    return ConsultRepository(db).document_by_sha256(consult_id, sha256)


def export_json(db: Database, consult_id: str) -> tuple[str, bytes | None]:
    """The consult's JSON form and, for a signed one, its signed summary PDF; audited."""
    consult = ConsultRepository(db).get(consult_id)
    text = consult_to_json(consult)
    pdf = signed_summary(db, consult_id) if consult.is_locked else None
    AuditLog(db).record("consult.exported", consult_id=consult_id,
                        detail="json" + (" + pdf" if pdf is not None else ""))
    return text, pdf


def import_json(db: Database, text: str | bytes, *, pdf: bytes | None = None) -> Consult:
    """Store a consult from its JSON form: a draft as a draft, a signed one with its PDF.

    A signed consult needs its PDF: its SHA-256 must equal the JSON's ``pdf_sha256``, its
    signature must verify, and the record fingerprint it carries must match the JSON. Any
    problem raises InputError and writes nothing.
    """
    consult = consult_from_json(text)
    repo = ConsultRepository(db)
    if repo.exists(consult.id):
        raise InputError(f"consult.id: a consult with id {consult.id} is already stored")
    if consult.status is ConsultStatus.DRAFT:
        if pdf is not None:
            raise InputError("consult.status: a draft has no signed PDF; import it without one")
        # Pad signatures in a file were not witnessed by this program: they could be copied
        # from another consult or dated anywhere. A draft comes in without them; its signers
        # sign on the pads again before the clinic signs the record.
        dropped = len(consult.signatures)
        consult.signatures = []
        with db.transaction():
            repo.save_draft(consult)
            AuditLog(db).record("consult.imported", consult_id=consult.id,
                                detail="draft" + (f"; {dropped} pad signatures not imported"
                                                  if dropped else ""))
        return consult
    if pdf is None:
        raise InputError("consult.status: the consult is signed, so its signed PDF is needed "
                         "(--pdf FILE)")
    if consult.signed_at is None:
        raise InputError("consult.signed_at: a signed consult needs its signing time")
    sha256 = hashlib.sha256(pdf).hexdigest()
    if sha256 != consult.pdf_sha256:
        raise InputError("consult.pdf_sha256: does not match the PDF given (the PDF is not the "
                         "one this consult was signed with, or it was changed)")
    require_valid_signature(pdf)
    if record_fingerprint_in(pdf) not in accepted_fingerprints(consult, STEP_IDS):
        raise InputError("consult: the JSON does not match the record the PDF was signed with "
                         "(it was changed after signing, or belongs to another PDF)")
    addenda = consult.addenda
    signed = dataclasses.replace(consult, status=ConsultStatus.SIGNED, addenda=[])
    with db.transaction():
        repo.sign(signed, pdf)
        for addendum in addenda:
            repo.add_addendum(consult.id, addendum)
        AuditLog(db).record("consult.imported", consult_id=consult.id, detail="signed")
    return repo.get(consult.id)


def read_input_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
