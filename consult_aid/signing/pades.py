"""PAdES signing of a finished PDF: an invisible certification signature over the whole file.

Baseline B-B offline; B-T when a timestamp authority URL is given. The visible part (drawn
signatures, names, times, meanings) is already in the page content, drawn by reportlab.
"""

from __future__ import annotations

import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
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
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(identity.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(identity.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [_asn1_cert(c) for c in identity.chain]),
    )
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
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper)
    out = io.BytesIO()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        pdf_signer.sign_pdf(writer, output=out)
    except (SigningError, PdfError) as exc:
        raise SigningFailedError(f"The PDF could not be signed: {exc}") from exc
    except OSError as exc:  # the timestamp authority could not be reached
        raise SigningFailedError(f"The timestamp authority {timestamp_url} could not be "
                                 f"reached ({exc}); sign without a timestamp or try "
                                 "again later.") from exc
    return out.getvalue()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
