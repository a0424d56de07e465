"""Start, save, open, list, import and export consults."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from consult_aid.domain import (
    Addendum,
    Clinician,
    Consult,
    ConsultStatus,
    ConsultSummary,
    PackRef,
    Patient,
)
from consult_aid.domain.accounts import Permission
from consult_aid.domain.steps import STEP_IDS
from consult_aid.errors import InputError
from consult_aid.exchange.consult_json import (
    accepted_fingerprints,
    addendum_fingerprint,
    consult_from_json,
    consult_to_json,
)
from consult_aid.files import write_atomically
from consult_aid.input_files import MAX_INPUT_BYTES, read_input
from consult_aid.services import require_zone
from consult_aid.services.access import (
    LISTED,
    OPENED,
    SEARCHED,
    record_access,
    record_failed,
)
from consult_aid.services.accounts import REFUSED, NotAllowedError, permit
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ARCHIVE_SORTS as ARCHIVE_SORTS
from consult_aid.storage.consults import NO_DECISION as NO_DECISION
from consult_aid.storage.consults import SEARCH_COUNT_LIMIT as SEARCH_COUNT_LIMIT
from consult_aid.storage.consults import ArchiveFilter, ConsultRepository
from consult_aid.storage.consults import ArchiveSummary as ArchiveSummary
from consult_aid.storage.database import Database

if TYPE_CHECKING:  # not the pack loader, for a command that only lists (issue 16)
    from consult_aid.content.model import Pack

log = logging.getLogger(__name__)
SAVED = "consult.saved"
# Autosave writes a draft every few seconds while the clinician types; the audit trail keeps
# one "saved" entry per stretch of editing, not one per keystroke: a save is audited unless
# the consult's newest entry is a save less than this long ago.
SAVE_AUDIT_GAP = timedelta(minutes=10)
# What an account that may prepare a consult but not run it (an assistant) may change: the
# patient's details and the intake (who is there, condition, history, lifestyle).
PREPARED_PARTS = frozenset({"patient", "participants", "condition", "history", "lifestyle",
                            "pack", "clinician", "created_at"})


def new_consult_id() -> str:
    return uuid.uuid4().hex


def start_consult(db: Database, patient: Patient, clinician: Clinician, pack: Pack,
                  now: datetime) -> Consult:
    """Create and store a new draft consult for ``patient`` on ``pack``."""
    require_zone(now)
    permit(db, Permission.PREPARE_CONSULT)
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


def save_draft(db: Database, consult: Consult, *, now: datetime, step: str = "") -> list[str]:
    """Store the draft as it is now (the autosave), with the window's step; returns the parts
    that changed. An account that may only prepare a consult is refused a change to any other
    part (nothing is written). Audited with the names of the parts changed, never their
    values: once per stretch of editing the same parts (:data:`SAVE_AUDIT_GAP`)."""
    require_zone(now)
    actor = permit(db, Permission.PREPARE_CONSULT, consult_id=consult.id)
    audit = AuditLog(db)
    try:
        with db.transaction():
            changed = ConsultRepository(db).save_draft(consult, step=step)
            beyond = sorted(set(changed) - PREPARED_PARTS)
            if beyond and not actor.may(Permission.RUN_CONSULT):
                raise _Beyond(beyond)  # rolls the save back
            if changed:
                _audit_save(audit, consult.id, actor.username, ", ".join(changed), now)
    except _Beyond as refused:
        audit.record(REFUSED, consult_id=consult.id, at=now,
                     detail=f"{Permission.RUN_CONSULT.value}: {', '.join(refused.parts)}")
        raise NotAllowedError(
            f"Your account ({actor.roles_text.lower()}) may prepare a consult but not "
            f"change its {', '.join(refused.parts)}; nothing was saved.") from None
    return changed


class _Beyond(Exception):  # noqa: N818 - internal: a save refused part by part
    def __init__(self, parts: list[str]) -> None:
        super().__init__(parts)
        self.parts = parts


def _audit_save(audit: AuditLog, consult_id: str, actor: str, detail: str,
                now: datetime) -> None:
    """One "saved" entry per stretch of editing the same parts by the same account."""
    latest = audit.latest(consult_id)
    if (latest is None or latest.action != SAVED or latest.detail != detail
            or latest.actor != actor
            or now - datetime.fromisoformat(latest.at) >= SAVE_AUDIT_GAP):
        audit.record(SAVED, consult_id=consult_id, detail=detail, at=now)


def get_consult(db: Database, consult_id: str) -> Consult:
    """The stored consult (a draft, or the signed record with its addenda); audited as
    opened."""
    permit(db, Permission.VIEW_CONSULTS, consult_id=consult_id)
    consult = ConsultRepository(db).get(consult_id)  # an unknown id: NotFoundError, no entry
    record_access(db, OPENED, consult_id=consult_id)
    return consult


def last_step(db: Database, consult_id: str) -> str:
    """The step a draft was last shown on ("" when none is known)."""
    permit(db, Permission.VIEW_CONSULTS, consult_id=consult_id)
    step = ConsultRepository(db).last_step(consult_id)
    return step if step in STEP_IDS else ""


def drafts(db: Database, limit: int = 100) -> list[ConsultSummary]:
    permit(db, Permission.VIEW_CONSULTS)
    found = ConsultRepository(db).drafts(limit=limit)
    record_access(db, LISTED, detail=f"drafts; {len(found)} rows", burst=True)
    return found


def summaries(db: Database, *, limit: int = 100, offset: int = 0,
              status: ConsultStatus | None = None) -> list[ConsultSummary]:
    """Consults, newest first, a page at a time."""
    permit(db, Permission.VIEW_CONSULTS)
    found = ConsultRepository(db).summaries(limit=limit, offset=offset, status=status)
    record_access(db, LISTED, detail=f"{len(found)} rows", burst=True)
    return found


def search(db: Database, text: str, limit: int = 100) -> list[ConsultSummary]:
    """Consults whose patient name, MRN, diagnosis or any text match every word typed."""
    permit(db, Permission.VIEW_CONSULTS)
    found = ConsultRepository(db).search(text, limit=limit)
    record_access(db, SEARCHED, detail=f"{len(found)} found", burst=True)
    return found


DISCARDED = "consult.discarded"
EXPORTED = "consult.exported"


def archive_page(db: Database, *, text: str = "", since: date | None = None,
                 until: date | None = None, pack_id: str | None = None,
                 status: ConsultStatus | None = None, decision: str | None = None,
                 clinician_id: str | None = None, sort: str = "date", descending: bool = True,
                 offset: int = 0, limit: int = 100) -> list[ArchiveSummary]:
    """One page of the archive, searched (every word typed, folded: "mueller" finds
    "Müller"), filtered and sorted in SQL. ``sort`` is one of :data:`ARCHIVE_SORTS`;
    ``decision`` a DecisionChoice value or :data:`NO_DECISION`."""
    permit(db, Permission.VIEW_CONSULTS)
    found = ConsultRepository(db).archive_page(
        ArchiveFilter(text, since, until, pack_id, status, decision, clinician_id),
        sort=sort, descending=descending, offset=offset, limit=limit)
    record_access(db, SEARCHED if text.strip() else LISTED, burst=True,
                  detail=f"archive; {len(found)} rows from {offset}")
    return found


def archive_count(db: Database, *, text: str = "", since: date | None = None,
                  until: date | None = None, pack_id: str | None = None,
                  status: ConsultStatus | None = None, decision: str | None = None,
                  clinician_id: str | None = None) -> int:
    """How many consults :func:`archive_page` pages through with the same filters; a search
    with no other filter is counted up to :data:`SEARCH_COUNT_LIMIT` (above it, the limit
    and one: "more than")."""
    permit(db, Permission.VIEW_CONSULTS)
    return ConsultRepository(db).archive_count(
        ArchiveFilter(text, since, until, pack_id, status, decision, clinician_id))


def archive_choices(db: Database) -> tuple[list[str], list[tuple[str, str]]]:
    """What the archive's filters offer: the pack ids with consults, and (id, name) of the
    clinicians with consults."""
    permit(db, Permission.VIEW_CONSULTS)
    repo = ConsultRepository(db)
    return repo.archive_packs(), repo.archive_clinicians()


def discard_draft(db: Database, consult_id: str, *, now: datetime) -> ConsultSummary:
    """Delete a draft (never a signed consult), audited as "consult.discarded"; returns what
    it was."""
    require_zone(now)
    permit(db, Permission.PREPARE_CONSULT, consult_id=consult_id)
    with db.transaction():
        summary = ConsultRepository(db).discard_draft(consult_id)
        AuditLog(db).record(DISCARDED, consult_id=consult_id,
                            detail=f"draft started {summary.created_at:%Y-%m-%d}", at=now)
    return summary


def export_copy(db: Database, consult_id: str, folder: Path) -> list[Path]:
    """Write the consult's JSON and its signed PDFs into ``folder`` (each file owner-only,
    written atomically); the export is audited by :func:`export_json`. Returns the files."""
    exported = _exported(db, consult_id)
    stem = f"consult-{consult_id}"
    files: list[tuple[Path, bytes]] = [(folder / f"{stem}.json", exported.text.encode("utf-8"))]
    if exported.summary_pdf is not None:
        files.append((folder / f"{stem}.pdf", exported.summary_pdf))
    files += [(folder / f"{stem}.addendum-{aid}.pdf", pdf) for aid, pdf in exported.addendum_pdfs]
    try:
        for path, data in files:
            write_atomically(path, data, mode=0o600)
    except OSError as exc:  # a full disk, a folder that cannot be written: never "exported"
        record_failed(db, EXPORTED, exc, consult_id=consult_id)
        raise
    _record_export(db, exported, consult_id, f"; {len(files)} files")
    return [path for path, _ in files]


def signed_summary(db: Database, consult_id: str) -> bytes:
    """The archived, signed summary PDF (checked against its recorded SHA-256)."""
    permit(db, Permission.VIEW_CONSULTS, consult_id=consult_id)
    return ConsultRepository(db).document(consult_id)


def addendum_pdf(db: Database, consult_id: str, sha256: str) -> bytes:
    """An archived addendum PDF of the consult (checked against its recorded SHA-256)."""
    permit(db, Permission.VIEW_CONSULTS, consult_id=consult_id)
    return ConsultRepository(db).document_by_sha256(consult_id, sha256)


@dataclass(frozen=True, slots=True)
class ExportedConsult:
    """A consult's JSON form and, for a signed one, the signed PDFs that prove it."""

    text: str
    summary_pdf: bytes | None  # the signed summary (None for a draft)
    addendum_pdfs: tuple[tuple[str, bytes], ...] = ()  # (addendum id, its signed PDF)


