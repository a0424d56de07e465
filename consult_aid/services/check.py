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
import json
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from consult_aid.domain import Addendum
from consult_aid.domain.steps import STEP_IDS
from consult_aid.errors import DamagedDatabaseError, DiskFullError, KnownError
from consult_aid.exchange.consult_json import (
    accepted_fingerprints,
    addendum_fingerprint,
    consult_from_stored,
)
from consult_aid.services.store import DATABASE_MARKER
from consult_aid.storage.audit import chain_hash
from consult_aid.storage.database import connect_read_only
from consult_aid.storage.errors import SQLITE_IOERR, raise_classified
from consult_aid.storage.server import ServerAddress

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
    folder's ``identity`` folder, its certificate must be the one pinned in the database (in
    a database from before pinning: every summary must be signed by it)."""
    if not path.is_file():
        return CheckReport((Finding("database", f"{path.name} is missing"),), 0, 0)
    if path.stat().st_size == 0:
        return CheckReport((Finding("database", f"{path.name} is empty (0 bytes): restore it "
                                                "from a backup"),), 0, 0)
    try:
        con = _read_only(path)
    except (sqlite3.Error, KnownError) as exc:
        return CheckReport((Finding("database", f"cannot be opened: {exc}"),), 0, 0)
    try:
        return _check(con, identity)
    except sqlite3.DatabaseError as exc:
        return CheckReport((Finding("database", f"damaged or not a Consult Aid database: "
                                                f"{exc}"),), 0, 0)
    finally:
        con.close()


def check_server(address: ServerAddress, identity: Path | None = None) -> CheckReport:
    """Every check of :func:`check_database` on the clinic's archive on a PostgreSQL server
    (read in a read-only session), but SQLite's page check: the server keeps its own pages
    (``pg_amcheck`` checks them; the README says how)."""
    from consult_aid.storage.postgres import PostgresDatabase

    try:
        db = PostgresDatabase(address, read_only=True)
    except KnownError as exc:
        return CheckReport((Finding("database", f"cannot be opened: {exc}"),), 0, 0)
    try:
        return _check(db.connection, identity, server=True)
    finally:
        db.close()


def _check(con: Any, identity: Path | None, *, server: bool = False) -> CheckReport:
    """``con``: a sqlite3 connection, or (``server``) a PostgreSQL one taking the same SQL."""
    findings: list[Finding] = []
    if not server:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check(20)")]
        if rows != ["ok"]:
            findings += [Finding("database", f"integrity check: {r}") for r in rows]
            return CheckReport(tuple(findings), 0, 0)  # what it would read next: untrustworthy
    signers = _Signers.of(con, identity, server=server)
    findings += signers.findings
    summaries: dict[str, tuple[str, bytes]] = {
        cid: (sha, bytes(pdf)) for cid, sha, pdf in con.execute(
            "SELECT consult_id, sha256, pdf FROM documents WHERE kind = 'summary'")}
    addenda = _addenda(con)
    consults = 0
    for cid, status, body, *columns in con.execute(
            "SELECT id, status, body, pack_id, pack_version, pack_hash, signed_at, pdf_sha256 "
            "FROM consults ORDER BY id"):
        consults += 1
        where = f"consult {cid}"
        archived = summaries.get(cid)
        if status not in SIGNED:
            if archived is not None:
                findings.append(Finding(where, f"is a {status} but has an archived signed "
                                               "summary: a signed consult set back"))
            if addenda.get(cid):
                findings.append(Finding(where, f"is a {status} but has addenda"))
            continue
        if archived is None:
            findings.append(Finding(where, "is signed but its archived summary is missing"))
            continue
        findings += _check_summary(where, body, *archived, signers=signers)
        findings += _check_columns(where, status, body, columns, archived[0],
                                   bool(addenda.get(cid)))
        for row in addenda.get(cid, []):
            findings += _check_addendum(where, cid, archived[0], row, signers=signers)
    findings += _check_audit_chain(con, server=server)
    documents = len(summaries) + sum(1 for rows in addenda.values() for r in rows if r[5])
    return CheckReport(tuple(findings), consults, documents)


def _check_columns(where: str, status: str, body: str, columns: list[Any],
                   summary_sha256: str, has_addenda: bool) -> list[Finding]:
    """The columns the archive lists and searches by must say what the signed record says
    (the list must not show a different pack, signing time or PDF than the record)."""
    pack_id, pack_version, pack_hash, signed_at, pdf_sha256 = columns
    try:
        record = json.loads(body)["consult"]
        expected = (record["pack"]["id"], record["pack"]["version"],
                    record["pack"]["content_hash"], record.get("signed_at"), summary_sha256)
    except (ValueError, KeyError, TypeError):
        return []  # an unreadable body is reported by _check_summary
    found = []
    if (pack_id, pack_version, pack_hash, signed_at, pdf_sha256) != expected:
        found.append(Finding(where, "the archive's columns (pack, signing time or PDF hash) "
                                    "differ from the signed record: they were changed after "
                                    "signing"))
    if has_addenda != (status == "amended"):
        found.append(Finding(where, f"is '{status}' but has {'' if has_addenda else 'no '}"
                                    "addenda: its status was changed"))
    return found


@dataclass(frozen=True, slots=True)
class _Signers:
    """Whose signatures this database accepts, and what is wrong with that list itself."""

    accepted: frozenset[str]  # pinned own and trusted certificate fingerprints
    pinned: bool  # the database has pinned its own certificate (schema 8 and a first signing)
    folder_certificate: str | None  # certificate.pem's fingerprint
    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, con: Any, identity: Path | None, *, server: bool = False) -> _Signers:
        from consult_aid.services.trust import PINNED, TRUST_ADDED

        found = list(_pinned_identity(con, identity, server=server))
        known = _pinned(con, server=server) or {}
        audited = {detail for (detail,) in con.execute(
            "SELECT detail FROM audit_log WHERE action IN (?, ?)", (PINNED, TRUST_ADDED))}
        for fingerprint, role in sorted(known.items()):
            if not any(f"certificate {fingerprint}" in d for d in audited):
                found.append(Finding("trusted certificates",
                                     f"{role} certificate {fingerprint[:16]}… has no audit "
                                     "entry saying it was pinned or trusted: it was added "
                                     "outside Consult Aid"))
        own = any(role == "own" for role in known.values())
        return cls(frozenset(known), own, _own_fingerprint(identity), tuple(found))

    def problem(self, fingerprint: str) -> str | None:
        """Why a PDF signed by ``fingerprint`` is not the clinic's, or None when it is."""
        if self.pinned:
            if fingerprint in self.accepted:
                return None
            return (f"was signed by certificate {fingerprint[:16]}…, which is neither this "
                    "clinic's pinned signing certificate nor one it trusts")
        if self.folder_certificate is None or fingerprint == self.folder_certificate \
                or fingerprint in self.accepted:
            return None
        return (f"was signed by certificate {fingerprint[:16]}…, which is not this data "
                "folder's signing identity: certificate.pem replaced, or signed elsewhere")


