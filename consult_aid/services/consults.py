"""Start, save, import and export consults."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import datetime
from pathlib import Path

from consult_aid.content.model import Pack
from consult_aid.domain import Clinician, Consult, ConsultStatus, PackRef, Patient
from consult_aid.errors import InputError
from consult_aid.exchange.consult_json import (
    consult_from_json,
    consult_to_json,
    record_fingerprint,
)
from consult_aid.services.signing import require_valid_signature
from consult_aid.signing.record import record_fingerprint_in
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database


def new_consult_id() -> str:
    return uuid.uuid4().hex


def start_consult(db: Database, patient: Patient, clinician: Clinician, pack: Pack,
                  now: datetime) -> Consult:
    """Create and store a new draft consult for ``patient`` on ``pack``."""
    if now.utcoffset() is None:
        raise ValueError("now must carry a time zone")
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


def export_json(db: Database, consult_id: str) -> str:
    text = consult_to_json(ConsultRepository(db).get(consult_id))
    AuditLog(db).record("consult.exported", consult_id=consult_id, detail="json")
    return text


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
        with db.transaction():
            repo.save_draft(consult)
            AuditLog(db).record("consult.imported", consult_id=consult.id, detail="draft")
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
    if record_fingerprint_in(pdf) != record_fingerprint(consult):
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
