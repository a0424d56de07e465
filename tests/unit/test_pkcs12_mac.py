"""The key file's MAC at the encryption's iteration count: the PKCS#12 key derivation agrees
with cryptography's own (same MAC at 2,048), the strengthened file opens with the password and
not without it, and OpenSSL reads the new count (when it is installed)."""

from __future__ import annotations

import hmac
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from consult_aid.signing.pkcs12_mac import mac_iterations, pkcs12_kdf, with_mac_iterations

PASSWORD = "pässwörd with ümlauts"
ROUNDS = 600_000


@pytest.fixture(scope="module")
def key_file() -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(ROUNDS)
                  .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                  .hmac_hash(hashes.SHA256()).build(PASSWORD.encode()))
    return pkcs12.serialize_key_and_certificates(b"test", key, None, None, encryption), key


def test_the_kdf_reproduces_the_libraries_mac(key_file: tuple[bytes, object]) -> None:
    blob, _ = key_file
    assert mac_iterations(blob) == 2048  # what cryptography writes, whatever the rounds
    pfx = asn1_pkcs12.Pfx.load(blob)
    mac = pfx["mac_data"]
    derived = pkcs12_kdf(PASSWORD, mac["mac_salt"].native, mac["iterations"].native)
    ours = hmac.new(derived, pfx["auth_safe"]["content"].native, "sha256").digest()
    assert ours == mac["mac"]["digest"].native
    other = pkcs12_kdf(PASSWORD + "x", mac["mac_salt"].native, mac["iterations"].native)
    assert other != derived


def test_a_strengthened_file_opens_with_its_password_only(
        key_file: tuple[bytes, ec.EllipticCurvePrivateKey], tmp_path: Path) -> None:
    blob, key = key_file
    strong = with_mac_iterations(blob, PASSWORD, ROUNDS)
    assert mac_iterations(strong) == ROUNDS
    loaded, _, _ = pkcs12.load_key_and_certificates(strong, PASSWORD.encode())
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    assert loaded.private_numbers() == key.private_numbers()
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_key_and_certificates(strong, b"not the password")
    with pytest.raises(ValueError, match="Invalid password"):  # the MAC now binds the content
        pkcs12.load_key_and_certificates(with_mac_iterations(blob, "another", ROUNDS),
                                         PASSWORD.encode())
    openssl = shutil.which("openssl")
    if openssl is not None:
        path = tmp_path / "strong.p12"
        path.write_bytes(strong)
        shown = subprocess.run([openssl, "pkcs12", "-in", str(path), "-info", "-noout",
                                "-passin", f"pass:{PASSWORD}"], capture_output=True, text=True,
                               check=False)
        assert shown.returncode == 0, shown.stderr
        assert f"MAC: sha256, Iteration {ROUNDS}" in shown.stdout + shown.stderr
