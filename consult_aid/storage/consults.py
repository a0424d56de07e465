"""The consult aggregate in SQLite: drafts, signing with its archived PDF, addenda, search."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from consult_aid.domain import Addendum, Consult, ConsultStatus, ConsultSummary
from consult_aid.domain.consult import RecordLockedError
from consult_aid.domain.validation import Problem, ValidationError, raise_if
from consult_aid.errors import DamagedDatabaseError, EditConflictError, NotFoundError
from consult_aid.exchange.consult_json import (
    consult_from_stored,
    stored_parts,
    stored_text,
    stored_text_of,
)
from consult_aid.storage.database import Database, latest_version
from consult_aid.storage.folding import FOLD_VERSION
from consult_aid.storage.people import ClinicianRepository, PatientRepository
from consult_aid.storage.search_query import fts_query, tsquery


@dataclass(frozen=True, slots=True)
class ArchivedDocument:
    id: int
    consult_id: str
    kind: str
    sha256: str
    created_at: datetime
    size: int


# A summary's columns come from archive_rows (migration 0009: one narrow row per consult, kept
# by triggers), never from the consult's JSON body: reading a 30 KB body per row to list fifty
# consults cost 60 ms on a server.
_SUMMARY_SELECT = (
    "SELECT c.id, a.patient_name, a.date_of_birth, a.mrn, c.created_at, c.pack_id, "
    "c.pack_version, c.status, a.diagnosis "
    "FROM consults AS c JOIN archive_rows AS a ON a.consult_rowid = c.rowid"
)


def _summary(row: tuple[Any, ...]) -> ConsultSummary:
    cid, name, dob, mrn, created, pack_id, pack_version, status, diagnosis = row
    return ConsultSummary(cid, name, date.fromisoformat(dob), mrn, datetime.fromisoformat(created),
                          pack_id, pack_version, ConsultStatus(status), diagnosis or "")


@dataclass(frozen=True, slots=True)
class ArchiveSummary(ConsultSummary):
    """An archive row: the summary with the decision (its value, "" when none is recorded)
    and the clinician (id and name)."""

    decision: str = ""
    clinician_id: str = ""
    clinician_name: str = ""


@dataclass(frozen=True, slots=True)
class ArchiveFilter:
    """What the archive shows: every field narrows it; empty/None fields do not.

    ``decision`` is a DecisionChoice value, or :data:`NO_DECISION` for consults without one.
    """

    text: str = ""
    since: date | None = None
    until: date | None = None
    pack_id: str | None = None
    status: ConsultStatus | None = None
    decision: str | None = None
    clinician_id: str | None = None


NO_DECISION = "none"
# The archive reads archive_rows (migration 0009): one narrow row per consult, kept by triggers,
# with an index per sort; never the consults' JSON bodies.
# sort key -> SQL expression; every sort ends with the consult's date and rowid (stable pages),
# and each (expression, created_at, rowid) is an index of archive_rows, so a page is a range.
ARCHIVE_SORTS: dict[str, str] = {
    "date": "a.created_at",
    "patient": "a.patient_name COLLATE NOCASE",
    "born": "a.date_of_birth",
    "mrn": "a.mrn COLLATE NOCASE",
    "procedure": "a.pack_id",
    "status": "a.status",
    "decision": "a.decision",
    "clinician": "a.clinician_name COLLATE NOCASE",
}
_ARCHIVE_COLUMNS = (
    "SELECT a.consult_id, a.patient_name, a.date_of_birth, a.mrn, a.created_at, a.pack_id, "
    "a.pack_version, a.status, a.diagnosis, a.decision, a.clinician_id, a.clinician_name"
)
_ARCHIVE_SELECT = f"{_ARCHIVE_COLUMNS} FROM archive_rows AS a"
# A search listed by date (SQLite, schema 15): the index gives its matches in date order
# (consult_search's rowid is archive_rows.date_key), so a page reads its rows and stops, however
# many consults match. CROSS JOIN keeps the index as the outer loop; rowid -1 is the fold marker.
_ARCHIVE_SEARCHED_BY_DATE = (
    f"{_ARCHIVE_COLUMNS} FROM consult_search AS s CROSS JOIN archive_rows AS a "
    "ON a.date_key = s.rowid WHERE consult_search MATCH ? AND s.rowid > 0"
)


# A search that matches more consults than this is "dense": the page walks the sort's index and
# keeps the rows found by the search (a set made once), stopping after a page; fewer matches
# are looked up one by one and sorted. Either way a page reads a few thousand rows at most.
DENSE_MATCHES = 2000
# the archive searches a word from its second letter (one letter matches nearly every consult)
ARCHIVE_WORD_MIN = 2
# the archive rows a search matches: SQLite's index is keyed by archive_rows.date_key (schema
# 15, in date order), the server's by the consult's rowid
_MATCHES = {
    "sqlite": "a.date_key IN (SELECT rowid FROM consult_search WHERE consult_search MATCH ?)",
    "postgresql": "a.consult_rowid IN (SELECT rowid FROM consult_search "
                  "WHERE document @@ to_tsquery('simple', ?))",
}
# A search is counted up to this many consults, and beyond it shown as "more than" (the
# archive view says so). An exact count reads every match: a word most consults hold, or a
# phrase ("MRN-00": its word positions in every consult), costs 6-17 ms at 100,000 consults
# on every keystroke, to tell the clinician a number no narrower than "more than 10,000".
SEARCH_COUNT_LIMIT = 10_000
# how many consults a search finds (up to the limit, and one more), from the index alone
# (SQLite's rowid -1 is the fold marker)
_MATCH_COUNT = {
    "sqlite": "SELECT count(*) FROM (SELECT 1 FROM consult_search WHERE consult_search MATCH ? "
              "AND rowid > 0 LIMIT ?)",
    "postgresql": "SELECT count(*) FROM (SELECT 1 FROM consult_search "
                  "WHERE document @@ to_tsquery('simple', ?) LIMIT ?) AS found",
}


# counts per connection, while the database is unchanged (ConsultRepository._counted)
_COUNTS: weakref.WeakKeyDictionary[Database, dict[Any, Any]] = weakref.WeakKeyDictionary()
_VERSION = ("version",)

# The row version of each draft as this program last read or wrote it, per archive (every
# connection of the process: the window's and its autosave writer's). A save expects it; a
# draft saved meanwhile by another room or program has moved on, and the save is refused.
_SEEN_VERSIONS: dict[tuple[str, str], int] = {}
_SEEN_LIMIT = 10_000


def _seen(db: Database, consult_id: str, version: int) -> None:
    if len(_SEEN_VERSIONS) >= _SEEN_LIMIT:
        for key in list(_SEEN_VERSIONS)[: _SEEN_LIMIT // 2]:
            del _SEEN_VERSIONS[key]
    _SEEN_VERSIONS[(db.location, consult_id)] = version


DISCARDED_ELSEWHERE = (
    "This draft was discarded somewhere else (another room or program) after it was opened "
    "here, so it was not saved again. What is on screen is kept until you leave it; start a "
    "new consult to record it.")
CHANGED_ELSEWHERE = (
    "This consult was saved somewhere else (another room or program) after it was opened "
    "here, so this change was not saved over it. Nothing is lost in that copy; close this "
    "consult and open it again to go on from its latest state.")


def text_query(backend: str, text: str, *, min_length: int = 1) -> str | None:
    """The full-text query for ``text`` in the backend's own language (None: no search)."""
    if backend == "postgresql":
        return tsquery(text, min_length=min_length)
    return fts_query(text, min_length=min_length)