def export_json(db: Database, consult_id: str) -> ExportedConsult:
    """The consult's JSON form with its signed summary and addenda PDFs; audited as exported
    (a caller that then fails to write them records :func:`export_failed`)."""
    exported = _exported(db, consult_id)
    _record_export(db, exported, consult_id)
    return exported


def export_failed(db: Database, consult_id: str, exc: BaseException) -> None:
    """An export handed out by :func:`export_json` could not be written where it was asked."""
    record_failed(db, EXPORTED, exc, consult_id=consult_id)


def _exported(db: Database, consult_id: str) -> ExportedConsult:
    permit(db, Permission.PRINT_EXPORT, consult_id=consult_id)
    repo = ConsultRepository(db)
    consult = repo.get(consult_id)
    text = consult_to_json(consult)
    pdf = signed_summary(db, consult_id) if consult.is_locked else None
    addenda = tuple((a.id, repo.document_by_sha256(consult_id, a.document_sha256))
                    for a in consult.addenda if a.document_sha256)
    return ExportedConsult(text, pdf, addenda)


def _record_export(db: Database, exported: ExportedConsult, consult_id: str,
                   more: str = "") -> None:
    if db.read_only:  # a damaged database read to rescue it: nothing can be written there
        log.warning("export from a read-only database: not audited")
        return
    AuditLog(db).record(EXPORTED, consult_id=consult_id,
                        detail="json" + (" + pdf" if exported.summary_pdf is not None else "")
                        + (f" + {len(exported.addendum_pdfs)} addenda"
                           if exported.addendum_pdfs else "") + more)


