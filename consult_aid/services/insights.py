"""What patients find hard: per benefit or risk, how often the teach-back showed it not yet
understood, counted over the archive.

Only **signed and amended** consults count: a draft's answers are not final. Everything is
counted in SQLite, never by loading the consults, and the report holds counts only — no
patient, no consult id. A signed consult's marks are added, when it is signed, to sums per
month and per day (tables ``insight_months`` and ``insight_days``, kept by a trigger: migration
0010), so a count reads whole months plus the days of a partial month at either end of the
date filter: milliseconds at 100,000 consults, where reading every consult's JSON took ~20 s.
``insights(..., recount=True)`` still counts from the consults' JSON, to check the sums against.

What is counted, per pack item (by pack id and item id), over the consults that match the
filters:

- ``discussed``: consults in which the item was marked discussed;
- ``partly`` / ``not_yet``: of those, the teach-back level recorded at signing;
- ``re_explained``: of those, the consults in which it was explained again and checked
  (``Understanding.re_explained``).

The level is the one recorded at signing: an item explained again until understood counts as
re-explained and understood, not as partly. A consult that goes ahead needs every item
understood, so "partly" and "not yet" come from consults that declined, waited or asked for
more information; re-explained shows the effort in all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from consult_aid.domain.accounts import Account, Permission
from consult_aid.services.accounts import permit
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress

FINAL_STATUSES = ("signed", "amended")


class _Item(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class _Pack(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    def items(self) -> Iterable[_Item]: ...


@dataclass(frozen=True, slots=True)
class ItemInsight:
    """One pack item's counts. ``consults`` is how many consults with its pack matched."""

    pack_id: str
    item_id: str
    consults: int
    discussed: int
    partly: int
    not_yet: int
    re_explained: int

    @property
    def hard(self) -> int:
        """Marked partly or not yet understood."""
        return self.partly + self.not_yet

    @property
    def hard_share(self) -> float:
        """Of the consults that discussed it, the share marked partly or not yet (0 to 1)."""
        return self.hard / self.discussed if self.discussed else 0.0

    @property
    def discussed_share(self) -> float:
        """Its share of consults: discussed in this many of the pack's consults (0 to 1)."""
        return self.discussed / self.consults if self.consults else 0.0


@dataclass(frozen=True, slots=True)
class InsightsFilter:
    pack_id: str | None = None
    clinician_id: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class InsightsReport:
    """Counts over signed and amended consults, hardest item first."""

    filter: InsightsFilter
    consults: int  # signed and amended consults that match the filter
    consults_by_pack: dict[str, int] = field(default_factory=dict)
    items: tuple[ItemInsight, ...] = ()
    first_day: date | None = None  # the earliest and latest consult counted
    last_day: date | None = None

    @property
    def empty(self) -> bool:
        return self.consults == 0


def _where(f: InsightsFilter) -> tuple[str, list[Any]]:
    clauses = [f"c.status IN ({', '.join('?' * len(FINAL_STATUSES))})"]
    params: list[Any] = list(FINAL_STATUSES)
    if f.pack_id:
        clauses.append("c.pack_id = ?")
        params.append(f.pack_id)
    if f.clinician_id:
        clauses.append("c.clinician_id = ?")
        params.append(f.clinician_id)
    # created_at is ISO 8601 with the clinic's offset: the consult's own calendar day is its
    # first ten characters, and the string comparisons below use the created_at index.
    if f.since is not None:
        clauses.append("c.created_at >= ?")
        params.append(f.since.isoformat())
    if f.until is not None:
        clauses.append("c.created_at < ?")
        params.append((f.until + timedelta(days=1)).isoformat())
    return " AND ".join(clauses), params


