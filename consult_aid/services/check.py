"""``consult-aid check``: is the data folder what it claims to be? (first part of issue 13)

Read-only, from a connection of its own that runs no migration, so a damaged database is
reported rather than used: SQLite's integrity check; for every signed (or amended) consult its
archived summary must exist, hash to the SHA-256 stored beside it, carry a signature that
verifies, and name the record fingerprint of the consult as stored now (so an edit made past the
immutability triggers shows); and no draft may have an archived signed summary (a signed
consult set back to draft); and the audit trail's hash chain. Each finding names the consult
or the audit entry.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from consult_aid.domain.steps import STEP_IDS
from consult_aid.errors import KnownError
from consult_aid.exchange.consult_json import accepted_fingerprints, consult_from_json
from consult_aid.signing.identity import has_identity, load_identity
from consult_aid.signing.record import record_fingerprint_in
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage.audit import chain_hash

SIGNED = ("signed", "amended")


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # "database", or "consult <id>"
    problem: str

    def line(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class CheckReport:
    findings: tuple[Finding, ...]
    consults: int  # how many consults were looked at
    documents: int  # how many archived PDFs were read and verified

    @property
    def ok(self) -> bool:
        return not self.findings


def check_database(path: Path, identity: Path | None = None) -> CheckReport:
    """Every check above, on the database file at ``path`` (never written to); with the data
    folder's ``identity`` folder, each signed summary must also be signed by its certificate
    (a replaced ``certificate.pem`` or a summary signed elsewhere is named)."""
    if not path.is_file():
        return CheckReport((Finding("database", f"{path.name} is missing"),), 0, 0)
    if path.stat().st_size == 0:
        return CheckReport((Finding("database", f"{path.name} is empty (0 bytes): restore it "
                                                "from a backup"),), 0, 0)
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return CheckReport((Finding("database", f"cannot be opened: {exc}"),), 0, 0)
    own = _own_fingerprint(identity)
    try:
        return _check(con, own)
    except sqlite3.DatabaseError as exc:
        return CheckReport((Finding("database", f"damaged or not a Consult Aid database: "
                                                f"{exc}"),), 0, 0)
    finally:
        con.close()


def _own_fingerprint(identity: Path | None) -> str | None:
    if identity is None or not has_identity(identity):
        return None
    return load_identity(identity).fingerprint


def _check(con: sqlite3.Connection, own: str | None) -> CheckReport:
    findings: list[Finding] = []
    rows = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
    if rows != ["ok"]:
        findings += [Finding("database", f"integrity check: {r}") for r in rows]
        return CheckReport(tuple(findings), 0, 0)  # what it would read next is not trustworthy
    summaries: dict[str, tuple[str, bytes]] = {
        cid: (sha, bytes(pdf)) for cid, sha, pdf in con.execute(
            "SELECT consult_id, sha256, pdf FROM documents WHERE kind = 'summary'")}
    consults = 0
    for cid, status, body in con.execute("SELECT id, status, body FROM consults ORDER BY id"):
        consults += 1
        where = f"consult {cid}"
        archived = summaries.get(cid)
        if status not in SIGNED:
            if archived is not None:
                findings.append(Finding(where, f"is a {status} but has an archived signed "
                                               "summary: a signed consult set back"))
            continue
        if archived is None:
            findings.append(Finding(where, "is signed but its archived summary is missing"))
            continue
        findings += _check_summary(where, body, *archived, own=own)
    findings += _check_audit_chain(con)
    return CheckReport(tuple(findings), consults, len(summaries))


def _check_audit_chain(con: sqlite3.Connection) -> list[Finding]:
    """Each entry's hash against the one it should have; entries before the first hashed one
    (written before the chain existed) are the only ones allowed without a hash."""
    columns = {row[1] for row in con.execute("PRAGMA table_info(audit_log)")}
    if "hash" not in columns:
        return [Finding("audit trail", "has no hash chain (the database is older than this "
                                       "program: open it once in the window to upgrade)")]
    found: list[Finding] = []
    starts = con.execute("SELECT legacy_until FROM audit_chain").fetchall()
    if len(starts) != 1:
        return [Finding("audit trail", "where the chain starts is missing or was changed")]
    legacy_until = int(starts[0][0])
    previous = ""
    for entry_id, at, actor, action, consult_id, detail, link in con.execute(
            "SELECT id, at, actor, action, consult_id, detail, hash FROM audit_log ORDER BY id"):
        if entry_id <= legacy_until and not link:
            continue  # written before the chain existed
        expected = chain_hash(previous, at, actor, action, consult_id, detail)
        if link != expected:
            found.append(Finding("audit trail", f"entry {entry_id} ({action}) does not follow "
                                                "from the one before: an entry was changed, "
                                                "removed, added or moved"))
            break  # every later link disagrees too; the first is where to look
        previous = link
    return found


def _check_summary(where: str, body: str, sha256: str, pdf: bytes, *,
                   own: str | None) -> list[Finding]:
    found: list[Finding] = []
    if hashlib.sha256(pdf).hexdigest() != sha256:
        found.append(Finding(where, "the archived summary is not the file that was signed "
                                    "(its SHA-256 differs from the one stored)"))
    verification = verify_pdf(pdf)
    if not verification.ok:
        found.append(Finding(where, "the archived summary's signature does not verify: "
                                    + "; ".join(verification.problems)))
    signer = verification.last
    if own is not None and signer is not None and signer.fingerprint != own:
        found.append(Finding(where, "the archived summary was signed by a certificate that is "
                                    "not this data folder's signing identity (certificate "
                                    f"{signer.fingerprint[:16]}…): certificate.pem replaced, "
                                    "or the summary signed elsewhere"))
    try:
        consult = consult_from_json(body.encode("utf-8"))
    except KnownError as exc:
        return [*found, Finding(where, f"the stored record cannot be read: {exc}")]
    if record_fingerprint_in(pdf) not in accepted_fingerprints(consult, STEP_IDS):
        found.append(Finding(where, "the stored record differs from the one its signed "
                                    "summary names (record fingerprint): it was changed "
                                    "after signing"))
    return found