def import_json(db: Database, text: str | bytes, *, pdf: bytes | None = None,
                addendum_pdfs: Sequence[bytes] = ()) -> Consult:
    """Store a consult from its JSON form: a draft as a draft, a signed one with its PDFs.

    A signed consult needs its PDF: its SHA-256 must equal the JSON's ``pdf_sha256``, its
    signature must verify and be by this clinic's own or a trusted certificate
    (:mod:`consult_aid.services.trust`), and the record fingerprint it carries must match the
    JSON. Each addendum likewise needs its own signed PDF (among ``addendum_pdfs``), by an
    accepted signer, naming that addendum's fingerprint. Any problem raises InputError and
    writes nothing.
    """
    # the signing stack (pyHanko) only when a consult is imported (issue 16: start-up)
    from consult_aid.services.signing import require_valid_signature
    from consult_aid.services.trust import require_accepted_signer
    from consult_aid.signing.record import record_fingerprint_in

    permit(db, Permission.IMPORT)
    consult = consult_from_json(text)
    repo = ConsultRepository(db)
    if repo.exists(consult.id):
        raise InputError(f"consult.id: a consult with id {consult.id} is already stored")
    if consult.status is ConsultStatus.DRAFT:
        if pdf is not None or addendum_pdfs:
            raise InputError("consult.status: a draft has no signed PDF; import it without one")
        if consult.addenda:
            raise InputError("consult.addenda: a draft has no addenda (an addendum amends a "
                             "signed record)")
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
    signer = require_valid_signature(pdf)
    require_accepted_signer(db, signer.fingerprint, signer.signer, what="The summary PDF")
    if record_fingerprint_in(pdf) not in accepted_fingerprints(consult, STEP_IDS):
        raise InputError("consult: the JSON does not match the record the PDF was signed with "
                         "(it was changed after signing, or belongs to another PDF)")
    addenda = [(a, _addendum_pdf(db, consult, i, a, addendum_pdfs))
               for i, a in enumerate(consult.addenda)]
    signed = dataclasses.replace(consult, status=ConsultStatus.SIGNED, addenda=[])
    with db.transaction():
        repo.sign(signed, pdf)
        for addendum, addendum_pdf_bytes in addenda:
            repo.add_addendum(consult.id, addendum, addendum_pdf_bytes)
        AuditLog(db).record("consult.imported", consult_id=consult.id,
                            detail="signed" + (f"; {len(addenda)} signed addenda"
                                               if addenda else ""))
    return repo.get(consult.id)


