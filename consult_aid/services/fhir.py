"""Export a signed consult to the hospital's EHR as an HL7 FHIR R4 Bundle (docs/fhir-export.md).

The window's archive and ``consult-aid export ID --fhir FILE.json`` both call
:func:`export_fhir`; it reads the archived PDFs (each checked against its SHA-256 on read),
builds the Bundle (:mod:`consult_aid.exchange.fhir_bundle`) and audits the export.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from consult_aid.domain.accounts import Permission
from consult_aid.errors import KnownError
from consult_aid.exchange.fhir_bundle import SignedPdf, build_bundle
from consult_aid.services import require_zone
from consult_aid.services.accounts import permit
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database

log = logging.getLogger(__name__)

EXPORTED = "consult.exported"
SUMMARY_TITLE = "Informed-decision consult summary (signed PDF)"
ADDENDUM_TITLE = "Addendum to the consult summary (signed PDF)"


class NotExportableError(KnownError):
    """A draft asked for as a FHIR export: only a signed record goes to the EHR."""


def export_fhir(db: Database, consult_id: str, *, now: datetime) -> str:
    """The consult as a FHIR R4 Bundle (JSON text): Patient, Practitioner, Consent, a
    DocumentReference per signed PDF, Provenance. Audited ("consult.exported", "fhir").

    Raises NotFoundError for an unknown id, NotExportableError for a draft, and
    DamagedDatabaseError when an archived PDF no longer matches its recorded SHA-256.
    """
    require_zone(now)
    permit(db, Permission.PRINT_EXPORT, consult_id=consult_id)
    repo = ConsultRepository(db)
    consult = repo.get(consult_id)
    if not consult.is_locked or consult.signed_at is None:
        raise NotExportableError(
            f"Consult {consult_id} is a draft: only a signed record can be exported to the "
            "EHR. Sign it first (or export the draft's JSON form with --json).")
    summary = SignedPdf(repo.document(consult_id), consult.signed_at, SUMMARY_TITLE)
    addenda = [(a, SignedPdf(repo.document_by_sha256(consult_id, a.document_sha256),
                             a.written_at, ADDENDUM_TITLE))
               for a in consult.addenda if a.document_sha256]
    text = json.dumps(build_bundle(consult, summary, addenda, now=now), ensure_ascii=False,
                      indent=2) + "\n"
    if db.read_only:  # a damaged database read to rescue it: nothing can be written there
        log.warning("FHIR export from a read-only database: not audited")
    else:
        AuditLog(db).record(EXPORTED, consult_id=consult_id, detail="fhir", at=now)
    return text


__all__ = ["NotExportableError", "export_fhir"]
