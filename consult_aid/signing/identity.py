"""The clinician's signing identity: a certificate and its private key, locked by a password.

Kept in ``DataFolder.identity`` as two files:

- ``identity.p12`` — the key, certificate and chain as PKCS#12, encrypted with the clinician's
  password (PBES2: PBKDF2-SHA256 with AES-256-CBC, HMAC-SHA256 integrity);
- ``certificate.pem`` — the certificate alone, readable without the password (to show who
  signs and to recognise this clinic's signatures when verifying).

Either create a self-signed EC P-256 certificate at setup (:func:`create_identity`) or import
one issued elsewhere as a PKCS#12 file (:func:`import_pkcs12`).
Its password can be changed later (:func:`change_password`); the key itself stays.

Two programs may start on a new data folder at once: an identity is stored under an exclusive
lock (``.creating`` in the folder, :func:`~consult_aid.files.exclusive_lock`), its two files
written so that neither replaces a file already there, and an identity already stored is never
replaced unless asked for (:class:`IdentityExistsError`; the caller loads the one there).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from consult_aid.errors import KnownError
from consult_aid.files import exclusive_lock, write_atomically, write_new_file
from consult_aid.signing.files import CERT_FILE as CERT_FILE
from consult_aid.signing.files import KEY_FILE as KEY_FILE
from consult_aid.signing.files import has_identity as has_identity
from consult_aid.signing.pkcs12_mac import with_mac_iterations

LOCK_FILE = ".creating"  # exists only while a program stores or changes the identity
LOCK_TIMEOUT_S = 30.0
MIN_PASSWORD_LENGTH = 8
KDF_ROUNDS = 600_000  # PBKDF2-SHA256 iterations (OWASP 2023 guidance)
VALID_YEARS = 10

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey \
    | ed448.Ed448PrivateKey


class IdentityError(KnownError):
    """The signing identity is missing, damaged or could not be made."""


class NoIdentityError(IdentityError):
    exit_code = 4


class IdentityExistsError(IdentityError):
    """The folder holds a signing identity already (perhaps made a moment ago by another
    program starting at the same time): it was left as it is."""


class WrongPasswordError(IdentityError):
    """The password does not unlock the key (the message never repeats the password)."""


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A stored identity, still locked: who it is, without the key."""

    folder: Path
    certificate: x509.Certificate

    @property
    def subject(self) -> str:
        return describe_name(self.certificate.subject)

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), hex."""
        return certificate_fingerprint(self.certificate)

    @property
    def self_issued(self) -> bool:
        return self.certificate.issuer == self.certificate.subject

    @property
    def not_valid_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def unlock(self, password: str) -> UnlockedIdentity:
        """The key, decrypted in memory. Raises :class:`WrongPasswordError`.

        The password is asked for at every signature, but the key is decrypted (600,000
        PBKDF2 rounds, about 150 ms) once per session: later calls with the same password and
        the same key file get the key decrypted then (:data:`_unlocked`). Any other password
        is checked the slow way, so guessing costs what it always did; a changed key file
        (a new password, another identity) is decrypted again.
        """
        data = _read(self.folder / KEY_FILE)
        cert_der = self.certificate.public_bytes(serialization.Encoding.DER)
        cached = _unlocked.get(data, cert_der, password)
        if cached is not None:
            return cached
        key, cert, chain = _load_pkcs12(data, password, what="the signing identity")
        if cert is None or cert.public_bytes(serialization.Encoding.DER) != cert_der:
            raise IdentityError(f"The signing identity in {self.folder} is inconsistent: the "
                                f"key file and {CERT_FILE} hold different certificates.")
        unlocked = UnlockedIdentity(certificate=cert, private_key=key, chain=tuple(chain))
        _unlocked.put(data, cert_der, password, unlocked)
        return unlocked


@dataclass(frozen=True, slots=True)
class UnlockedIdentity:
    certificate: x509.Certificate
    private_key: PrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def common_name(self) -> str:
        return common_name(self.certificate)


class _UnlockedKeys:
    """The keys unlocked in this session, by the SHA-256 of their key file and certificate.

    Holds no password: only an HMAC of it under a random key made for this process, compared
    in constant time. What it holds is in memory only, like the unlocked key it returns;
    :func:`forget_unlocked` empties it (the window's idle lock and sign-out call it).
    """

    MAX_KEYS = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secret = os.urandom(32)
        self._keys: dict[bytes, tuple[bytes, UnlockedIdentity]] = {}

    def _id(self, key_file: bytes, cert_der: bytes) -> bytes:
        return hashlib.sha256(hashlib.sha256(key_file).digest() + cert_der).digest()

    def _tag(self, password: str) -> bytes:
        return hmac.new(self._secret, password.encode("utf-8", "surrogatepass"),
                        hashlib.sha256).digest()

    def get(self, key_file: bytes, cert_der: bytes, password: str) -> UnlockedIdentity | None:
        with self._lock:
            found = self._keys.get(self._id(key_file, cert_der))
        if found is None or not hmac.compare_digest(found[0], self._tag(password)):
            return None
        return found[1]

    def put(self, key_file: bytes, cert_der: bytes, password: str,
            unlocked: UnlockedIdentity) -> None:
        with self._lock:
            while len(self._keys) >= self.MAX_KEYS:
                self._keys.pop(next(iter(self._keys)))
            self._keys[self._id(key_file, cert_der)] = (self._tag(password), unlocked)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


_unlocked = _UnlockedKeys()


def forget_unlocked() -> None:
    """Drop every key unlocked in this session: the next signature decrypts its key again."""
    _unlocked.clear()


def load_identity(folder: Path) -> SigningIdentity:
    """The identity stored in ``folder`` (no password needed)."""
    if not has_identity(folder):
        raise NoIdentityError(
            f"No signing identity in {folder}. Create one in the window's settings (or import "
            "a PKCS#12 file), or render with --unsigned."
        )
    try:
        cert = x509.load_pem_x509_certificate(_read(folder / CERT_FILE))
    except ValueError as exc:
        raise IdentityError(f"{folder / CERT_FILE} is not a readable certificate.") from exc
    return SigningIdentity(folder, cert)


def create_identity(folder: Path, *, name: str, clinic: str, password: str,
                    email: str = "", now: datetime | None = None,
                    replace: bool = False) -> SigningIdentity:
    """Make a self-signed EC P-256 certificate for ``name`` at ``clinic`` and store it.

    :class:`IdentityExistsError` when the folder holds an identity (unless ``replace``), also
    one another program stored while this one was making its key: load that one instead."""
    _check_new_password(password)
    name = name.strip()
    if not name:
        raise IdentityError("Enter the clinician's name for the signing certificate.")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name[:64])]
    if clinic.strip():
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, clinic.strip()[:64]))
    if email.strip():
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email.strip()[:128]))
    subject = x509.Name(attributes)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * VALID_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _store(folder, key, cert, (), password, replace=replace)


def import_pkcs12(folder: Path, data: bytes, *, file_password: str | None, password: str,
                  replace: bool = False) -> SigningIdentity:
    """Store an identity from a PKCS#12 file, re-encrypted with the clinician's ``password``."""
    _check_new_password(password)
    key, cert, chain = _load_pkcs12(data, file_password or "", what="the PKCS#12 file")
    if key is None or cert is None:
        raise IdentityError("The PKCS#12 file holds no private key and certificate pair.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
                      | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        raise IdentityError("The PKCS#12 key type cannot sign PDFs (use RSA or EC).")
    return _store(folder, key, cert, tuple(chain), password, replace=replace)


def change_password(folder: Path, *, current: str, new: str) -> SigningIdentity:
    """Lock the stored key with ``new`` instead of ``current``; the certificate stays as it is.

    The key is unlocked with ``current`` (:class:`WrongPasswordError` otherwise), encrypted
    again with ``new`` and read back with it; only then does the new key file replace the old
    one, written beside it and renamed over it (:func:`write_atomically`). Whatever fails
    before the rename leaves the old file, and the old password, working; after it only the
    new password unlocks the key.
    """
    _check_new_password(new)
    load_identity(folder)  # NoIdentityError before anything is locked or written
    with _locked(folder):
        identity = load_identity(folder)
        unlocked = identity.unlock(current)
        blob = _encrypt(unlocked.private_key, unlocked.certificate, unlocked.chain, new)
        _check_readable(blob, new, unlocked)
        write_atomically(folder / KEY_FILE, blob)
    return identity


def describe_name(name: x509.Name) -> str:
    """'Dr Ana Pérez, Example Pain Clinic' from a certificate name."""
    parts = [a.value for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
             for a in name.get_attributes_for_oid(oid)]
    text = ", ".join(str(p) for p in parts)
    return text or name.rfc4514_string()


def common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _store(folder: Path, key: PrivateKey, cert: x509.Certificate,
           chain: tuple[x509.Certificate, ...], password: str, *, replace: bool) -> SigningIdentity:
    """Write the pair under the folder's lock; without ``replace``, never over files there.

    The slow part (encrypting the key) is done before the lock is taken. A new pair is written
    certificate first, key last, each with :func:`write_new_file`: a program killed between
    the two leaves a certificate without a key, which is no identity (:func:`has_identity`)
    and is replaced by the next one made. A key file without its certificate is never
    replaced silently: it may be the clinic's key, whose certificate was lost.
    """
    if has_identity(folder) and not replace:
        raise _exists(folder)
    blob = _encrypt(key, cert, chain, password)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # a new folder: owner only
    with _locked(folder):
        if replace:
            write_atomically(folder / KEY_FILE, blob)
            write_atomically(folder / CERT_FILE, pem)
            return SigningIdentity(folder, cert)
        if has_identity(folder):  # made by another program while this one encrypted its key
            raise _exists(folder)
        if (folder / KEY_FILE).exists():
            raise IdentityError(f"{folder} holds a signing key ({KEY_FILE}) without its "
                                f"certificate ({CERT_FILE}); it was left as it is. Restore the "
                                "identity folder from a backup, or move the key aside.")
        (folder / CERT_FILE).unlink(missing_ok=True)  # a half-made pair: no key, no identity
        try:
            write_new_file(folder / CERT_FILE, pem)
            write_new_file(folder / KEY_FILE, blob)
        except FileExistsError:  # written meanwhile by a program that does not take the lock
            raise _exists(folder) from None
    return SigningIdentity(folder, cert)


def _exists(folder: Path) -> IdentityExistsError:
    return IdentityExistsError(f"{folder} already holds a signing identity; replacing it must "
                               "be asked for explicitly.")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """The folder's identity lock: one program at a time stores or changes the identity."""
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive_lock(folder / LOCK_FILE, timeout=LOCK_TIMEOUT_S))
        except TimeoutError:
            raise IdentityError(f"Another Consult Aid program has been changing the signing "
                                f"identity in {folder} for {LOCK_TIMEOUT_S:.0f} seconds; "
                                "nothing was changed. Try again when it has finished.") from None
        yield


def _encrypt(key: PrivateKey, cert: x509.Certificate, chain: tuple[x509.Certificate, ...],
             password: str) -> bytes:
    """The key, certificate and chain as PKCS#12, locked by ``password`` (PBES2, AES-256,
    600,000 PBKDF2 rounds; its MAC at as many iterations)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )
    blob = pkcs12.serialize_key_and_certificates(
        name=common_name(cert).encode("utf-8"), key=key, cert=cert, cas=list(chain) or None,
        encryption_algorithm=encryption,
    )
    # cryptography writes the MAC with 2,048 iterations whatever the rounds: a guess could be
    # tested against it 300 times faster than against the encryption
    return with_mac_iterations(blob, password, KDF_ROUNDS)


def _check_readable(blob: bytes, password: str, expected: UnlockedIdentity) -> None:
    """Refuse a re-encrypted key file that would not give back the same key and certificate."""
    key, cert, _chain = _load_pkcs12(blob, password, what="the re-encrypted signing key")
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert is None or cert.public_bytes(der) != expected.certificate.public_bytes(der) or \
            key.public_key().public_bytes(der, spki) != \
            expected.private_key.public_key().public_bytes(der, spki):
        raise IdentityError("The signing key could not be locked with the new password; the "
                            "old password still unlocks it.")


def _load_pkcs12(data: bytes, password: str, *, what: str
                 ) -> tuple[PrivateKey, x509.Certificate | None, list[x509.Certificate]]:
    if "\x00" in password:  # the PKCS#12 library panics on it rather than failing
        raise WrongPasswordError(f"The password does not unlock {what}: a password holds no "
                                 "null character.")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    except ValueError as exc:
        if "password" in str(exc).lower() or "decrypt" in str(exc).lower() or \
                "mac" in str(exc).lower():
            raise WrongPasswordError(f"The password does not unlock {what}. Check it (and "
                                     "the keyboard layout) and try again.") from None
        raise IdentityError(f"{what.capitalize()} is not a readable PKCS#12 file.") from None
    if key is None:
        raise IdentityError(f"{what.capitalize()} holds no private key.")
    # pkcs12 may hold a key type that cannot sign (DSA, X25519...): import_pkcs12 refuses it,
    # and unlock only reads what _store wrote, which takes a PrivateKey.
    return key, cert, list(chain)  # type: ignore[return-value]  # see the comment above


def _check_new_password(password: str) -> None:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in password):
        raise IdentityError("The password may not hold control characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise IdentityError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NoIdentityError(f"The signing identity file {path} is missing.") from None