def _addendum_pdf(db: Database, consult: Consult, index: int, addendum: Addendum,
                  pdfs: Sequence[bytes]) -> bytes:
    """The signed PDF among ``pdfs`` that proves ``addendum`` (InputError naming what is
    missing or wrong)."""
    from consult_aid.services.signing import require_valid_signature
    from consult_aid.services.trust import require_accepted_signer
    from consult_aid.signing.record import addendum_fingerprint_in

    field = f"consult.addenda[{index}]"
    by_hash = {hashlib.sha256(p).hexdigest(): p for p in pdfs}
    pdf = by_hash.get(addendum.document_sha256) if addendum.document_sha256 else None
    if pdf is None:
        raise InputError(f"{field}: the addendum's signed PDF is missing (an addendum is "
                         "imported only with its signed PDF, e.g. FILE.addendum-"
                         f"{addendum.id or 'ID'}.pdf beside the JSON)")
    signer = require_valid_signature(pdf, what=f"{field}: the addendum PDF")
    require_accepted_signer(db, signer.fingerprint, signer.signer,
                            what=f"{field}: the addendum PDF")
    named = addendum_fingerprint_in(pdf)
    if named is None:
        raise InputError(f"{field}: the addendum PDF names no addendum fingerprint (made before "
                         "addenda carried one), so it cannot be tied to this text")
    if named != addendum_fingerprint(consult.id, consult.pdf_sha256, addendum):
        raise InputError(f"{field}: the JSON does not match the addendum its PDF was signed "
                         "with (its text, author, time or consult was changed)")
    return pdf


def read_input_file(path: Path, *, max_bytes: int = MAX_INPUT_BYTES, what: str = "file") -> bytes:
    """A file the user named, through :func:`consult_aid.input_files.read_input`: a regular
    file of at most ``max_bytes`` (pass the limit of its kind, e.g. MAX_PDF_BYTES), else an
    InputError naming it."""
    return read_input(path, max_bytes=max_bytes, what=what)
