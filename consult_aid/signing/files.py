"""The signing identity's files, and what can be learnt from them without a cryptography
library: whether they are there, and the certificate's fingerprint (the start-up check reads
it at every start; importing ``cryptography`` for it cost about 40 ms)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

KEY_FILE = "identity.p12"
CERT_FILE = "certificate.pem"
MAX_CERTIFICATE_PEM = 64 * 1024
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)\s*"
                  rb"-----END CERTIFICATE-----")


def has_identity(folder: Path) -> bool:
    return (folder / KEY_FILE).is_file() and (folder / CERT_FILE).is_file()


def pem_fingerprint(pem: bytes) -> str | None:
    """SHA-256 (hex) of the DER bytes of the first certificate in ``pem`` — the same as
    ``identity.certificate_fingerprint`` of it — or None when there is none to read."""
    found = _PEM.search(pem[:MAX_CERTIFICATE_PEM])
    if found is None:
        return None
    try:
        der = base64.b64decode(b"".join(found.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return hashlib.sha256(der).hexdigest() if der else None
