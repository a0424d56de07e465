"""Which signatures this clinic accepts: its own signing identity (pinned) and certificates it
trusted explicitly.

A PDF that verifies proves only that it is unchanged since *some* key signed it; anyone can
make a key and a self-issued certificate with the clinic's name in it. So every signed PDF the
program takes in (import) or vouches for (check, verify) must be signed by a certificate in
the ``certificates`` table: the data folder's own identity, pinned when it is made (or, in a
folder from before pinning, when it first signs), or one the clinic added with
``consult-aid trust add CERT``. Adding and removing is audited; the own certificate is never
removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from consult_aid.domain.accounts import Permission
from consult_aid.errors import InputError, KnownError, NotFoundError
from consult_aid.input_files import MAX_CERTIFICATE_BYTES, describe_size
from consult_aid.services.accounts import permit
from consult_aid.signing.identity import (
    IdentityError,
    SigningIdentity,
    certificate_fingerprint,
    describe_name,
)
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.certificates import (
    CertificateRepository,
    CertificateRole,
    KnownCertificate,
)
from consult_aid.storage.database import Database

PINNED = "identity.pinned"
TRUST_ADDED = "trust.added"
TRUST_REMOVED = "trust.removed"


class UntrustedSignerError(InputError):
    """A signed PDF whose signer this clinic does not trust."""


@dataclass(frozen=True, slots=True)
class Standing:
    """What this clinic knows of one signer certificate."""

    fingerprint: str
    role: CertificateRole | None  # None: unknown to this clinic

    @property
    def accepted(self) -> bool:
        return self.role is not None


def standing(db: Database, fingerprint: str) -> Standing:
    known = CertificateRepository(db).get(fingerprint)
    return Standing(fingerprint, None if known is None or not known.active else known.role)


def accepted_fingerprints(db: Database) -> dict[str, CertificateRole]:
    """The certificates trusted now (a removed one is not)."""
    return {c.fingerprint: c.role for c in CertificateRepository(db).all() if c.active}


def own_certificates(db: Database) -> list[KnownCertificate]:
    return CertificateRepository(db).all(CertificateRole.OWN)


def pin_identity(db: Database, identity: SigningIdentity, *, now: datetime, how: str) -> bool:
    """Pin ``identity`` as this clinic's own certificate (once; audited). True when pinned now."""
    repo = CertificateRepository(db)
    with db.transaction():
        known = repo.get(identity.fingerprint)
        if known is not None and known.role is CertificateRole.OWN:
            return False
        if known is not None:  # trusted before: one row per certificate, and never deleted
            raise IdentityError(f"Certificate {identity.fingerprint[:16]}… is on record as "
                                "another clinic's trusted certificate; it cannot become this "
                                "clinic's own.")
        repo.add(KnownCertificate(identity.fingerprint, CertificateRole.OWN, identity.subject,
                                  _pem(identity.certificate), now.isoformat()))
        AuditLog(db).record(PINNED, at=now,
                            detail=f"certificate {identity.fingerprint}; {how}")
    return True


def require_own_identity(db: Database, identity: SigningIdentity, *, now: datetime) -> None:
    """Before signing: the data folder's identity must be the one pinned in the database.

    A folder from before pinning pins the identity it signs with first ("first use"). One
    whose certificate.pem and key were swapped outside the program is refused: a record signed
    with it would claim to be the clinic's.
    """
    own = own_certificates(db)
    if not own:
        pin_identity(db, identity, now=now, how="first signing after the upgrade to pinning")
        return
    if identity.fingerprint not in {c.fingerprint for c in own}:
        raise IdentityError(
            f"The signing identity in {identity.folder} (certificate "
            f"{identity.fingerprint[:16]}…) is not the one this clinic's records are signed with "
            f"(pinned: {', '.join(c.fingerprint[:16] + '…' for c in own)}): it was replaced "
            "outside Consult Aid. Nothing was signed. Run `consult-aid check`, and restore the "
            "identity folder from a backup.")


