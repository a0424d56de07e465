"""PAdES signing of a finished PDF: an invisible certification signature over the whole file.

Baseline B-B offline; B-T when a timestamp authority URL is given. The visible part (drawn
signatures, names, times, meanings) is already in the page content, drawn by reportlab.
"""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore

from consult_aid.errors import KnownError
from consult_aid.signing.identity import UnlockedIdentity

FIELD_NAME = "ConsultAidSignature"
TIMESTAMP_TIMEOUT_SECONDS = 15


class SigningFailedError(KnownError):
    """The PDF could not be signed (nothing was archived)."""


def sign_pdf(pdf: bytes, identity: UnlockedIdentity, *, reason: str, location: str = "",
             contact: str = "", timestamp_url: str | None = None) -> bytes:
    """``pdf`` with a PAdES certification signature (no later change allowed) appended.

    pyHanko records the moment of signing itself (the signature dictionary's /M); with a
    timestamp URL the time is also attested by the timestamp authority (PAdES B-T).
    """
    prepared = _prepared(identity)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:500] or None,
        location=location[:200] or None,
        contact_info=contact[:200] or None,
        name=identity.common_name,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    timestamper = (timestamps.HTTPTimeStamper(timestamp_url, timeout=TIMESTAMP_TIMEOUT_SECONDS)
                   if timestamp_url else None)
    pdf_signer = signers.PdfSigner(meta, prepared.signer, timestamper=timestamper)
    out = io.BytesIO()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        # Without a timestamp the signature's size is the same every time: reserve the room
        # measured once for this key, instead of pyHanko signing a dummy first to measure it.
        pdf_signer.sign_pdf(writer, output=out,
                            bytes_reserved=None if timestamper else prepared.reserved())
    except (SigningError, PdfError) as exc:
        raise SigningFailedError(f"The PDF could not be signed: {exc}") from exc
    except OSError as exc:  # the timestamp authority could not be reached
        raise SigningFailedError(f"The timestamp authority {timestamp_url} could not be "
                                 f"reached ({exc}); sign without a timestamp or try "
                                 "again later.") from exc
    return out.getvalue()


class _PreparedSigner:
    """pyHanko's signer for one unlocked identity, made once (the key converted, the chain
    registered), and the room its signature needs in the PDF."""

    def __init__(self, identity: UnlockedIdentity) -> None:
        self.identity = identity
        self.signer = signers.SimpleSigner(
            signing_cert=_asn1_cert(identity.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(identity.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs(
                [_asn1_cert(c) for c in identity.chain]),
        )
        self._reserved: int | None = None

    def reserved(self) -> int:
        """Bytes to reserve for the signature (hex digits) when signing without a timestamp:
        as pyHanko estimates them (a dummy signature's size, doubled for hex, plus half)."""
        if self._reserved is None:
            dummy = asyncio.run(self.signer.async_sign(
                hashes.Hash(hashes.SHA256()).finalize(), "sha256", dry_run=True,
                use_pades=True, signed_attr_settings=PdfCMSSignedAttributes(
                    signing_time=datetime.now(UTC))))
            size = len(dummy.dump()) * 2
            self._reserved = size + 2 * (size // 4)
        return self._reserved


_PREPARED_MAX = 4
_prepared_lock = threading.Lock()
_prepared_signers: dict[int, _PreparedSigner] = {}


def _prepared(identity: UnlockedIdentity) -> _PreparedSigner:
    """The signer of ``identity``, made on its first signature in this session."""
    with _prepared_lock:
        found = _prepared_signers.get(id(identity))
        if found is not None and found.identity is identity:
            return found
        while len(_prepared_signers) >= _PREPARED_MAX:
            _prepared_signers.pop(next(iter(_prepared_signers)))
        made = _prepared_signers[id(identity)] = _PreparedSigner(identity)
        return made


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