# the full recount from the consults' JSON (json_each): what the sums must agree with
_ITEMS_SQL = (
    "SELECT c.pack_id, u.key, count(*), "
    "sum(json_extract(u.value, '$.level') = 'partly'), "
    "sum(json_extract(u.value, '$.level') = 'not_yet'), "
    "sum(coalesce(json_extract(u.value, '$.re_explained'), 0) = 1) "
    "FROM consults AS c, json_each(c.body, '$.consult.understanding') AS u "
    "WHERE {where} AND json_extract(u.value, '$.discussed') = 1 "
    "GROUP BY c.pack_id, u.key"
)
# the same recount on a PostgreSQL server (jsonb; JSON true is the text 'true' there)
_ITEMS_SQL_PG = (
    "SELECT c.pack_id, u.key, count(*), "
    "count(*) FILTER (WHERE u.value->>'level' = 'partly'), "
    "count(*) FILTER (WHERE u.value->>'level' = 'not_yet'), "
    "count(*) FILTER (WHERE u.value->>'re_explained' = 'true') "
    "FROM consults AS c, jsonb_each(c.body::jsonb -> 'consult' -> 'understanding') AS u "
    "WHERE {where} AND u.value->>'discussed' = 'true' "
    "GROUP BY c.pack_id, u.key"
)
# archive_rows (migration 0009) has the consults' status, pack, clinician and date, indexed
_CONSULTS_SQL = ("SELECT c.pack_id, count(*), min(substr(c.created_at, 1, 10)), "
                 "max(substr(c.created_at, 1, 10)) FROM archive_rows AS c WHERE {where} "
                 "GROUP BY c.pack_id")
_SUMS = "pack_id, item_id, discussed, partly, not_yet, re_explained"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _spans(since: date | None, until: date | None
           ) -> tuple[tuple[str | None, str | None] | None, list[tuple[str, str]]]:
    """The date filter as whole months (first and last 'YYYY-MM', None: open; None when no
    whole month is inside) and the ('YYYY-MM-DD', 'YYYY-MM-DD') day ranges left over at
    either end."""
    first = since if since is None or since.day == 1 else _next_month(since)
    after = None if until is None else until + timedelta(days=1)
    end = after if after is None or after.day == 1 else _month_start(after)  # exclusive
    if first is not None and end is not None and first >= end:
        assert since is not None and until is not None
        return None, [(since.isoformat(), until.isoformat())]
    days: list[tuple[str, str]] = []
    if since is not None and first is not None and since < first:
        days.append((since.isoformat(), (first - timedelta(days=1)).isoformat()))
    if until is not None and end is not None and end <= until:
        days.append((end.isoformat(), until.isoformat()))
    last = None if end is None else (end - timedelta(days=1)).strftime("%Y-%m")
    return (None if first is None else first.strftime("%Y-%m"), last), days


def _item_sums(db: Database, f: InsightsFilter) -> list[tuple[Any, ...]]:
    """(pack, item, discussed, partly, not yet, re-explained) from the signed sums."""
    narrow, narrow_params = "", []
    if f.pack_id:
        narrow += " AND pack_id = ?"
        narrow_params.append(f.pack_id)
    if f.clinician_id:
        narrow += " AND clinician_id = ?"
        narrow_params.append(f.clinician_id)
    months, days = _spans(f.since, f.until)
    parts: list[str] = []
    params: list[Any] = []
    if months is not None:
        low, high = months
        parts.append(f"SELECT {_SUMS} FROM insight_months WHERE month >= ? AND month <= ?"
                     + narrow)
        params += [low or "", high or "9999-12", *narrow_params]
    for low_day, high_day in days:
        parts.append(f"SELECT {_SUMS} FROM insight_days WHERE day >= ? AND day <= ?" + narrow)
        params += [low_day, high_day, *narrow_params]
    return db.query(
        "SELECT pack_id, item_id, sum(discussed), sum(partly), sum(not_yet), "
        f"sum(re_explained) FROM ({' UNION ALL '.join(parts)}) AS sums GROUP BY pack_id, item_id",
        params)


def insights_in_own_connection(database: Path | ServerAddress, f: InsightsFilter, actor: Account
                               ) -> InsightsReport:
    """:func:`insights` on a read-only connection of its own (closed after), for a worker
    thread: a connection belongs to the thread that opened it, and counting a large archive
    takes seconds the window must not wait."""
    from consult_aid.services.store import open_store

    with open_store(database, read_only=True) as db:
        db.account = actor
        return insights(db, pack_id=f.pack_id, clinician_id=f.clinician_id, since=f.since,
                        until=f.until)