def archive_text_query(text: str, backend: str = "sqlite") -> str | None:
    """The full-text query of what was typed in the archive's search box (None: no search)."""
    return text_query(backend, text, min_length=ARCHIVE_WORD_MIN) if text else None


def _archive_where(f: ArchiveFilter, *, dense: bool = False,
                   backend: str = "sqlite") -> tuple[str, list[Any]]:
    """The WHERE clause of an archive query, with its parameters. ``dense``: the search
    matches many consults (see DENSE_MATCHES)."""
    clauses, params = _archive_clauses(f, dense=dense, backend=backend)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _archive_clauses(f: ArchiveFilter, *, dense: bool = False,
                     backend: str = "sqlite") -> tuple[list[str], list[Any]]:
    """The conditions of an archive query (joined by AND), with their parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    query = archive_text_query(f.text, backend)
    if query is not None:
        # '+' keeps the planner from driving the query by the matches (then sorting them all)
        clauses.append(f"{'+' if dense else ''}{_MATCHES[backend]}")
        params.append(query)
    # created_at is ISO 8601 in local time: its first ten characters are the consult's day,
    # so plain string comparison against day boundaries uses the created_at index
    if f.since is not None:
        clauses.append("a.created_at >= ?")
        params.append(f.since.isoformat())
    if f.until is not None:
        clauses.append("a.created_at < ?")
        params.append((f.until + timedelta(days=1)).isoformat())
    if f.pack_id:
        clauses.append("a.pack_id = ?")
        params.append(f.pack_id)
    if f.status is not None:
        clauses.append("a.status = ?")
        params.append(f.status.value)
    if f.decision == NO_DECISION:
        clauses.append("a.decision = ''")
    elif f.decision:
        clauses.append("a.decision = ?")
        params.append(f.decision)
    if f.clinician_id:
        clauses.append("a.clinician_id = ?")
        params.append(f.clinician_id)
    return clauses, params


def _no_filter(f: ArchiveFilter) -> bool:
    """True when nothing but the search narrows ``f`` (a filter set to "any" adds no
    condition)."""
    return not _archive_clauses(dataclasses.replace(f, text=""))[0]


def _archive_summary(row: tuple[Any, ...]) -> ArchiveSummary:
    cid, name, dob, mrn, created, pack_id, pack_version, status, diagnosis, decision, \
        clinician_id, clinician_name = row
    return ArchiveSummary(cid, name, date.fromisoformat(dob), mrn,
                          datetime.fromisoformat(created), pack_id, pack_version,
                          ConsultStatus(status), diagnosis or "", decision or "",
                          clinician_id, clinician_name)


# parts of a consult that change with every save, not with what anyone entered
_BOOKKEEPING = frozenset({"id", "updated_at", "status"})


def changed_parts(before: str | None, after: str) -> list[str]:
    """The top-level parts of the consult (``patient``, ``history`` ...) that differ between two
    stored bodies; every non-empty part when there was none before."""
    new = json.loads(after)["consult"]
    old = json.loads(before)["consult"] if before else {}
    return sorted(k for k in new.keys() | old.keys()
                  if k not in _BOOKKEEPING and new.get(k) != old.get(k)
                  and (before or new.get(k) not in (None, "", [], {})))


def _body(consult: Consult) -> str:
    """What the consult row keeps: the JSON form without addenda (they have their own table)."""
    return stored_text(dataclasses.replace(consult, addenda=[]))


def _changed_texts(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """:func:`changed_parts` of two bodies' part texts (one writer, one form: equal values
    are equal texts)."""
    return sorted(k for k in after.keys() | before.keys()
                  if k not in _BOOKKEEPING and after.get(k) != before.get(k))


# The parts of each draft as this program stored them last, with the row version they were
# stored at: the next autosave of that draft compares its parts with them instead of reading
# the stored body back and parsing both (issue 16). A window has one draft open at a time.
_STORED_PARTS: OrderedDict[tuple[str, str], tuple[int, dict[str, str]]] = OrderedDict()
_STORED_PARTS_LIMIT = 8


def _stored(db: Database, consult_id: str, version: int, parts: dict[str, str]) -> None:
    """After a save has committed: the version this program saw, and the parts it wrote."""
    key = (db.location, consult_id)
    _seen(db, consult_id, version)
    _STORED_PARTS[key] = (version, parts)
    _STORED_PARTS.move_to_end(key)
    while len(_STORED_PARTS) > _STORED_PARTS_LIMIT:
        _STORED_PARTS.popitem(last=False)


def _last_stored(db: Database, consult_id: str, version: int) -> dict[str, str] | None:
    """The parts this program wrote at ``version`` of the draft, if it wrote that version."""
    kept = _STORED_PARTS.get((db.location, consult_id))
    return kept[1] if kept is not None and kept[0] == version else None


def _forget(db: Database, consult_id: str) -> None:
    _SEEN_VERSIONS.pop((db.location, consult_id), None)
    _STORED_PARTS.pop((db.location, consult_id), None)


# The search index (consult_search, patient_search) holds text folded by consult_fold. Which
# fold built it is kept in one row of consult_search that no consult has (consults' rowids
# start at 1), so an index built by an earlier fold is rebuilt once, without a migration.
_FOLD_MARKER_ROWID = -1
_latest_version = functools.cache(latest_version)  # reads the migration files once
_FOLD_MARKER = f"consult_fold {FOLD_VERSION}"
_CONSULT_SEARCH_ROWS = (  # keyed by each consult's date_key (schema 15)
    "INSERT INTO consult_search(rowid, patient_name, mrn, diagnosis, free_text) "
    "SELECT a.date_key, consult_fold(json_extract(c.body, '$.consult.patient.name')), "
    "consult_fold(json_extract(c.body, '$.consult.patient.mrn')), "
    "consult_fold(json_extract(c.body, '$.consult.condition.diagnosis')), "
    "consult_fold((SELECT group_concat(value, ' ') FROM json_tree(c.body, '$.consult') "
    "WHERE type = 'text')) FROM consults AS c JOIN archive_rows AS a ON a.consult_rowid = c.rowid"
)
_PATIENT_SEARCH_ROWS = ("INSERT INTO patient_search(rowid, name, mrn) "
                        "SELECT rowid, consult_fold(name), consult_fold(mrn) FROM patients")


def search_index_is_current(db: Database) -> bool:
    """True when the search index was built by today's fold (one lookup by rowid)."""
    row = db.query_one("SELECT free_text FROM consult_search WHERE rowid = ?",
                       (_FOLD_MARKER_ROWID,))
    return row is not None and row[0] == _FOLD_MARKER


