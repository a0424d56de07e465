"""Copying a whole archive from one database to another, through the target's own rules.

Used to move a PC's SQLite archive onto the clinic's PostgreSQL server (``migrate``), and to
write a server's archive into the SQLite file of a backup folder (``backup``), which is then
checked as any archive is, and which opens on any PC.

Everything is copied as it is — ids, times, hashes — but never past a rule of the target: a
signed consult goes in the way it was made (a draft, its archived summary, the signing update,
its addenda, the amending update), so the target's triggers check every record as they would
a new one, and on a server each audit entry must continue the hash chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from consult_aid.storage.database import Database

# the order rows are copied in (both backends have these columns)
_ORDER = {"clinicians": "rowid", "patients": "rowid", "accounts": "id",
          "account_roles": "account_id, role", "emergency_codes": "id",
          "certificates": "added_at, fingerprint"}
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
# identity columns whose sequence must continue after the copied ids (a server's)
_SEQUENCES = (("documents", "id"), ("audit_log", "id"), ("accounts", "id"),
              ("emergency_codes", "id"))
# the SQLite schema version before the audit chain (migration 0007)
_BEFORE_CHAIN = 6


def copy_archive(source: Database, con: Any, *, to_server: bool, audit_after: int = 0) -> None:
    """Copy everything in ``source`` through ``con`` (a write transaction on the target);
    audit entries up to ``audit_after`` are already there (a SQLite file's entries from before
    its chain). ``source`` is read in one snapshot: other rooms may go on writing meanwhile,
    and the copy is the archive as it was at one moment."""
    with source.snapshot():
        _copy_all(source, con, to_server=to_server, audit_after=audit_after)


def _copy_all(source: Database, con: Any, *, to_server: bool, audit_after: int) -> None:
    for table, columns in _PLAIN.items():
        marks = ", ".join("?" * len(columns.split(",")))
        for row in source.query(f"SELECT {columns} FROM {table} ORDER BY {_ORDER[table]}"):
            con.execute(f"INSERT INTO {table}({columns}) VALUES ({marks})", row)
    _copy_consults(source, con)
    for row in source.query("SELECT consult_id, step_id FROM draft_steps"):
        con.execute("INSERT INTO draft_steps(consult_id, step_id) VALUES (?, ?)", row)
    if to_server:  # a SQLite file fixes where its chain starts when it is made (0007)
        con.execute("INSERT INTO audit_chain(legacy_until) VALUES (?)", (legacy_until(source),))
    for row in source.query("SELECT id, at, actor, action, consult_id, detail, hash "
                            "FROM audit_log WHERE id > ? ORDER BY id", (audit_after,)):
        con.execute("INSERT INTO audit_log(id, at, actor, action, consult_id, detail, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", row)
    if to_server:
        for table, column in _SEQUENCES:
            con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")


def legacy_until(source: Database) -> int:
    """The last audit entry written before the source's hash chain (0: none)."""
    rows = source.query("SELECT legacy_until FROM audit_chain")
    return int(rows[0][0]) if rows else 0


def export_to_file(source: Database, path: Path) -> None:
    """Write ``source``'s whole archive into a new SQLite database at ``path``.

    A SQLite file fixes where its audit chain starts when it is made (migration 0007: after
    the entries it already has): entries from before the source's chain are written into the
    new file first, at the schema before the chain, so the file's chain starts where the
    source's does."""
    from consult_aid.storage.database import Database as SqliteDatabase

    legacy = legacy_until(source)  # fixed when the chain began: no snapshot needed
    if legacy:
        with SqliteDatabase(path, migrate_to=_BEFORE_CHAIN) as early, \
                early.transaction() as con:
            for row in source.query("SELECT id, at, actor, action, consult_id, detail "
                                    "FROM audit_log WHERE id <= ? ORDER BY id", (legacy,)):
                con.execute("INSERT INTO audit_log(id, at, actor, action, consult_id, detail) "
                            "VALUES (?, ?, ?, ?, ?, ?)", row)
    with SqliteDatabase(path) as target:
        with target.transaction() as con:
            copy_archive(source, con, to_server=False, audit_after=legacy)
        target.connection.execute("PRAGMA journal_mode=DELETE")  # one file: a backup's
    path.with_name(f"{path.name}.schema-{_BEFORE_CHAIN}.bak").unlink(missing_ok=True)


def _copy_consults(source: Database, con: Any) -> None:
    """Each consult as it was made: a draft; for a signed one its summary, the signing
    update, its addenda (with their PDFs) and the amending update, so that every rule of the
    server checks it."""
    consults = source.query("SELECT id, patient_id, clinician_id, pack_id, pack_version, "
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
        documents = source.query("SELECT id, kind, sha256, created_at, pdf FROM documents "
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
        for row in source.query("SELECT id, consult_id, written_at, author, text, document_id "
                                "FROM addenda WHERE consult_id = ? ORDER BY rowid", (cid,)):
            con.execute("INSERT INTO addenda(id, consult_id, written_at, author, text, "
                        "document_id) VALUES (?, ?, ?, ?, ?, ?)", row)
        if status == "amended":
            con.execute("UPDATE consults SET status = 'amended', updated_at = ? WHERE id = ?",
                        (updated, cid))
