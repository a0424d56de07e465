"""Sign and archive a consult's summary; verify any summary PDF against the archive.

``sign_and_archive`` is the "Sign" button: check the consult is complete, render the summary,
sign it with the clinician's identity, verify the result, then commit the signed consult with
the PDF and its SHA-256 in one transaction, audited. The database holds the one archived copy
of every signed PDF (checked against its SHA-256 whenever it is read). It is pure apart from
the database, so the window can run it on the writer thread (with its own connection).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from consult_aid.content.model import Pack
from consult_aid.datadir import DataFolder
from consult_aid.domain import Consult, ConsultStatus, ConsultSummary
from consult_aid.domain.accounts import Permission
from consult_aid.domain.consult import RecordLockedError
from consult_aid.domain.steps import blocking_items
from consult_aid.domain.validation import Problem, ValidationError
from consult_aid.errors import DatabaseLockedError, InputError, KnownError, StorageError
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary
from consult_aid.services import require_zone
from consult_aid.services.access import record_failed
from consult_aid.services.accounts import NotAllowedError, permit
from consult_aid.services.clinic import clinician_for
from consult_aid.services.store import open_store
from consult_aid.services.trust import accepted_fingerprints, require_own_identity
from consult_aid.signing.identity import SigningIdentity, has_identity, load_identity
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.record import addendum_fingerprint_in, record_fingerprint_in
from consult_aid.signing.verify import SignatureReport, Verdict, Verification, verify_pdf
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.certificates import CertificateRole
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignedSummary:
    consult: Consult  # in its signed state, as stored
    pdf: bytes  # the signed PDF, exactly as archived in the database
    sha256: str
    signer: str  # the certificate's subject


def check_ready_to_sign(consult: Consult, pack: Pack, now: datetime) -> None:
    """Raise ValidationError listing everything still missing, open or wrong.

    Each pad signature's time is the program's clock when it was drawn: one outside the
    consult (before it started, or later than now) is refused, whatever else is complete.
    """
    consult.ensure_editable()
    late = [Problem(f"signatures[{i}].signed_at",
                    f"The {sig.role.label.lower()}'s signature is dated after the time of "
                    "signing; it was not drawn in this consult. Ask them to sign again.")
            for i, sig in enumerate(consult.signatures) if sig.signed_at > now]
    if late:
        raise ValidationError(late)
    ref = consult.pack
    if (ref.id, ref.version, ref.content_hash) != (pack.id, pack.version, pack.content_hash):
        raise ValidationError([Problem(
            "pack", f"The consult was held with pack {ref.id} {ref.version} "
                    f"({ref.content_hash[:12]}), not {pack.id} {pack.version} "
                    f"({pack.content_hash[:12]}).")])
    missing = blocking_items(consult, pack)
    if missing:
        raise ValidationError([Problem(o.field, o.message) for o in missing])


# What pyHanko imports only while it signs (the XMP metadata it writes, through lxml).
SIGNING_LATE_IMPORTS = ("pyhanko.pdf_utils.metadata.xmp_xml", "pyhanko.pdf_utils.filters")
_prepared: set[tuple[str, str, str]] = set()  # (pack id, pack version, paper)
_preparing = threading.Lock()


def prepare_to_sign(consult: Consult, pack: Pack, paper: Paper | str = Paper.A4) -> bool:
    """Do now what the first signature of a session would otherwise wait for: the libraries
    that sign, check and render imported (this module's own imports, and the ones pyHanko
    makes only while signing), and ``consult``'s summary rendered once and thrown away, which
    fills the report's caches (the pack's parsed paragraphs, fonts, widths).

    The window calls it in a pause, off the GUI thread: the first Sign of a session then
    waits for the key's unlocking and the signature, not for 1-1.5 s of imports and a cold
    render (issue 16). Nothing is signed, stored or written; ``consult`` is only read (pass a
    copy the GUI thread does not change). Once per pack version and paper size in a process:
    False when that was done already.
    """
    paper = Paper.parse(paper)
    key = (pack.id, pack.version, paper.value)
    with _preparing:
        if key in _prepared:
            return False
        start = time.perf_counter()
        for name in SIGNING_LATE_IMPORTS:
            importlib.import_module(name)
        importlib.import_module("consult_aid.services.identities")  # the Sign button's too
        # as the signature renders it: signed (its fingerprint, its signed-state wording)
        render_summary(dataclasses.replace(consult, status=ConsultStatus.SIGNED,
                                           signed_at=consult.updated_at), pack, paper=paper)
        _prepared.add(key)
        log.info("first signature prepared (pack %s %s, %s) in %.0f ms", pack.id, pack.version,
                 paper.value, (time.perf_counter() - start) * 1000)
        return True


def sign_and_archive(db: Database, consult: Consult, pack: Pack,
                     identity: SigningIdentity, password: str, now: datetime,
                     paper: Paper | str = Paper.A4, *,
                     timestamp_url: str | None = None) -> SignedSummary:
    """See :func:`_sign_and_archive`; a failure after the permission check is recorded as failed
    (``consult.signed.failed``) on the audit trail, with its kind."""
    try:
        return _sign_and_archive(db, consult, pack, identity, password, now, paper,
                                 timestamp_url=timestamp_url)
    except NotAllowedError:
        raise  # recorded as refused already
    except Exception as exc:
        record_failed(db, "consult.signed", exc, consult_id=consult.id, at=now)
        raise


def _sign_and_archive(db: Database, consult: Consult, pack: Pack,
                     identity: SigningIdentity, password: str, now: datetime,
                     paper: Paper | str = Paper.A4, *,
                     timestamp_url: str | None = None) -> SignedSummary:
    """Render, sign, verify and store ``consult`` with its signed PDF; returns them.

    Only an account that may sign; the record names the signed-in clinician (a consult
    prepared by someone else is signed in the signer's name)."""
    require_zone(now)
    actor = permit(db, Permission.SIGN, consult_id=consult.id)
    if consult.clinician.name != actor.display_name:  # prepared by someone else
        consult = dataclasses.replace(consult, clinician=clinician_for(db, actor))
    check_ready_to_sign(consult, pack, now)
    require_own_identity(db, identity, now=now)  # never sign with a swapped-in identity
    unlocked = identity.unlock(password)  # a wrong password fails before any work
    signed_state = dataclasses.replace(consult, status=ConsultStatus.SIGNED, signed_at=now,
                                       updated_at=now)
    pdf = render_summary(signed_state, pack, paper=paper)
    clinic = consult.clinician.clinic
    signed = sign_pdf(pdf, unlocked,
                      reason=f"Informed-decision consult summary {consult.id}: "
                             "record of the discussion and decision",
                      location=clinic, timestamp_url=timestamp_url)
    check = verify_pdf(signed)
    if not check.ok:  # never archive a PDF that would not verify
        raise KnownError("The signed PDF did not verify; nothing was archived: "
                         + "; ".join(check.problems))
    sha256 = hashlib.sha256(signed).hexdigest()
    repo = ConsultRepository(db)
    # One signer at a time (BEGIN IMMEDIATE): the stored status is checked and the signed
    # consult and its PDF committed together. A consult already signed (a second click,
    # another window, a stale copy) fails here and nothing is stored.
    # Nothing is written anywhere but in this transaction: a failure (disk full, read-only
    # database, another program holding it, a kill before COMMIT) leaves no signed consult
    # and no PDF, and the message says so.
    with not_saved(f"Consult {consult.id} was NOT signed and no PDF was archived."), \
            db.transaction() as con:
        row = con.execute("SELECT status FROM consults WHERE id = ?", (consult.id,)).fetchone()
        if row is not None and row[0] != ConsultStatus.DRAFT.value:
            raise RecordLockedError("This consult is already signed; add an addendum instead.")
        repo.sign(signed_state, signed)
        AuditLog(db).record(
            "consult.signed", consult_id=consult.id, at=now,
            detail=f"sha256 {sha256}; pack {pack.id} {pack.version}; "
                   f"certificate {identity.fingerprint}"
                   + ("; timestamped" if timestamp_url else ""),
        )
    log.info("signed and archived consult %s (%d bytes)", consult.id, len(signed))
    return SignedSummary(signed_state, signed, sha256, identity.subject)


class CopyNotWrittenError(KnownError):
    """The record is signed and archived in the database; only a copy asked for (``--out``)
    could not be written."""


@contextmanager
def not_saved(what: str) -> Iterator[None]:
    """Storage errors raised in the block say first what was not saved (``what``), then why
    and what to do (same error class and exit code)."""
    try:
        yield
    except (StorageError, DatabaseLockedError) as exc:
        raise type(exc)(f"{what} {exc}") from exc


@contextmanager
def copy_of_saved(path: Path, *, saved: str, consult_id: str) -> Iterator[None]:
    """Around writing a copy of a record that is committed already (``--out``): an OSError
    becomes :class:`CopyNotWrittenError`, which says that the record IS saved (``saved``, e.g.
    "Consult 1a2b… is signed and archived"), that only the copy ``path`` is missing, and how
    to write it again."""
    try:
        yield
    except OSError as exc:
        reason = "it names a folder" if path.is_dir() else exc.strerror or type(exc).__name__
        raise CopyNotWrittenError(
            f"{saved} in the database; only the copy {path} was NOT written ({reason}). "
            f"Nothing needs signing again: write the copy with `consult-aid export "
            f"{consult_id} --json --out FILE.json` (the PDFs are written beside it).") from exc


# -- verification ----------------------------------------------------------------------------
class DocumentKind(StrEnum):
    SUMMARY = "summary"
    ADDENDUM = "addendum"
    OTHER = "other"  # no Consult Aid fingerprint inside


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """A signature check, and what this data folder knows about the file and its signer."""

    verification: Verification
    archive_record: ConsultSummary | None  # the consult whose archived PDF has this SHA-256
    archive_checked: bool  # False: this data folder has no database to look in
    signer_role: CertificateRole | None  # the signer is the clinic's own or trusted; None: unknown
    clinic_known: bool  # this data folder has a signing identity or trusted certificates
    kind: DocumentKind = DocumentKind.OTHER

    @property
    def own_identity(self) -> bool | None:
        """The signer is this data folder's signing identity (None: nothing to compare)."""
        if self.signer_role is CertificateRole.OWN:
            return True
        return False if self.clinic_known else None

    @property
    def verdict(self) -> Verdict:
        """VALID only for an intact signature by the clinic or a certificate it trusts."""
        verdict = self.verification.verdict
        if verdict is Verdict.VALID and self.signer_role is None:
            return Verdict.UNKNOWN_SIGNER
        return verdict


def verify_document(pdf: bytes, data: DataFolder | None = None) -> VerifyReport:
    """Check ``pdf``'s signature; with a data folder, judge its signer against the clinic's
    pinned and trusted certificates and look the file up in the archive (read-only)."""
    verification = verify_pdf(pdf)
    last = verification.last
    kind = (DocumentKind.ADDENDUM if addendum_fingerprint_in(pdf) is not None
            else DocumentKind.SUMMARY if record_fingerprint_in(pdf) is not None
            else DocumentKind.OTHER)
    if data is None or verification.verdict is Verdict.UNREADABLE:
        return VerifyReport(verification, None, False, None, False, kind)
    identity = load_identity(data.identity) if has_identity(data.identity) else None
    roles: dict[str, CertificateRole] = {}
    record = None
    checked = data.database.is_file()
    if checked:
        try:
            with open_store(data.archive, read_only=True) as db:
                roles = accepted_fingerprints(db)
                record = ConsultRepository(db).find_by_pdf_sha256(verification.sha256)
        except KnownError as exc:  # an older or damaged database: report, do not fail the check
            log.warning("archive lookup skipped: %s", exc)
            checked = False
    if identity is not None and CertificateRole.OWN not in roles.values():
        # a data folder from before pinning: its certificate.pem is its identity
        roles[identity.fingerprint] = CertificateRole.OWN
    role = roles.get(last.fingerprint) if last is not None else None
    return VerifyReport(verification, record, checked, role,
                        identity is not None or bool(roles), kind)


def verify_file(path: Path, data: DataFolder | None = None) -> VerifyReport:
    try:
        pdf = Path(path).read_bytes()
    except OSError as exc:
        unreadable = Verification(Verdict.UNREADABLE, "", (),
                                  (f"{path}: {exc.strerror or exc}",))
        return VerifyReport(unreadable, None, False, None, False)
    return verify_document(pdf, data)


def require_valid_signature(pdf: bytes, *, what: str = "the PDF") -> SignatureReport:
    """For importing a signed document: its last signature, once ``pdf`` verifies (InputError
    otherwise). Who signed it is for the caller to judge (:mod:`consult_aid.services.trust`)."""
    result = verify_pdf(pdf)
    if not result.ok or result.last is None:
        raise InputError(f"{what}'s signature does not verify: " + "; ".join(result.problems))
    return result.last