_AddendumRow = tuple[str, str, str, str, str | None, bytes | None]


def _addenda(con: Any) -> dict[str, list[_AddendumRow]]:
    """consult id -> (id, written_at, author, text, document sha256, document PDF) rows."""
    found: dict[str, list[_AddendumRow]] = {}
    for cid, *row in con.execute(
            "SELECT a.consult_id, a.id, a.written_at, a.author, a.text, d.sha256, d.pdf "
            "FROM addenda AS a LEFT JOIN documents AS d ON d.id = a.document_id "
            "ORDER BY a.written_at"):
        aid, written_at, author, text, sha, pdf = row
        found.setdefault(cid, []).append(
            (aid, written_at, author, text, sha, None if pdf is None else bytes(pdf)))
    return found


def _check_addendum(where: str, consult_id: str, summary_sha256: str, row: _AddendumRow, *,
                    signers: _Signers) -> list[Finding]:
    from consult_aid.signing.record import addendum_fingerprint_in

    aid, written_at, author, text, sha256, pdf = row
    here = f"{where}, addendum {aid}"
    if pdf is None or sha256 is None:
        return [Finding(here, "has no signed PDF: an addendum is only ever stored with the PDF "
                              "the clinic signed")]
    found = _check_pdf(here, "addendum", sha256, pdf, signers)
    named = addendum_fingerprint_in(pdf)
    addendum = Addendum(written_at=datetime.fromisoformat(written_at), author=author,
                        text=text, id=aid, document_sha256=sha256)
    if named is not None and named != addendum_fingerprint(consult_id, summary_sha256,
                                                           addendum):
        found.append(Finding(here, "the stored addendum differs from the one its signed PDF "
                                   "names: it was changed after signing"))
    return found


