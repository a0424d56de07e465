"""The clinician's signing identity: created or imported, stored encrypted, unlocked by password."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from reportlab.pdfgen.canvas import Canvas

from consult_aid.signing.identity import (
    CERT_FILE,
    KEY_FILE,
    IdentityError,
    NoIdentityError,
    WrongPasswordError,
    change_password,
    create_identity,
    forget_unlocked,
    has_identity,
    import_pkcs12,
    load_identity,
)
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import verify_pdf

PASSWORD = "s3cret-enough"


def test_create_store_and_unlock(tmp_path: Path) -> None:
    folder = tmp_path / "identity"
    created = create_identity(folder, name="Łukasz Øster-Müller", clinic="Riverside Pain Clinic",
                              password=PASSWORD)
    assert has_identity(folder)
    loaded = load_identity(folder)
    assert loaded.fingerprint == created.fingerprint
    assert loaded.common_name == "Łukasz Øster-Müller"
    assert loaded.subject == "Łukasz Øster-Müller, Riverside Pain Clinic"
    assert loaded.self_issued
    unlocked = loaded.unlock(PASSWORD)
    key = unlocked.private_key
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert PASSWORD.encode() not in (folder / KEY_FILE).read_bytes()
    key_usage = unlocked.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert key_usage.digital_signature and key_usage.content_commitment
    if os.name == "posix":
        assert (folder / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_the_key_file_is_encrypted(tmp_path: Path) -> None:
    create_identity(tmp_path, name="Dr. A", clinic="", password=PASSWORD)
    with pytest.raises(ValueError, match=r"(?i)password|decrypt|mac"):
        pkcs12.load_key_and_certificates((tmp_path / KEY_FILE).read_bytes(), None)


def test_wrong_password_is_a_clear_error(tmp_path: Path) -> None:
    identity = create_identity(tmp_path, name="Dr. A", clinic="C", password=PASSWORD)
    with pytest.raises(WrongPasswordError, match="password does not unlock"):
        identity.unlock("not-the-password")


def test_missing_identity_and_short_password_and_overwrite(tmp_path: Path) -> None:
    with pytest.raises(NoIdentityError, match="No signing identity"):
        load_identity(tmp_path / "nothing-here")
    with pytest.raises(IdentityError, match="at least 8 characters"):
        create_identity(tmp_path, name="Dr. A", clinic="C", password="short")
    first = create_identity(tmp_path, name="Dr. A", clinic="C", password=PASSWORD)
    with pytest.raises(IdentityError, match="already holds"):
        create_identity(tmp_path, name="Dr. B", clinic="C", password=PASSWORD)
    second = create_identity(tmp_path, name="Dr. B", clinic="C", password=PASSWORD, replace=True)
    assert first.fingerprint != second.fingerprint


def _ca_and_leaf() -> tuple[rsa.RSAPrivateKey, x509.Certificate, x509.Certificate]:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hospital Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "José Núñez"),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                                        "Clínica del Dolor")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(2)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    return leaf_key, leaf, ca


def test_pkcs12_import_signs_and_verifies(tmp_path: Path) -> None:
    key, leaf, ca = _ca_and_leaf()
    p12 = pkcs12.serialize_key_and_certificates(
        b"jose", key, leaf, [ca], serialization.BestAvailableEncryption(b"file-password"))
    with pytest.raises(WrongPasswordError):
        import_pkcs12(tmp_path, p12, file_password="wrong", password=PASSWORD)
    assert not has_identity(tmp_path)
    identity = import_pkcs12(tmp_path, p12, file_password="file-password", password=PASSWORD)
    assert identity.subject == "José Núñez, Clínica del Dolor"
    assert not identity.self_issued
    assert (tmp_path / CERT_FILE).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    unlocked = identity.unlock(PASSWORD)  # re-encrypted with the clinician's password
    assert unlocked.chain and unlocked.chain[0] == ca

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.showPage()
    canvas.save()
    result = verify_pdf(sign_pdf(buffer.getvalue(), unlocked, reason="import test"))
    assert result.ok, result.problems
    assert result.signatures[0].issuer == "Hospital Test CA"


def test_a_file_that_is_not_pkcs12_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IdentityError, match="not a readable PKCS#12"):
        import_pkcs12(tmp_path, b"not a p12 file", file_password="x", password=PASSWORD)


def test_a_key_unlocked_once_is_reused_only_for_the_same_password_and_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is decrypted once a session; a wrong password after a right one is still
    refused, a rewritten key file is decrypted again, and forget_unlocked empties the cache."""
    from consult_aid.signing import identity as identity_module

    forget_unlocked()
    identity = create_identity(tmp_path / "id", name="Dr. A", clinic="C", password=PASSWORD)
    decrypted: list[int] = []
    real_load = identity_module._load_pkcs12

    def counting_load(*args: object, **kwargs: object) -> object:
        decrypted.append(1)
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(identity_module, "_load_pkcs12", counting_load)
    first = identity.unlock(PASSWORD)
    again = identity.unlock(PASSWORD)
    assert len(decrypted) == 1 and again.private_key is first.private_key
    with pytest.raises(WrongPasswordError):
        identity.unlock(PASSWORD + "x")  # checked the slow way, and refused
    assert len(decrypted) == 2
    change_password(tmp_path / "id", current=PASSWORD, new="a new password here")
    with pytest.raises(WrongPasswordError):
        load_identity(tmp_path / "id").unlock(PASSWORD)  # the old password, new file
    load_identity(tmp_path / "id").unlock("a new password here")
    count = len(decrypted)
    forget_unlocked()
    load_identity(tmp_path / "id").unlock("a new password here")
    assert len(decrypted) == count + 1  # decrypted again after forgetting


def test_the_key_files_integrity_check_costs_as_much_as_its_encryption(tmp_path: Path) -> None:
    from consult_aid.signing.identity import KDF_ROUNDS
    from consult_aid.signing.pkcs12_mac import mac_iterations

    create_identity(tmp_path / "id", name="Dr. A", clinic="C", password=PASSWORD)
    assert mac_iterations((tmp_path / "id" / KEY_FILE).read_bytes()) == KDF_ROUNDS == 600_000
    change_password(tmp_path / "id", current=PASSWORD, new="a new password here")
    assert mac_iterations((tmp_path / "id" / KEY_FILE).read_bytes()) == KDF_ROUNDS


def test_the_start_up_fingerprint_needs_no_cryptography_and_agrees(tmp_path: Path) -> None:
    from consult_aid.signing.files import pem_fingerprint

    identity = create_identity(tmp_path / "id", name="Dr. A", clinic="C", password=PASSWORD)
    pem = (tmp_path / "id" / CERT_FILE).read_bytes()
    assert pem_fingerprint(pem) == identity.fingerprint
    assert pem_fingerprint(b"\n" + pem.replace(b"\n", b"\r\n") + b"trailing") == \
        identity.fingerprint
    assert pem_fingerprint(b"not a certificate") is None
    assert pem_fingerprint(pem.replace(b"M", b"!", 1)) is None  # not base64: unreadable
