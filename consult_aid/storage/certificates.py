"""The certificates a clinic's records may be signed by: its own (pinned) and trusted ones."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from consult_aid.storage.database import Database


class CertificateRole(StrEnum):
    OWN = "own"  # the data folder's signing identity
    TRUSTED = "trusted"  # trusted explicitly by the clinic, to import what it signed


@dataclass(frozen=True, slots=True)
class KnownCertificate:
    fingerprint: str  # SHA-256 of the certificate (DER), hex
    role: CertificateRole
    subject: str
    pem: str
    added_at: str
    removed_at: str | None = None  # trusted no longer (since then)

    @property
    def active(self) -> bool:
        return self.removed_at is None


_COLUMNS = "fingerprint, role, subject, pem, added_at, removed_at"


class CertificateRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self, role: CertificateRole | None = None) -> list[KnownCertificate]:
        if role is None:
            rows = self.db.query(f"SELECT {_COLUMNS} FROM certificates ORDER BY added_at")
        else:
            rows = self.db.query(f"SELECT {_COLUMNS} FROM certificates WHERE role = ? "
                                 "ORDER BY added_at", (role.value,))
        return [KnownCertificate(r[0], CertificateRole(r[1]), *r[2:]) for r in rows]

    def get(self, fingerprint: str) -> KnownCertificate | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM certificates WHERE fingerprint = ?",
                                (fingerprint.lower(),))
        return None if row is None else KnownCertificate(row[0], CertificateRole(row[1]),
                                                         *row[2:])

    def add(self, cert: KnownCertificate) -> None:
        with self.db.transaction() as con:
            con.execute(f"INSERT INTO certificates({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                        (cert.fingerprint.lower(), cert.role.value, cert.subject, cert.pem,
                         cert.added_at, cert.removed_at))

    def set_removed(self, fingerprint: str, removed_at: str | None) -> bool:
        """Stop (a time) or start again (None) trusting a trusted certificate."""
        with self.db.transaction() as con:
            cursor = con.execute("UPDATE certificates SET removed_at = ? WHERE fingerprint = ? "
                                 "AND role = ?", (removed_at, fingerprint.lower(),
                                                  CertificateRole.TRUSTED.value))
            return cursor.rowcount > 0