def _check_pdf(where: str, what: str, sha256: str, pdf: bytes, signers: _Signers
               ) -> list[Finding]:
    from consult_aid.signing.verify import verify_pdf

    found: list[Finding] = []
    if hashlib.sha256(pdf).hexdigest() != sha256:
        found.append(Finding(where, f"the archived {what} is not the file that was signed "
                                    "(its SHA-256 differs from the one stored)"))
    verification = verify_pdf(pdf)
    if not verification.ok:
        found.append(Finding(where, f"the archived {what}'s signature does not verify: "
                                    + "; ".join(verification.problems)))
    signer = verification.last
    problem = signers.problem(signer.fingerprint) if signer is not None else None
    if problem is not None:
        found.append(Finding(where, f"the archived {what} {problem}"))
    return found


SQLITE_HEADER = b"SQLite format 3\x00"


class DataFolderDamagedError(DamagedDatabaseError):
    """The start-up check found the database damaged, emptied or missing, or the signing
    identity replaced: the data folder is not used until it is restored (or read read-only)."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        super().__init__(
            "The data folder failed its start-up check, so nothing was read or written: "
            + "; ".join(f.line() for f in report.findings)
            + ". Restore it from a backup (consult-aid restore BACKUP), or read what is left "
              "with consult-aid --read-only list, search or export; `consult-aid check` "
              "gives the details.")


# A database up to this size is checked whole at every start (SQLite's quick_check reads every
# page: about 0.1 s for 256 MB when cached). A larger archive (thousands of signed PDFs) is
# checked at start by _probe, and whole by `consult-aid check` and by the window once it is
# open (full_quick_check, off the GUI thread): 17 s for 6.5 GB (30,000 consults) cold.
WHOLE_CHECK_MAX_BYTES = 256 * 1024 * 1024
# Tables that grow with the archive: at start only the ends of their b-trees are read.
_GROWING = frozenset({
    "patients", "consults", "documents", "addenda", "audit_log", "draft_steps", "archive_rows",
    "insight_days", "insight_months", "consult_search_data", "consult_search_idx",
    "consult_search_content", "consult_search_docsize", "patient_search_data",
    "patient_search_idx", "patient_search_content", "patient_search_docsize"})


def quick_check(path: Path, identity: Path | None = None) -> CheckReport:
    """The check at every start, in milliseconds rather than seconds: the database file is
    there if the folder ever had one, not empty, a SQLite file whose pages pass SQLite's
    ``quick_check`` (a large archive: :func:`_probe`); and the signing certificate is the one
    pinned in it. Never writes."""
    marker = path.with_name(DATABASE_MARKER)
    if not path.exists():
        if marker.is_file():
            return _fails(f"{path.name} is missing, though this data folder had a database")
        return CheckReport((), 0, 0)  # a new data folder
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return _fails(f"{path.name} cannot be read ({exc.strerror or exc})")
    if not header:
        if not marker.is_file():
            # another program is creating this folder's database at this moment (the marker
            # is written once it is made); opening it waits for that (storage.creating_lock),
            # and an empty file found then is refused there, never used silently
            return CheckReport((), 0, 0)
        return _fails(f"{path.name} is empty (0 bytes)")
    if header != SQLITE_HEADER:
        return _fails(f"{path.name} is not a SQLite database (damaged or replaced)")
    try:
        con = _read_only(path)
    except sqlite3.Error as exc:
        if _not_damage(exc):
            _raise_storage(exc, path)
        return _fails(f"cannot be opened: {exc}")
    try:
        whole = path.stat().st_size <= WHOLE_CHECK_MAX_BYTES
        rows = [r[0] for r in con.execute("PRAGMA quick_check(5)")] if whole else _probe(con)
        if rows != ["ok"]:
            return CheckReport(tuple(Finding("database", f"damaged: {r}") for r in rows), 0, 0)
        return CheckReport(tuple(_pinned_identity(con, identity)), 0, 0)
    except sqlite3.DatabaseError as exc:
        if _not_damage(exc):
            _raise_storage(exc, path)
        return _fails(f"damaged or not a Consult Aid database: {exc}")
    finally:
        con.close()


def _probe(con: sqlite3.Connection) -> list[str]:
    """The start-up check of a large database, in bounded time: SQLite's quick_check of each
    table that does not grow with the archive (the schema, clinicians, certificates, accounts,
    the audit chain's start), each with its indexes; for each table that grows, its
    first and last rows (the root page and the pages down both edges). Returns ["ok"] or what
    SQLite found (a damaged page raises)."""
    names = [str(r[0]) for r in con.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        if name not in _GROWING:
            rows = [str(r[0]) for r in con.execute(f"PRAGMA quick_check({quoted})")]
            if rows != ["ok"]:
                return rows
            continue
        try:  # one aggregate a query: min() and max() together read every row (11.8 s for
            # the 700 MB search index of 100,000 consults, cold); apart, each is one descent
            con.execute(f"SELECT min(rowid) FROM {quoted}").fetchone()
            con.execute(f"SELECT max(rowid) FROM {quoted}").fetchone()
        except sqlite3.OperationalError as exc:  # a WITHOUT ROWID table: its first row
            if "no such column" not in str(exc):
                raise
            con.execute(f"SELECT * FROM {quoted} LIMIT 1").fetchone()
    return ["ok"]


class CheckStoppedError(Exception):
    """The whole check was stopped before its end (the program is closing): nothing found,
    nothing to tell."""


class WholeCheck:
    """SQLite's quick_check of every page of an archive (seconds for a large one, minutes
    cold), which another thread can stop: closing the program must not wait for it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = threading.Event()  # set while SQLite is checking
        self._ended = threading.Event()
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._stopped = False

    def run(self) -> list[str]:
        """["ok"], or up to five findings. Never writes. Damage that stops the check raises
        sqlite3.DatabaseError; :meth:`stop` raises CheckStoppedError here."""
        with self._lock:
            if self._stopped:
                raise CheckStoppedError
            con = self._con = _read_only(self.path)
        try:
            self.started.set()
            return [str(r[0]) for r in con.execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError as exc:
            if self._stopped:  # interrupted by stop()
                raise CheckStoppedError from exc
            raise
        finally:
            with self._lock:
                self._con = None
            con.close()
            self._ended.set()

    def stop(self) -> None:
        """Stop the check now (from any thread), or before it begins; returns once it ended
        (within milliseconds of asking)."""
        with self._lock:
            self._stopped = True
        # SQLite forgets an interrupt that comes just before its statement starts running:
        # ask again until run() has ended (at most about a second)
        for _ in range(200):
            with self._lock:
                if self._con is None:
                    return
                self._con.interrupt()
            if self._ended.wait(0.005):
                return


def full_quick_check(path: Path) -> list[str]:
    """:meth:`WholeCheck.run` of ``path``, to its end."""
    return WholeCheck(path).run()


def _fails(problem: str) -> CheckReport:
    return CheckReport((Finding("database", problem),), 0, 0)


def _read_only(path: Path) -> sqlite3.Connection:
    """Never writes, and reads a database in a read-only folder too (see connect_read_only)."""
    return connect_read_only(path)


_DAMAGE_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB: the file itself is wrong


def _raise_storage(exc: sqlite3.Error, path: Path) -> NoReturn:
    """The storage error for ``exc``; an I/O error on a disk with no room left is a full disk
    (SQLite reports a shared-memory file it could not grow as I/O, not as full)."""
    code = getattr(exc, "sqlite_errorcode", 0)
    if code & 0xFF == SQLITE_IOERR and shutil.disk_usage(path.parent).free < 1024 * 1024:
        raise DiskFullError("The disk is full: nothing was read or changed. Free some space "
                            "and try again.") from exc
    raise_classified(exc)


def _not_damage(exc: sqlite3.Error) -> bool:
    """A full disk, an I/O error or a permission is the machine's trouble, not the file's: it
    is reported as such (a StorageError), never as damage calling for a restore."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF not in _DAMAGE_CODES


def _pinned(con: Any, *, server: bool = False) -> dict[str, str] | None:
    """fingerprint -> role of every certificate the database accepts; None before pinning
    (a server's archive has had the table from its first schema)."""
    if not server:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = "
                                            "'table'")}
        if "certificates" not in tables:
            return None
    return {fp: role for fp, role in con.execute("SELECT fingerprint, role FROM certificates")}


