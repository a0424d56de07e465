"""Check a signed PDF anywhere: who signed, when, and whether it changed since.

*Valid* here means integrity and coverage: every signature is intact and cryptographically
valid, the certification rules were kept, and the last signature covers the entire file (junk
appended after signing, or any later revision, makes the file invalid). pyHanko's judgement is
anchored on the certificate embedded in the file, so a copy verifies without our data folder.

*Trust* is reported separately and honestly: the clinic's certificate is usually self-issued,
so the file proves it was not changed since that certificate signed it, not who holds the
certificate. Comparing the certificate's fingerprint with the data folder's own identity (or
finding the file in the archive) is what ties it to this clinic.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from consult_aid.input_files import MAX_PDF_BYTES, describe_size
from consult_aid.signing.identity import certificate_fingerprint, describe_name


class Verdict(IntEnum):
    """Also the exit code of ``consult-aid verify``.

    :func:`verify_pdf` judges the file alone (valid, invalid, unreadable); whether a valid
    signature is the clinic's is judged against the clinic's certificates, and a valid one by
    a certificate the clinic does not know is ``UNKNOWN_SIGNER`` — the likely form of a forgery.
    """

    VALID = 0
    INVALID = 1
    UNREADABLE = 2
    UNKNOWN_SIGNER = 3


@dataclass(frozen=True, slots=True)
class SignatureReport:
    field_name: str
    signer: str  # "Dr Ana Pérez, Example Pain Clinic"
    issuer: str
    self_issued: bool
    fingerprint: str  # SHA-256 of the signer's certificate, hex
    signed_at: datetime | None  # as the signer's computer reported it
    timestamped_at: datetime | None  # attested by a timestamp authority (PAdES B-T)
    timestamp_ok: bool | None  # None: no timestamp
    intact: bool  # the signed bytes hash to the signed digest
    valid: bool  # the signature value checks against the certificate's key
    covers_entire_file: bool
    changes_allowed: bool  # no modification beyond what the certification permits
    certification: bool

    @property
    def integrity_ok(self) -> bool:
        return self.intact and self.valid and self.changes_allowed and \
            self.timestamp_ok is not False


@dataclass(frozen=True, slots=True)
class Verification:
    verdict: Verdict
    sha256: str
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.VALID

    @property
    def last(self) -> SignatureReport | None:
        return self.signatures[-1] if self.signatures else None


def verify_pdf(data: bytes, *, extra_trust_roots: Iterable[x509.Certificate] = ()) -> Verification:
    """Check every signature of the PDF in ``data`` (see the module text for what valid means)."""
    sha256 = hashlib.sha256(data).hexdigest()
    if b"%PDF-" not in data[:1024]:
        return Verification(Verdict.UNREADABLE, sha256, (), ("The file is not a PDF.",))
    if len(data) > MAX_PDF_BYTES:
        return Verification(Verdict.UNREADABLE, sha256, (), (
            f"The file is {describe_size(len(data))}; a PDF is checked up to "
            f"{describe_size(MAX_PDF_BYTES)}.",))
    try:
        embedded = _signatures(data)
    except _READ_ERRORS as exc:
        readable = _readable_prefix(data)
        if readable is None:
            return Verification(Verdict.UNREADABLE, sha256, (), (_cannot_read(exc),))
        inner = verify_pdf(readable, extra_trust_roots=extra_trust_roots)
        return Verification(Verdict.INVALID, sha256, inner.signatures, (
            *inner.problems, f"{len(data) - len(readable):,} bytes were added after the end "
                             "of the PDF, so the file is not the one that was signed."))
    if not embedded:
        return Verification(Verdict.INVALID, sha256, (), ("The PDF has no digital signature.",))

    reports: list[SignatureReport] = []
    problems: list[str] = []
    roots = [_asn1(c) for c in extra_trust_roots]
    for sig in embedded:
        try:
            reports.append(_check(sig, roots))
        except Exception as exc:  # untrusted input: any failure is an invalid signature
            problems.append(f"Signature {_name(sig)} cannot be checked ({_reason(exc)}).")
    for report in reports:
        if not report.intact:
            problems.append(f"Signature {report.field_name!r}: the signed content was changed "
                            "after signing.")
        elif not report.valid:
            problems.append(f"Signature {report.field_name!r}: the signature value does not "
                            "match the certificate.")
        if report.intact and not report.changes_allowed:
            problems.append(f"Signature {report.field_name!r}: the file was modified in a way "
                            "the signature does not allow.")
        if report.timestamp_ok is False:
            problems.append(f"Signature {report.field_name!r}: the timestamp is not valid.")
    if reports and not reports[-1].covers_entire_file:
        problems.append("The file was changed after the last signature (data or a revision "
                        "was added after it).")
    verdict = Verdict.INVALID if problems or not reports else Verdict.VALID
    return Verification(verdict, sha256, tuple(reports), tuple(problems))


# What reading an untrusted PDF may raise: pyHanko's own error, the errors of malformed
# structures, and RecursionError (arrays or dictionaries nested thousands deep: pyHanko reads
# them recursively) or MemoryError. Each means "not a readable PDF", never a traceback.
_READ_ERRORS = (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError,
                RecursionError, MemoryError, OverflowError, AssertionError)
# How many earlier ends of file (%%EOF) are tried when the whole file does not read: a signed
# file with bytes appended has its signed end among the last few; a file made of thousands of
# %%EOF markers is not worth thousands of readings.
MAX_EOF_TRIES = 8


def _cannot_read(exc: BaseException) -> str:
    return f"The PDF cannot be read ({_reason(exc)})."


def _reason(exc: BaseException) -> str:
    """Why, in words that fit on a line: nesting and memory in plain words, else the error's
    own text (pyHanko's messages name the structure, never document content), cut short."""
    if isinstance(exc, RecursionError):
        return "its objects are nested far deeper than any real document's"
    if isinstance(exc, MemoryError):
        return "it needs more memory than any real document"
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:200] + "…"