def insights(db: Database, *, pack_id: str | None = None, clinician_id: str | None = None,
             since: date | None = None, until: date | None = None,
             recount: bool = False) -> InsightsReport:
    """Per pack item, over signed and amended consults from ``since`` to ``until`` (both
    days included, the consult's own date), how often it was discussed, marked partly or not
    yet understood, and explained again; hardest first (by the share of its discussions
    marked partly or not yet, then by how many). From the sums kept at signing; with
    ``recount`` from every consult's JSON instead (slow: to check the sums). Counts only,
    for an account that may view consults."""
    permit(db, Permission.VIEW_CONSULTS)
    f = InsightsFilter(pack_id or None, clinician_id or None, since, until)
    where, params = _where(f)
    by_pack: dict[str, int] = {}
    days: list[str] = []
    for pid, count, first, last in db.query(_CONSULTS_SQL.format(where=where), params):
        by_pack[str(pid)] = int(count)
        days += [str(first), str(last)]
    total = sum(by_pack.values())
    if not total:
        return InsightsReport(f, 0)
    rows = [ItemInsight(str(pid), str(key), by_pack.get(str(pid), 0), int(n), int(partly or 0),
                        int(not_yet or 0), int(again or 0))
            for pid, key, n, partly, not_yet, again
            in (db.query((_ITEMS_SQL_PG if db.backend == "postgresql" else _ITEMS_SQL)
                         .format(where=where), params) if recount
                else _item_sums(db, f))]
    rows.sort(key=lambda r: (-r.hard_share, -r.hard, -r.re_explained, -r.discussed,
                             r.pack_id, r.item_id))
    return InsightsReport(f, total, by_pack, tuple(rows), date.fromisoformat(min(days)),
                          date.fromisoformat(max(days)))


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """What the filters can offer: the packs and clinicians of signed consults."""

    pack_ids: tuple[str, ...]
    clinicians: tuple[tuple[str, str], ...]  # (id, name), by name


def filter_choices(db: Database) -> FilterChoices:
    permit(db, Permission.VIEW_CONSULTS)
    status = ", ".join("?" * len(FINAL_STATUSES))
    packs = db.query(f"SELECT DISTINCT pack_id FROM archive_rows WHERE status IN ({status}) "
                     "ORDER BY pack_id", FINAL_STATUSES)
    people = db.query("SELECT id, name FROM clinicians WHERE id IN (SELECT clinician_id FROM "
                      f"archive_rows WHERE status IN ({status})) ORDER BY name, id",
                      FINAL_STATUSES)
    return FilterChoices(tuple(str(p[0]) for p in packs),
                         tuple((str(i), str(n)) for i, n in people))


def item_titles(packs: Iterable[_Pack]) -> dict[tuple[str, str], str]:
    """(pack id, item id) -> the item's title, from the packs installed (the catalog)."""
    return {(p.id, i.id): i.title for p in packs for i in p.items()}


def percent(part: int, whole: int) -> str:
    """'40%' (whole percent; '<1%' for a few in many; '–' of nothing)."""
    if not whole:
        return "–"
    value = 100 * part / whole
    if 0 < value < 1:
        return "<1%"
    return f"{round(value)}%"


def period(report: InsightsReport) -> str:
    """'from 2026-01-05 to 2026-11-25': the filter's dates, else the consults' own."""
    first = report.filter.since or report.first_day
    last = report.filter.until or report.last_day
    if first is None or last is None:
        return ""
    return f"from {first.isoformat()} to {last.isoformat()}"


def denominator(report: InsightsReport, pack_titles: dict[str, str] | None = None,
                clinician_name: str = "") -> str:
    """'of 120 signed consults with Intrathecal pain pump, by Dr X, from … to …'."""
    titles = pack_titles or {}
    n = report.consults
    text = f"of {n:,} signed consult{'' if n == 1 else 's'}"
    pid = report.filter.pack_id
    if pid:
        text += f" with pack {titles.get(pid, pid)}"
    elif len(report.consults_by_pack) > 1:
        text += f" with {len(report.consults_by_pack)} packs"
    elif report.consults_by_pack:
        only = next(iter(report.consults_by_pack))
        text += f" with pack {titles.get(only, only)}"
    if report.filter.clinician_id:
        text += f", by {clinician_name or report.filter.clinician_id}"
    if span := period(report):
        text += f", {span}"
    return text + " (signed or amended; drafts are not counted)"