def _pinned_identity(con: Any, identity: Path | None, *, server: bool = False
                     ) -> list[Finding]:
    """The data folder's certificate.pem, and each clinician's (``identity/accounts/*``, set
    aside ones too), must be one the database pinned as its own."""
    pinned = _pinned(con, server=server)
    own = {fp for fp, role in (pinned or {}).items() if role == "own"}
    if not own or identity is None:
        return []
    found = []
    for label, folder in _identity_folders(identity):
        current = _own_fingerprint(folder)
        if current is not None and current not in own:
            found.append(Finding("signing identity", f"{label} (certificate {current[:16]}…) "
                                 "is not one of the clinic's pinned signing certificates: it "
                                 "was replaced outside Consult Aid"))
    return found


def _identity_folders(identity: Path) -> list[tuple[str, Path]]:
    """(name shown, folder) of the data folder's identity and of each clinician's."""
    folders = [("certificate.pem", identity)]
    accounts = identity / "accounts"
    try:
        children = sorted(p for p in accounts.iterdir() if p.is_dir())
    except OSError:
        children = []
    folders += [(f"accounts/{p.name}/certificate.pem", p) for p in children]
    return folders


def _own_fingerprint(identity: Path | None) -> str | None:
    """The fingerprint of the data folder's certificate.pem, read without cryptography (it is
    compared with the pinned one at every start)."""
    from consult_aid.signing.files import CERT_FILE, has_identity, pem_fingerprint

    if identity is None or not has_identity(identity):
        return None
    try:
        pem = (identity / CERT_FILE).read_bytes()
    except OSError:
        pem = b""
    return pem_fingerprint(pem) or "unreadable certificate.pem"  # matches no pinned one


