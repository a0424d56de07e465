"""Moving a clinic's archive from a PC's SQLite file to its PostgreSQL server (issue 18).

``consult-aid migrate --to postgresql://...`` copies everything the archive holds — patients,
clinicians, consults with their signed PDFs and addenda, the windows' draft steps, accounts
with their roles and emergency codes, the certificates pinned and trusted (the identities'
public parts), and the audit trail with its hash chain — into an empty database on the server,
in one transaction: the copy is whole, or nothing was written.

The server's rules are never switched off for it: a signed consult goes in the way it was made
(a draft, then its archived summary, then the signing update, then its addenda), so the server's
triggers check every record as they would a new one, and each audit entry must continue the
chain (a chain broken in the file stops the copy, saying where). The SQLite file is only read.
Afterwards the copy is checked as ``consult-aid check`` checks an archive, and counted against
the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from consult_aid.domain.accounts import Account, Permission
from consult_aid.errors import KnownError
from consult_aid.services.accounts import require
from consult_aid.services.check import CheckReport, check_server
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress

MIGRATED = "archive.migrated"

# table -> its columns, copied as they are (in this order: foreign keys first)
_PLAIN = {
    "clinicians": ("id, name, credentials, registration, clinic, clinic_phone, "
                   "out_of_hours_phone, emergency_number, cost_note, created_at, updated_at"),
    "patients": ("id, name, date_of_birth, sex, mrn, phone, email, address, created_at, "
                 "updated_at"),
    "accounts": ("id, username, display_name, password_hash, must_change_password, active, "
                 "failed_attempts, last_failure_at, locked_until, created_at, "
                 "password_changed_at"),
    "account_roles": "account_id, role",
    "emergency_codes": ("id, code_hash, issued_at, issued_by, used_at, used_by, used_reason, "
                        "used_for, acknowledged_at, acknowledged_by"),
    "certificates": "fingerprint, role, subject, pem, added_at, removed_at",
}
_COUNTED = ("patients", "clinicians", "consults", "documents", "addenda", "accounts",
            "audit_log", "certificates")
# identity columns whose sequence must continue after the copied ids
_SEQUENCES = (("documents", "id"), ("audit_log", "id"), ("accounts", "id"),
              ("emergency_codes", "id"))


class NotEmptyError(KnownError):
    exit_code = 2


@dataclass(frozen=True, slots=True)
class MigrationReport:
    counts: dict[str, int]  # table -> rows copied (the same in both, checked)
    check: CheckReport


def migrate_to_server(database: Path, address: ServerAddress, *, actor: Account,
                      identity: Path | None = None,
                      now: datetime | None = None) -> MigrationReport:
    """Copy the archive in the SQLite file ``database`` to the empty database at ``address``
    (created and migrated as needed), then check the copy. ``actor`` must be an administrator
    of the file's archive; the copy records, in the server's audit trail, that it was made."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    with open_store(database, read_only=True) as source, open_store(address) as target:
        _require_empty(target)
        target.account = actor
        with target.transaction() as con:
            _copy(source, con)
            for table, column in _SEQUENCES:
                con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                            f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")
            AuditLog(target).record(MIGRATED, at=when,
                                    detail=f"from a SQLite file ({_count(source, 'consults')} "
                                           "consults)")
        counts = {t: _count(source, t) for t in _COUNTED}
        copied = {t: _count(target, t) - (1 if t == "audit_log" else 0) for t in _COUNTED}
        if copied != counts:
            differ = ", ".join(f"{t} {counts[t]} → {copied[t]}" for t in _COUNTED
                               if counts[t] != copied[t])
            raise KnownError(f"The copy on the server does not hold what the file holds "
                             f"({differ}). Empty the server's database before trying again.")
    return MigrationReport(counts, check_server(address, identity))


def _require_empty(target: Database) -> None:
    for table in ("consults", "patients", "accounts", "audit_log"):
        if _count(target, table):
            raise NotEmptyError(
                f"The server's database ({target.location}) already holds an archive "
                f"({table} is not empty); nothing was copied. Migrate into a new, empty "
                "database.")


def _count(db: Database, table: str) -> int:
    row = db.query_one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


def _rows(source: Database, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return source.query(sql, params)


def _copy(source: Database, con: Any) -> None:
    for table, columns in _PLAIN.items():
        marks = ", ".join("?" * len(columns.split(",")))
        for row in _rows(source, f"SELECT {columns} FROM {table} ORDER BY rowid"):
            con.execute(f"INSERT INTO {table}({columns}) VALUES ({marks})", row)
    _copy_consults(source, con)
    steps = _rows(source, "SELECT consult_id, step_id FROM draft_steps")
    for row in steps:
        con.execute("INSERT INTO draft_steps(consult_id, step_id) VALUES (?, ?)", row)
    chain = _rows(source, "SELECT legacy_until FROM audit_chain")
    con.execute("INSERT INTO audit_chain(legacy_until) VALUES (?)",
                (int(chain[0][0]) if chain else 0,))
    for row in _rows(source, "SELECT id, at, actor, action, consult_id, detail, hash "
                             "FROM audit_log ORDER BY id"):
        con.execute("INSERT INTO audit_log(id, at, actor, action, consult_id, detail, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", row)


def _copy_consults(source: Database, con: Any) -> None:
    """Each consult as it was made: a draft; for a signed one its summary, the signing
    update, its addenda (with their PDFs) and the amending update, so that every rule of the
    server checks it."""
    consults = _rows(source, "SELECT id, patient_id, clinician_id, pack_id, pack_version, "
                             "pack_hash, status, created_at, updated_at, signed_at, pdf_sha256, "
                             "body, row_version FROM consults ORDER BY rowid")
    for (cid, patient, clinician, pack_id, pack_version, pack_hash, status, created, updated,
         signed_at, pdf_sha256, body, row_version) in consults:
        con.execute("INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
                    "pack_hash, status, created_at, updated_at, body, row_version) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?)",
                    (cid, patient, clinician, pack_id, pack_version, pack_hash, created,
                     updated, body, row_version))
        if status == "draft":
            continue
        documents = _rows(source, "SELECT id, kind, sha256, created_at, pdf FROM documents "
                                  "WHERE consult_id = ? ORDER BY id", (cid,))
        for doc_id, kind, sha256, doc_created, pdf in documents:
            if kind == "summary":
                con.execute("INSERT INTO documents(id, consult_id, kind, sha256, created_at, "
                            "pdf) VALUES (?, ?, ?, ?, ?, ?)",
                            (doc_id, cid, kind, sha256, doc_created, bytes(pdf)))
        con.execute("UPDATE consults SET status = 'signed', signed_at = ?, pdf_sha256 = ?, "
                    "updated_at = ? WHERE id = ?", (signed_at, pdf_sha256, updated, cid))
        for doc_id, kind, sha256, doc_created, pdf in documents:
            if kind != "summary":
                con.execute("INSERT INTO documents(id, consult_id, kind, sha256, created_at, "
                            "pdf) VALUES (?, ?, ?, ?, ?, ?)",
                            (doc_id, cid, kind, sha256, doc_created, bytes(pdf)))
        for row in _rows(source, "SELECT id, consult_id, written_at, author, text, document_id "
                                 "FROM addenda WHERE consult_id = ? ORDER BY rowid", (cid,)):
            con.execute("INSERT INTO addenda(id, consult_id, written_at, author, text, "
                        "document_id) VALUES (?, ?, ?, ?, ?, ?)", row)
        if status == "amended":
            con.execute("UPDATE consults SET status = 'amended', updated_at = ? WHERE id = ?",
                        (updated, cid))