def require_accepted_signer(db: Database, fingerprint: str, signer: str, *, what: str) -> None:
    """Raise :class:`UntrustedSignerError` unless the certificate is the clinic's or trusted."""
    if standing(db, fingerprint).accepted:
        return
    raise UntrustedSignerError(
        f"{what} is signed by a certificate this clinic does not trust: it names "
        f"'{signer}' (certificate SHA-256 {fingerprint}). Anyone can make a certificate with "
        "any name in it. If the clinic that signed it gave you this certificate, trust it "
        "first: consult-aid trust add CERT.pem")


def read_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes; InputError when it is neither or too large."""
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise InputError(f"the certificate file is larger than "
                         f"{describe_size(MAX_CERTIFICATE_BYTES)}: not a certificate")
    for load in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            return load(data)
        except ValueError:
            continue
    raise InputError("the file is not a certificate (PEM or DER X.509)")


def trust_certificate(db: Database, data: bytes, *, now: datetime) -> KnownCertificate:
    """Trust the certificate in ``data`` (PEM or DER): consults and addenda signed with it can
    then be imported as signed. Audited."""
    permit(db, Permission.MANAGE_TRUST)
    cert = read_certificate(data)
    _refuse_authority(cert)
    fingerprint = certificate_fingerprint(cert)
    repo = CertificateRepository(db)
    with db.transaction():
        known = repo.get(fingerprint)
        if known is not None and known.active:
            which = ("this clinic's own signing certificate" if known.role is CertificateRole.OWN
                     else "trusted already")
            raise KnownError(f"Certificate {fingerprint[:16]}… ({known.subject}) is {which}; "
                             "nothing was changed.")
        if known is not None:  # trusted before, then removed: trusted again
            repo.set_removed(fingerprint, None)
            entry = KnownCertificate(*[getattr(known, f) for f in
                                       ("fingerprint", "role", "subject", "pem", "added_at")])
        else:
            entry = KnownCertificate(fingerprint, CertificateRole.TRUSTED,
                                     describe_name(cert.subject), _pem(cert), now.isoformat())
            repo.add(entry)
        AuditLog(db).record(TRUST_ADDED, at=now, detail=f"certificate {fingerprint}")
    return entry


def untrust_certificate(db: Database, fingerprint: str, *, now: datetime) -> KnownCertificate:
    """Stop trusting a certificate, named by its SHA-256 or a unique start of it (at least 8
    hex digits). Consults imported with it stay (and ``check`` still accounts for them: they
    were trusted when they came in); new imports signed by it are refused."""
    permit(db, Permission.MANAGE_TRUST)
    wanted = fingerprint.strip().lower().replace(":", "")
    if len(wanted) < 8 or any(ch not in "0123456789abcdef" for ch in wanted):
        raise InputError("give the certificate's SHA-256 fingerprint (at least its first 8 hex "
                         "digits), as `consult-aid trust list` shows it")
    repo = CertificateRepository(db)
    with db.transaction():
        matches = [c for c in repo.all() if c.fingerprint.startswith(wanted) and c.active]
        if not matches:
            raise NotFoundError(f"No certificate {wanted}… is trusted here.")
        if len(matches) > 1:
            raise InputError(f"{wanted}… names {len(matches)} certificates: give more digits.")
        (entry,) = matches
        if entry.role is CertificateRole.OWN:
            raise KnownError("That is this clinic's own signing certificate: it stays pinned, "
                             "so the records it signed keep verifying as the clinic's.")
        repo.set_removed(entry.fingerprint, now.isoformat())
        AuditLog(db).record(TRUST_REMOVED, at=now, detail=f"certificate {entry.fingerprint}")
    return entry


def trusted_certificates(db: Database) -> list[KnownCertificate]:
    """Own first, then trusted, then no longer trusted, each oldest first."""
    permit(db, Permission.VIEW_CONSULTS)
    return sorted(CertificateRepository(db).all(),
                  key=lambda c: (c.role is not CertificateRole.OWN, not c.active, c.added_at))


def _refuse_authority(cert: x509.Certificate) -> None:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return
    if constraints.ca:
        raise InputError("this is a certificate authority's certificate; trust the signer's "
                         "own certificate instead (each trusted certificate is trusted alone, "
                         "not the certificates it issued)")


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