def _check_audit_chain(con: Any, *, server: bool = False) -> list[Finding]:
    """Each entry's hash against the one it should have; entries before the first hashed one
    (written before the chain existed) are the only ones allowed without a hash."""
    columns = {"hash"} if server else {row[1] for row in con.execute(
        "PRAGMA table_info(audit_log)")}
    if "hash" not in columns:
        return [Finding("audit trail", "has no hash chain (the database is older than this "
                                       "program: open it once in the window to upgrade)")]
    found: list[Finding] = []
    starts = con.execute("SELECT legacy_until FROM audit_chain").fetchall()
    if server and not starts:  # an empty server archive: its chain starts at its first entry
        starts = [(0,)]
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
                   signers: _Signers) -> list[Finding]:
    from consult_aid.signing.record import record_fingerprint_in

    found = _check_pdf(where, "summary", sha256, pdf, signers)
    try:
        consult = consult_from_stored(body)
    except KnownError as exc:
        return [*found, Finding(where, f"the stored record cannot be read: {exc}")]
    if record_fingerprint_in(pdf) not in accepted_fingerprints(consult, STEP_IDS):
        found.append(Finding(where, "the stored record differs from the one its signed "
                                    "summary names (record fingerprint): it was changed "
                                    "after signing"))
    return found