def _name(sig: EmbeddedPdfSignature) -> str:
    try:
        name = str(sig.field_name)
    except Exception:  # untrusted input
        name = "?"
    return repr(name[:80])


def _signatures(data: bytes) -> list[EmbeddedPdfSignature]:
    return list(PdfFileReader(io.BytesIO(data)).embedded_regular_signatures)


def _readable_prefix(data: bytes) -> bytes | None:
    """The file up to an earlier %%EOF that reads as a PDF, when trailing bytes spoil it.

    A signed file with bytes appended after its end is *modified*, not unreadable: this finds
    the part that was (perhaps) signed, so the check can say who signed and that it changed.
    """
    end = data.rfind(b"%%EOF")
    tries = 0
    while end > 0 and tries < MAX_EOF_TRIES:
        tries += 1
        prefix = data[: end + len(b"%%EOF")]
        if len(prefix) < len(data):
            try:
                _signatures(prefix)
            except _READ_ERRORS:
                pass
            else:
                return prefix + (b"\n" if data[len(prefix):].startswith(b"\n") else b"")
        end = data.rfind(b"%%EOF", 0, end)
    return None


def _check(sig: EmbeddedPdfSignature, extra_roots: list[asn1_x509.Certificate]
           ) -> SignatureReport:
    cert = sig.signer_cert
    roots = [cert, *extra_roots]
    roots += [c for c in sig.other_embedded_certs if c.self_signed]
    moment = sig.self_reported_timestamp
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                moment=moment, best_signature_time=moment)
    status: PdfSignatureStatus = validate_pdf_signature(sig, context)
    ts = status.timestamp_validity
    crypto_cert = x509.load_der_x509_certificate(cert.dump())
    return SignatureReport(
        field_name=str(sig.field_name),
        signer=describe_name(crypto_cert.subject),
        issuer=describe_name(crypto_cert.issuer),
        self_issued=crypto_cert.issuer == crypto_cert.subject,
        fingerprint=certificate_fingerprint(crypto_cert),
        signed_at=status.signer_reported_dt or moment,
        timestamped_at=ts.timestamp if ts is not None else None,
        timestamp_ok=None if ts is None else bool(ts.intact and ts.valid),
        intact=bool(status.intact),
        valid=bool(status.valid and _key_usable(status)),
        covers_entire_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        changes_allowed=bool(status.seed_value_ok
                             and (status.docmdp_ok or status.modification_level is None)),
        certification=sig.docmdp_level is not None,
    )


def _key_usable(status: PdfSignatureStatus) -> bool:
    """The signer's certificate may sign (key usage), judged against its own anchor."""
    return bool(status.trusted)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
