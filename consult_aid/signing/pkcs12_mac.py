"""A PKCS#12 key file whose integrity check costs as much to guess as its encryption.

``cryptography`` encrypts the key with PBKDF2 at the rounds it is given (600,000 here) but
always computes the file's MAC with 2,048 iterations: someone holding the file could test a
guessed password against the MAC about 300× faster than against the encryption. This module
recomputes the MAC (RFC 7292 §5 and appendix B: HMAC-SHA-256 with a key from the PKCS#12 key
derivation, ID 3) with as many iterations as the encryption, and a fresh salt. ``cryptography``
reads such a file as before (it verifies the MAC with the iteration count stored in it), which
is also how the tests check this implementation against an independent one.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from asn1crypto import pkcs12 as asn1_pkcs12

_HASH = "sha256"
_DIGEST_BYTES = 32  # u in RFC 7292 appendix B
_BLOCK_BYTES = 64  # v
_MAC_ID = 3  # "the material is to be used as a MAC key"


def pkcs12_kdf(password: str, salt: bytes, iterations: int, *, key_id: int = _MAC_ID,
               length: int = _DIGEST_BYTES) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256: ``length`` bytes of key material."""
    if iterations < 1:
        raise ValueError("iterations must be at least 1")
    v = _BLOCK_BYTES
    diversifier = bytes([key_id]) * v
    secret = password.encode("utf-16-be") + b"\x00\x00"  # a BMPString with its terminator

    def stretched(data: bytes) -> bytes:
        if not data:
            return b""
        size = v * ((len(data) + v - 1) // v)
        return (data * (size // len(data) + 1))[:size]

    block = stretched(salt) + stretched(secret)
    out = b""
    while len(out) < length:
        a = hashlib.new(_HASH, diversifier + block).digest()
        for _ in range(iterations - 1):
            a = hashlib.new(_HASH, a).digest()
        out += a
        b = int.from_bytes((a * (v // len(a) + 1))[:v], "big") + 1
        block = b"".join(
            ((int.from_bytes(block[j:j + v], "big") + b) % (1 << (8 * v))).to_bytes(v, "big")
            for j in range(0, len(block), v))
    return out[:length]


def with_mac_iterations(blob: bytes, password: str, iterations: int) -> bytes:
    """``blob`` (a PKCS#12 file made with ``password``) with its MAC recomputed over the same
    content at ``iterations``, with a new 32-byte salt."""
    pfx = asn1_pkcs12.Pfx.load(blob)
    content = pfx["auth_safe"]["content"].native
    if not isinstance(content, bytes):
        raise ValueError("the PKCS#12 content is not plain data")
    salt = os.urandom(32)
    key = pkcs12_kdf(password, salt, iterations)
    mac_data = pfx["mac_data"]
    if mac_data["mac"]["digest_algorithm"]["algorithm"].native != _HASH:
        raise ValueError("the PKCS#12 MAC is not HMAC-SHA-256")
    mac_data["mac"]["digest"] = hmac.new(key, content, _HASH).digest()
    mac_data["mac_salt"] = salt
    mac_data["iterations"] = iterations
    dumped: bytes = pfx.dump(force=True)
    return dumped


def mac_iterations(blob: bytes) -> int:
    """How many iterations a PKCS#12 file's MAC key derivation uses."""
    return int(asn1_pkcs12.Pfx.load(blob)["mac_data"]["iterations"].native)
