"""The clinician's signing identity, PAdES signing of the summary, and verification."""

from __future__ import annotations

from consult_aid.signing.identity import (
    IdentityError,
    NoIdentityError,
    SigningIdentity,
    UnlockedIdentity,
    WrongPasswordError,
    create_identity,
    has_identity,
    import_pkcs12,
    load_identity,
)
from consult_aid.signing.pades import SigningFailedError, sign_pdf
from consult_aid.signing.verify import SignatureReport, Verdict, Verification, verify_pdf

__all__ = [
    "IdentityError",
    "NoIdentityError",
    "SignatureReport",
    "SigningFailedError",
    "SigningIdentity",
    "UnlockedIdentity",
    "Verdict",
    "Verification",
    "WrongPasswordError",
    "create_identity",
    "has_identity",
    "import_pkcs12",
    "load_identity",
    "sign_pdf",
    "verify_pdf",
]