def refresh_search_index(db: Database) -> bool:
    """Rebuild the consult and patient search index with today's fold when an earlier one
    built it (a database from before "mueller" found "Müller"); True when it was rebuilt.

    The triggers (and :func:`index_pending`, for drafts) keep it current from then on. A
    database at an older schema (opened on purpose below the latest version) is left alone.
    """
    if db.backend != "sqlite" or db.version < _latest_version() or search_index_is_current(db):
        return False
    with db.transaction() as con:
        if search_index_is_current(db):  # another connection rebuilt it meanwhile
            return False
        con.execute("DELETE FROM consult_search")
        con.execute(_CONSULT_SEARCH_ROWS)
        con.execute("DELETE FROM patient_search")
        con.execute(_PATIENT_SEARCH_ROWS)
        con.execute("DELETE FROM search_pending")
        con.execute("INSERT INTO consult_search(rowid, free_text) VALUES (?, ?)",
                    (_FOLD_MARKER_ROWID, _FOLD_MARKER))
    return True


SEARCH_PENDING_SCHEMA = 14  # the SQLite schema that indexes drafts when searched


def index_pending(db: Database) -> int:
    """Index the drafts changed since they were last searched (SQLite migration 14: an
    autosave only notes them), so that a search reads the text as saved; returns how many.

    A read-only connection, or one inside a read already (its snapshot would not see the
    write), leaves them: such a search finds those drafts by their text as last indexed.
    """
    if (db.backend != "sqlite" or db.read_only or db.connection.in_transaction
            or db.version < SEARCH_PENDING_SCHEMA
            or db.query_one("SELECT 1 FROM search_pending LIMIT 1") is None):
        return 0
    with db.transaction() as con:
        pending = "SELECT consult_rowid FROM search_pending"
        con.execute("DELETE FROM consult_search WHERE rowid IN (SELECT date_key FROM "
                    f"archive_rows WHERE consult_rowid IN ({pending}))")
        con.execute(f"{_CONSULT_SEARCH_ROWS} WHERE c.rowid IN ({pending})")
        return int(con.execute("DELETE FROM search_pending").rowcount)


class ConsultRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.patients = PatientRepository(db)
        self.clinicians = ClinicianRepository(db)
        if not db.search_index_checked:  # once per connection, not on every repository
            refresh_search_index(db)
            db.search_index_checked = True

    # -- drafts -------------------------------------------------------------------------------
    def save_draft(self, consult: Consult, *, step: str = "") -> list[str]:
        """Insert or update a draft (and its patient and clinician), with the window's step
        when one is given. A signed one is refused. Returns the names of the consult's parts
        that changed (``patient``, ``history`` ...; every part of a new one): the audit trail
        names them, and a role may change only some."""
        consult.ensure_editable()
        raise_if(consult.problems())
        # a new patient's or clinician's id is given before the body is made, so that the
        # stored body names the rows it refers to (it once kept "" and the next save added
        # the patient again)
        for person in (consult.patient, consult.clinician):
            if not person.id:
                person.id = uuid.uuid4().hex
        parts = stored_parts(dataclasses.replace(consult, addenda=[]))
        body = stored_text_of(parts)
        with self.db.transaction() as con:
            before = con.execute("SELECT row_version, status FROM consults WHERE id = ?",
                                 (consult.id,)).fetchone()
            last = None
            if before is not None and before[1] == ConsultStatus.DRAFT.value:
                self._require_seen(consult.id, int(before[0]))
                last = _last_stored(self.db, consult.id, int(before[0]))
            elif before is None and (self.db.location, consult.id) in _SEEN_VERSIONS:
                raise EditConflictError(DISCARDED_ELSEWHERE)  # never brought back unasked
            if last is not None:
                changed = _changed_texts(last, parts)
            else:  # a new draft, or one this program has not written yet: read it back
                stored = con.execute("SELECT body FROM consults WHERE id = ?",
                                     (consult.id,)).fetchone() if before is not None else None
                changed = changed_parts(stored[0] if stored else None, body)
            if last is None or "patient" in changed:
                self.patients.save(consult.patient, today=consult.created_at.date())
            if last is None or "clinician" in changed:
                self.clinicians.save(consult.clinician)
            row = con.execute(
                "INSERT INTO consults(id, patient_id, clinician_id, pack_id, pack_version, "
                "pack_hash, status, created_at, updated_at, body) "
                "VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET patient_id=excluded.patient_id, "
                "clinician_id=excluded.clinician_id, pack_id=excluded.pack_id, "
                "pack_version=excluded.pack_version, pack_hash=excluded.pack_hash, "
                "updated_at=excluded.updated_at, body=excluded.body, "
                "row_version=consults.row_version + 1 "
                "WHERE consults.status = 'draft' RETURNING row_version",
                (consult.id, consult.patient.id, consult.clinician.id, consult.pack.id,
                 consult.pack.version, consult.pack.content_hash,
                 consult.created_at.isoformat(), consult.updated_at.isoformat(), body),
            ).fetchone()
            if row is None:
                raise RecordLockedError("This consult is signed and can no longer be changed; "
                                        "add an addendum instead.")
            # remembered once the save has committed: a save rolled back (a part this account
            # may not change, a full disk) leaves the stored version the one to expect
            self.db.after_commit(functools.partial(_stored, self.db, consult.id, int(row[0]),
                                                   parts))
            if step:
                con.execute("INSERT INTO draft_steps(consult_id, step_id) VALUES (?, ?) "
                            "ON CONFLICT(consult_id) DO UPDATE SET step_id = excluded.step_id",
                            (consult.id, step))
        return changed

    def _require_seen(self, consult_id: str, stored: int) -> None:
        """Refuse a write over a draft version this program has not seen (saved meanwhile by
        another room or program). A draft this program never read is new to it: nothing to
        compare (an import, a first save)."""
        expected = _SEEN_VERSIONS.get((self.db.location, consult_id))
        if expected is not None and expected != stored:
            raise EditConflictError(CHANGED_ELSEWHERE)

    def row_version(self, consult_id: str) -> int | None:
        """The draft's row version as stored (None: no such consult)."""
        row = self.db.query_one("SELECT row_version FROM consults WHERE id = ?", (consult_id,))
        return None if row is None else int(row[0])

    def last_step(self, consult_id: str) -> str:
        """The step a draft was last shown on in the window ("" when none was stored)."""
        row = self.db.query_one("SELECT step_id FROM draft_steps WHERE consult_id = ?",
                                (consult_id,))
        return str(row[0]) if row else ""

    # -- signing and amending -----------------------------------------------------------------
    def sign(self, consult: Consult, pdf: bytes) -> str:
        """Store the signed consult and its archived summary PDF in one transaction.

        ``consult`` must be in its signed state already (status, signed_at, signatures). Returns
        the PDF's SHA-256. Afterwards SQL triggers keep both unchangeable.
        """
        if consult.status is not ConsultStatus.SIGNED or consult.signed_at is None:
            raise ValueError("sign() needs a consult in its signed state with signed_at set")
        if not consult.signatures:
            raise ValidationError([Problem("signatures", "Nobody has signed yet.")])
        raise_if(consult.problems())
        sha256 = hashlib.sha256(pdf).hexdigest()
        consult.pdf_sha256 = sha256
        with self.db.transaction() as con:
            row = con.execute("SELECT status, row_version FROM consults WHERE id = ?",
                              (consult.id,)).fetchone()
            if row is None:
                self.save_draft(dataclasses.replace(consult, status=ConsultStatus.DRAFT))
            elif row[0] != ConsultStatus.DRAFT.value:
                raise RecordLockedError("This consult is already signed.")
            else:  # the record signed must be the draft as this program last saw it
                self._require_seen(consult.id, int(row[1]))
            con.execute(
                "INSERT INTO documents(consult_id, kind, sha256, created_at, pdf) "
                "VALUES (?, 'summary', ?, ?, ?)",
                (consult.id, sha256, consult.signed_at.isoformat(), pdf),
            )
            con.execute(
                "UPDATE consults SET status = 'signed', signed_at = ?, pdf_sha256 = ?, "
                "updated_at = ?, body = ?, row_version = row_version + 1 WHERE id = ?",
                (consult.signed_at.isoformat(), sha256, consult.updated_at.isoformat(),
                 _body(consult), consult.id),
            )
        return sha256

    def add_addendum(self, consult_id: str, addendum: Addendum, pdf: bytes | None = None) -> None:
        """Append a note to a signed consult; the consult becomes 'amended'."""
        problems = []
        if not addendum.text.strip():
            problems.append(Problem("addendum.text", "Write the addendum's text."))
        if not addendum.author.strip():
            problems.append(Problem("addendum.author", "Enter who wrote the addendum."))
        if addendum.written_at.utcoffset() is None:
            problems.append(Problem("addendum.written_at", "The time needs a time zone."))
        raise_if(problems)
        if not addendum.id:
            addendum.id = uuid.uuid4().hex
        with self.db.transaction() as con:
            document_id = None
            if pdf is not None:
                addendum.document_sha256 = hashlib.sha256(pdf).hexdigest()
                inserted = con.execute(
                    "INSERT INTO documents(consult_id, kind, sha256, created_at, pdf) "
                    "VALUES (?, 'addendum', ?, ?, ?) RETURNING id",
                    (consult_id, addendum.document_sha256, addendum.written_at.isoformat(), pdf),
                ).fetchone()
                document_id = int(inserted[0]) if inserted else None
            con.execute(
                "INSERT INTO addenda(id, consult_id, written_at, author, text, document_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (addendum.id, consult_id, addendum.written_at.isoformat(), addendum.author,
                 addendum.text, document_id),
            )
            con.execute("UPDATE consults SET status = 'amended', updated_at = ? WHERE id = ?",
                        (addendum.written_at.isoformat(), consult_id))

    # -- reading ------------------------------------------------------------------------------
    def get(self, consult_id: str) -> Consult:
        row = self.db.query_one("SELECT status, body, row_version FROM consults WHERE id = ?",
                                (consult_id,))
        if row is None:
            raise NotFoundError(f"No consult with id {consult_id}.")
        _seen(self.db, consult_id, int(row[2]))
        consult = consult_from_stored(row[1])
        consult.status = ConsultStatus(row[0])
        consult.addenda = self._addenda(consult_id)
        return consult

    def exists(self, consult_id: str) -> bool:
        return self.db.query_one("SELECT 1 FROM consults WHERE id = ?", (consult_id,)) is not None

    def _addenda(self, consult_id: str) -> list[Addendum]:
        rows = self.db.query(
            "SELECT a.id, a.written_at, a.author, a.text, coalesce(d.sha256, '') "
            "FROM addenda AS a LEFT JOIN documents AS d ON d.id = a.document_id "
            "WHERE a.consult_id = ? ORDER BY a.written_at, a.rowid", (consult_id,)
        )
        return [Addendum(id=i, written_at=datetime.fromisoformat(w), author=au, text=t,
                         document_sha256=sha) for i, w, au, t, sha in rows]

    def summaries(self, limit: int = 100, offset: int = 0,
                  status: ConsultStatus | None = None) -> list[ConsultSummary]:
        if status is None:
            rows = self.db.query(
                f"{_SUMMARY_SELECT} ORDER BY c.created_at DESC, c.rowid DESC LIMIT ? OFFSET ?",
                (limit, offset),
            )
        else:
            rows = self.db.query(
                f"{_SUMMARY_SELECT} WHERE c.status = ? "
                "ORDER BY c.created_at DESC, c.rowid DESC LIMIT ? OFFSET ?",
                (status.value, limit, offset),
            )
        return [_summary(r) for r in rows]

    def drafts(self, limit: int = 100) -> list[ConsultSummary]:
        return self.summaries(limit=limit, status=ConsultStatus.DRAFT)

    def count(self, status: ConsultStatus | None = None) -> int:
        if status is None:
            row = self.db.query_one("SELECT count(*) FROM consults")
        else:
            row = self.db.query_one("SELECT count(*) FROM consults WHERE status = ?",
                                    (status.value,))
        return int(row[0]) if row else 0

    def search(self, text: str, limit: int = 100) -> list[ConsultSummary]:
        """Consults whose patient name, MRN, diagnosis or any free text match every word typed."""
        query = text_query(self.db.backend, text)
        if query is None:
            return self.summaries(limit=limit)
        index_pending(self.db)
        if self.db.backend == "postgresql":
            rows = self.db.query(
                f"{_SUMMARY_SELECT} JOIN consult_search AS s ON s.rowid = c.rowid "
                "WHERE s.document @@ to_tsquery('simple', ?) "
                "ORDER BY ts_rank(s.document, to_tsquery('simple', ?)) DESC, c.created_at DESC "
                "LIMIT ?", (query, query, limit))
        else:
            rows = self.db.query(
                f"{_SUMMARY_SELECT} JOIN consult_search AS s ON s.rowid = a.date_key "
                "WHERE consult_search MATCH ? ORDER BY s.rank, c.created_at DESC LIMIT ?",
                (query, limit),
            )
        return [_summary(r) for r in rows]

    def archive_page(self, f: ArchiveFilter, *, sort: str = "date", descending: bool = True,
                     offset: int = 0, limit: int = 100) -> list[ArchiveSummary]:
        """One page of the archive as filtered and sorted, all in SQL."""
        if sort not in ARCHIVE_SORTS:
            raise ValueError(f"unknown archive sort {sort!r}; one of {sorted(ARCHIVE_SORTS)}")
        direction = "DESC" if descending else "ASC"
        query = archive_text_query(f.text, self.db.backend)
        if sort == "date" and query is not None and self.db.backend == "sqlite" and _no_filter(f):
            # the search alone, by date: the index's own order (with filters too, the rows
            # read before a page is full grow as the filters narrow: the filters' indexes
            # and the set of matches do better)
            index_pending(self.db)
            rows = self.db.query(f"{_ARCHIVE_SEARCHED_BY_DATE} ORDER BY s.rowid {direction} "
                                 "LIMIT ? OFFSET ?", (query, max(0, limit), max(0, offset)))
            return [_archive_summary(r) for r in rows]
        where, params = self._where(f)
        tie = "" if sort == "date" else f", a.created_at {direction}"
        rows = self.db.query(
            f"{_ARCHIVE_SELECT}{where} ORDER BY {ARCHIVE_SORTS[sort]} {direction}{tie}, "
            f"a.consult_rowid {direction} LIMIT ? OFFSET ?",
            (*params, max(0, limit), max(0, offset)))
        return [_archive_summary(r) for r in rows]

    def archive_count(self, f: ArchiveFilter) -> int:
        """How many consults the filter lets through; a search alone is counted up to
        :data:`SEARCH_COUNT_LIMIT` (more than that: the limit and one)."""
        matches = self._matches(f)
        if matches is not None and _no_filter(f):
            return matches  # the search alone
        where, params = self._where(f)
        return self._counted(f"SELECT count(*) FROM archive_rows AS a{where}", params)

    def _where(self, f: ArchiveFilter) -> tuple[str, list[Any]]:
        """:func:`_archive_where` for ``f``, dense or not; a search that every consult
        matches ("mrn" while an MRN is typed) narrows nothing and is left out (seen while the
        archive holds no more than SEARCH_COUNT_LIMIT consults)."""
        matches = self._matches(f)
        if matches is not None and matches >= self._counted("SELECT count(*) FROM archive_rows"):
            f = dataclasses.replace(f, text="")
        return _archive_where(f, dense=matches is not None and matches > DENSE_MATCHES,
                              backend=self.db.backend)

    def _matches(self, f: ArchiveFilter) -> int | None:
        """How many consults the search finds, up to SEARCH_COUNT_LIMIT and one more (None:
        no search), from the index alone."""
        query = archive_text_query(f.text, self.db.backend)
        if query is None:
            return None
        index_pending(self.db)
        return self._counted(_MATCH_COUNT[self.db.backend], (query, SEARCH_COUNT_LIMIT + 1))

    def _counted(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
        """A count, remembered while the database is unchanged (:meth:`Database.counts_version`):
        a keystroke's page and total (and a sort, or paging) ask the same counts again."""
        version = self.db.counts_version()
        cache = _COUNTS.setdefault(self.db, {})
        if cache.get(_VERSION) != version:
            cache.clear()
            cache[_VERSION] = version
        key = (sql, *params)
        if key not in cache:
            cache[key] = self.db.count(sql, params)
            if len(cache) > 64:  # a few searches' worth
                for old in list(cache)[1:33]:
                    del cache[old]
        return int(cache[key])

    def archive_clinicians(self) -> list[tuple[str, str]]:
        """(id, name) of every clinician who has a consult, by name."""
        rows = self.db.query(
            "SELECT k.id, k.name FROM clinicians AS k WHERE EXISTS "
            "(SELECT 1 FROM archive_rows AS a WHERE a.clinician_id = k.id) "
            "ORDER BY k.name COLLATE NOCASE")
        return [(str(i), str(n)) for i, n in rows]

    def archive_packs(self) -> list[str]:
        """The pack ids the archive has consults of."""
        return [str(r[0]) for r in self.db.query("SELECT DISTINCT pack_id FROM archive_rows "
                                                 "ORDER BY pack_id")]

    def discard_draft(self, consult_id: str) -> ConsultSummary:
        """Delete a draft (its window step goes with it); a signed consult is refused. Returns
        the draft's summary as it was."""
        with self.db.transaction() as con:
            row = con.execute(f"{_SUMMARY_SELECT} WHERE c.id = ?", (consult_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"No consult with id {consult_id}.")
            summary = _summary(row)
            if summary.status is not ConsultStatus.DRAFT:
                raise RecordLockedError("This consult is signed: it is kept, never discarded.")
            con.execute("DELETE FROM consults WHERE id = ? AND status = 'draft'", (consult_id,))
            self.db.after_commit(functools.partial(_forget, self.db, consult_id))
        return summary

    # -- archive ------------------------------------------------------------------------------
    def documents(self, consult_id: str) -> list[ArchivedDocument]:
        rows = self.db.query(
            "SELECT id, consult_id, kind, sha256, created_at, length(pdf) FROM documents "
            "WHERE consult_id = ? ORDER BY id", (consult_id,)
        )
        return [ArchivedDocument(i, c, k, s, datetime.fromisoformat(t), n)
                for i, c, k, s, t, n in rows]

    def document(self, consult_id: str, kind: str = "summary") -> bytes:
        """The archived PDF (the one copy: the database keeps it), checked against the SHA-256
        recorded when it was stored; a PDF that no longer matches is never handed out."""
        row = self.db.query_one(
            "SELECT pdf, sha256 FROM documents WHERE consult_id = ? AND kind = ? "
            "ORDER BY id DESC LIMIT 1", (consult_id, kind))
        if row is None:
            raise NotFoundError(f"Consult {consult_id} has no archived {kind} PDF.")
        return checked_pdf(bytes(row[0]), str(row[1]), consult_id)

    def document_by_sha256(self, consult_id: str, sha256: str) -> bytes:
        """One archived PDF of a consult by its SHA-256 (an addendum's), checked on read."""
        row = self.db.query_one("SELECT pdf, sha256 FROM documents WHERE consult_id = ? AND "
                                "sha256 = ?", (consult_id, sha256.lower()))
        if row is None:
            raise NotFoundError(f"Consult {consult_id} has no archived PDF with that SHA-256.")
        return checked_pdf(bytes(row[0]), str(row[1]), consult_id)

    def find_by_pdf_sha256(self, sha256: str) -> ConsultSummary | None:
        row = self.db.query_one(
            f"{_SUMMARY_SELECT} WHERE c.id = "
            "(SELECT consult_id FROM documents WHERE sha256 = ? LIMIT 1)", (sha256.lower(),))
        return _summary(row) if row else None


def checked_pdf(pdf: bytes, recorded_sha256: str, consult_id: str) -> bytes:
    """``pdf`` when its SHA-256 is the one recorded with it, else a known error."""
    if hashlib.sha256(pdf).hexdigest() != recorded_sha256:
        raise DamagedDatabaseError(
            f"The archived PDF of consult {consult_id} no longer matches the fingerprint "
            "recorded when it was signed: the database is damaged or was changed. Restore it "
            "from a backup.")
    return pdf
