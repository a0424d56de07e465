"""The clinician's signing identity, PAdES signing of the summary, and verification.

The names below are imported from their modules when first used (PEP 562), so that importing
one light module of this package (``identity``) does not load pyHanko (issue 16: start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULE_OF = {
    **dict.fromkeys(("IdentityError", "NoIdentityError", "SigningIdentity", "UnlockedIdentity",
                     "WrongPasswordError", "create_identity", "has_identity", "import_pkcs12",
                     "load_identity"), "identity"),
    **dict.fromkeys(("SigningFailedError", "sign_pdf"), "pades"),
    **dict.fromkeys(("SignatureReport", "Verdict", "Verification", "verify_pdf"), "verify"),
}

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


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
