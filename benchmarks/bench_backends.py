"""The same figures on both storage backends (issue 18): the SQLite file and a PostgreSQL server.

Both archives are built in the same run with the same data: N consults (``--consults``,
default 1,000), each saved with ``services.consults.save_draft`` (three in four the full demo
consult, one in four the short sample consult of tests/builders.py; patients, MRNs, diagnoses
and dates varied); one in ten then signed with ``ConsultRepository.sign`` and a
120 KB stand-in PDF (storage level, as bench_autosave does: the real ``sign_and_archive``
renders and signs for about 250 ms, which would add a minute to the build and measure the PDF,
not the database). Then, on each backend:

1. autosave: ``services.consults.save_draft`` of the demo consult after a one-field change, the
   clock one second further each save (the coalesced audit entry as in use), p50/p95 of 200;
2. sign: ``services.signing.sign_and_archive`` (render + sign + verify + archive) of a saved
   demo draft, median of 10 (p95 is the slowest but one);
3. list: ``ConsultRepository.archive_page(ArchiveFilter(), sort="date", limit=50)`` and
   ``.summaries(limit=50)``, p50/p95;
4. search: ``archive_page(ArchiveFilter(text=q), limit=50)`` + ``archive_count`` per keystroke,
   for prefixes typed in order; SQLite's per-connection count cache is emptied before each
   typing (as after any write), so each prefix is counted afresh, as when it is first typed.

List and search are measured first, on the N consults alone (the same data on both backends);
autosave and sign then add a few demo consults each.

Floor: a bare ``SELECT 1`` round-trip on each backend's connection, p50 (the "/floor" columns
divide by it). Beside it, a second floor: one durable write of the draft's JSON (34 KB) into a
plain table, in the backend's own write transaction (SQLite: BEGIN IMMEDIATE ... COMMIT, WAL,
synchronous=FULL; PostgreSQL: BEGIN, the clinic-wide advisory lock, the write, COMMIT). The
last column counts the statements (round-trips) one operation sends to PostgreSQL: each costs
at least the SELECT 1 floor.

The server: ``CONSULT_AID_TEST_POSTGRES`` (an address on which the benchmark may CREATE
DATABASE), else a throwaway server (tests/pg_server.py), else SQLite alone. A fresh database is
made for the run and dropped at the end.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks.bench_account import signed_in
from consult_aid.content import load_catalog
from consult_aid.content.model import Pack
from consult_aid.domain import Consult
from consult_aid.exchange.consult_json import consult_to_json
from consult_aid.services.consults import save_draft
from consult_aid.services.demo import demo_consult as make_demo
from consult_aid.services.signing import sign_and_archive
from consult_aid.services.store import open_store
from consult_aid.signing.identity import SigningIdentity, create_identity
from consult_aid.storage import consults as consult_storage
from consult_aid.storage.consults import ArchiveFilter, ConsultRepository
from consult_aid.storage.database import Database
from consult_aid.storage.server import ServerAddress
from tests.builders import sample_consult, sample_patient, sign_in_place

SAVES = 200
SIGNS = 10
LISTS = 200
TYPINGS = 30
FLOOR_CALLS = 500
PREFIXES = ("mu", "mül", "müller", "mrn-00", "fail")
PASSWORD = "benchmark signing password"

NAMES = ("Anna Müller", "Jonas Mueller", "Marta Müllerová", "Musa Okoye", "Muriel Dupont",
         "Łukasz Øster-Müller", "Mei Lin", "Sven Larsen", "Priya Natarajan", "Tomás Ruiz",
         "Grace O'Neill", "Yusuf Demir", "Ingrid Holm", "Kofi Mensah", "Lena Schmidt")
DIAGNOSES = ("Failed back surgery syndrome with neuropathic leg pain",
             "Complex regional pain syndrome, left foot", "Lumbar radiculopathy L5",
             "Chronic knee pain after replacement", "Cancer pain, vertebral metastases",
             "Post-herpetic neuralgia")


# -- measuring --------------------------------------------------------------------------------
def timed(fn: Callable[[int], object], n: int, warmup: int = 3) -> list[float]:
    """Wall times of ``fn(i)`` in ms, after ``warmup`` calls not kept."""
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the statements psycopg sends (every ``Cursor.execute``, which
    ``Connection.execute`` also goes through) while the block runs."""
    import psycopg

    count = [0]
    original = psycopg.Cursor.execute

    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, *args, **kwargs)

    setattr(psycopg.Cursor, "execute", execute)  # noqa: B010 - mypy: no method assignment
    try:
        yield count
    finally:
        setattr(psycopg.Cursor, "execute", original)  # noqa: B010


# -- the data ---------------------------------------------------------------------------------
def demo_consult() -> Consult:
    """The demo consult (a fresh object each call), on the installed pump pack."""
    return make_demo(load_catalog(None))[0]


def demo_pack() -> Pack:
    return make_demo(load_catalog(None))[1]


def archive_consult(i: int, demo: Consult) -> Consult:
    """The i-th consult of the archive: three in four a copy of the full demo consult (34 KB of
    JSON), one in four the shorter sample consult (3 KB); patients, MRNs, diagnoses and dates
    varied."""
    name = NAMES[i % len(NAMES)]
    patient = dataclasses.replace(sample_patient(name, f"MRN-{i:06d}"), id=uuid.uuid4().hex)
    if i % 4 == 3:
        consult = sample_consult(uuid.uuid4().hex, patient=patient)
    else:
        consult = dataclasses.replace(copy.deepcopy(demo), id=uuid.uuid4().hex, patient=patient)
    when = consult.created_at - timedelta(hours=7 * i)
    consult.created_at = consult.updated_at = when
    consult.condition.diagnosis = DIAGNOSES[i % len(DIAGNOSES)]
    consult.condition.pain_now = i % 7  # at most the average (7) and the worst (9)
    consult.lifestyle.goals = f"Walk to the market, week {i % 52}"
    return consult


def build_archive(db: Database, n: int, pdf: bytes) -> tuple[float, list[float]]:
    """N consults through the service, one in ten signed (each its own commit); returns the
    seconds taken and the ms of each ConsultRepository.sign."""
    repo = ConsultRepository(db)
    demo = demo_consult()
    now = datetime.now().astimezone()
    sign_ms = []
    start = time.perf_counter()
    for i in range(n):
        consult = archive_consult(i, demo)
        save_draft(db, consult, now=now + timedelta(milliseconds=i), step="decision")
        if i % 10 == 0:
            signed = sign_in_place(consult, consult.created_at + timedelta(minutes=40))
            began = time.perf_counter()
            repo.sign(signed, pdf + i.to_bytes(8, "big"))
            sign_ms.append((time.perf_counter() - began) * 1000)
    return time.perf_counter() - start, sign_ms


# -- one backend ------------------------------------------------------------------------------
Figures = dict[str, tuple[list[float], int | None]]  # figure -> (ms samples, statements)


def measure_backend(db: Database, n: int, identity: SigningIdentity, pdf: bytes) -> Figures:
    signed_in(db, display_name="Dr. Sam Rivera")
    pg = db.backend == "postgresql"
    figures: Figures = {}

    def statements(fn: Callable[[], object]) -> int | None:
        if not pg:
            return None
        with counting_statements() as count:
            fn()
        return count[0]

    figures["floor: SELECT 1 round-trip"] = (
        timed(lambda _i: db.query_one("SELECT 1"), FLOOR_CALLS, warmup=20),
        statements(lambda: db.query_one("SELECT 1")))

    body = consult_to_json(demo_consult())
    with db.transaction() as con:
        con.execute("CREATE TABLE bench_floor(id integer PRIMARY KEY, body text)")

    def durable_write(i: int) -> None:
        with db.transaction() as con:
            con.execute("INSERT INTO bench_floor(id, body) VALUES (1, ?) "
                        "ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                        (f"{i:08d}{body}",))  # changed bytes: SQLite skips a no-op commit

    figures["floor: a durable write of the draft's JSON"] = (
        timed(durable_write, SAVES, warmup=10), statements(lambda: durable_write(0)))

    seconds, sign_ms = build_archive(db, n, pdf)
    print(f"  {db.backend}: archive of {n:,} consults ({len(sign_ms)} signed) built in "
          f"{seconds:.1f} s", flush=True)

    # list and search first: the archive is then the same N consults on both
    repo = ConsultRepository(db)
    everything = ArchiveFilter()
    figures["list: archive_page(date, 50)"] = (
        timed(lambda _i: repo.archive_page(everything, sort="date", limit=50), LISTS),
        statements(lambda: repo.archive_page(everything, sort="date", limit=50)))
    figures["list: summaries(50)"] = (
        timed(lambda _i: repo.summaries(limit=50), LISTS),
        statements(lambda: repo.summaries(limit=50)))

    # search, as typed
    per_prefix: dict[str, list[float]] = {q: [] for q in PREFIXES}

    def keystroke(q: str) -> None:
        f = ArchiveFilter(text=q)
        repo.archive_page(f, sort="date", limit=50)
        repo.archive_count(f)

    for rep in range(TYPINGS + 2):
        consult_storage._COUNTS.pop(db, None)  # as after a write: every count afresh
        for q in PREFIXES:
            start = time.perf_counter()
            keystroke(q)
            if rep >= 2:  # two warm-up typings
                per_prefix[q].append((time.perf_counter() - start) * 1000)
    found = ", ".join(f"'{q}' {repo.archive_count(ArchiveFilter(text=q)):,}" for q in PREFIXES)
    print(f"  {db.backend}: consults found by {found}", flush=True)
    for q in PREFIXES:
        figures[f"search '{q}': page + count"] = (
            per_prefix[q], statements(lambda q=q: keystroke(q)))  # type: ignore[misc]
    figures["search: every keystroke"] = (
        [t for q in PREFIXES for t in per_prefix[q]], None)

    # autosave
    draft = demo_consult()
    draft.id = uuid.uuid4().hex
    now = [datetime.now().astimezone()]
    save_draft(db, draft, now=now[0], step="lifestyle")

    def autosave(i: int) -> None:
        draft.lifestyle.goals = f"Walk the dog, round {i}"
        now[0] += timedelta(seconds=1)
        save_draft(db, draft, now=now[0], step="lifestyle")

    figures["autosave: services save_draft, one field changed"] = (
        timed(autosave, SAVES), statements(lambda: autosave(10_000)))
    figures["archive a signed consult: ConsultRepository.sign"] = (sign_ms, None)

    # sign
    pack = demo_pack()

    def sign() -> float:
        consult = demo_consult()
        consult.id = uuid.uuid4().hex
        at = datetime.now().astimezone()
        save_draft(db, consult, now=at, step="sign")  # the autosaved draft, not timed
        began = time.perf_counter()
        sign_and_archive(db, consult, pack, identity, PASSWORD, datetime.now().astimezone())
        return (time.perf_counter() - began) * 1000

    sign()  # warm-up: fonts, the unlocked key, the identity pinned
    figures["sign: render + sign + verify + archive"] = (
        [sign() for _ in range(SIGNS)], statements(sign))

    order = ("floor", "autosave", "archive a signed", "sign", "list", "search")
    return dict(sorted(figures.items(),
                       key=lambda item: next(i for i, o in enumerate(order)
                                             if item[0].startswith(o))))


# -- the server -------------------------------------------------------------------------------
@contextmanager
def postgres_server() -> Iterator[tuple[str | None, str]]:
    """(an address that may create databases, or None; where it came from)."""
    given = os.environ.get("CONSULT_AID_TEST_POSTGRES")
    if given:
        yield given, "CONSULT_AID_TEST_POSTGRES"
        return
    try:
        from tests.pg_server import ThrowawayServer, _server_programs
    except ImportError as exc:
        yield None, f"tests.pg_server: {exc}"
        return
    bin_dir = _server_programs()
    if bin_dir is None:
        yield None, "no PostgreSQL server programs installed"
        return
    server = ThrowawayServer(bin_dir)
    try:
        url = server.start()
    except Exception as exc:  # initdb or pg_ctl failed: measure SQLite alone
        server.stop()
        yield None, f"could not start a throwaway server ({exc})"
        return
    try:
        yield url, f"throwaway server in {server.root} (fsync=off)"
    finally:
        server.stop()


@contextmanager
def fresh_database(admin_url: str) -> Iterator[ServerAddress]:
    import psycopg

    from tests.pg_server import with_database

    name = f"consult_aid_bench_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                      "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    try:
        yield ServerAddress.parse(with_database(admin_url, name))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_facts(admin_url: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        settings = {}
        for setting in ("server_version", "fsync", "synchronous_commit", "shared_buffers"):
            row = admin.execute(f"SHOW {setting}").fetchone()
            settings[setting] = row[0] if row else "?"
        host = admin.info.host
    where = ("Unix socket on this machine" if host.startswith("/")
             else f"TCP to {host} (add the network round-trip per statement)")
    return (f"PostgreSQL {settings['server_version']}, {where}; fsync={settings['fsync']}, "
            f"synchronous_commit={settings['synchronous_commit']}, "
            f"shared_buffers={settings['shared_buffers']}")


# -- the table --------------------------------------------------------------------------------
def ms(value: float) -> str:
    return f"{value:8.3f}" if value < 0.1 else f"{value:8.2f}"


def print_table(sqlite: Figures, postgres: Figures | None) -> None:
    floor = "floor: SELECT 1 round-trip"
    head = (f"{'figure':<50} {'SQLite p50 / p95 ms':>19} {'/floor':>7}"
            f" {'PostgreSQL p50 / p95 ms':>23} {'/floor':>7} {'PG/SQLite':>9} {'PG stmts':>8}")
    print(head)
    print("-" * len(head))
    s_floor = p50_p95(sqlite[floor][0])[0]
    g_floor = p50_p95(postgres[floor][0])[0] if postgres is not None else 0.0
    for name, (samples, _) in sqlite.items():
        s50, s95 = p50_p95(samples)
        row = f"{name:<50} {ms(s50)} / {ms(s95)} {s50 / s_floor:6.0f}x"
        if postgres is not None and name in postgres:
            pg_samples, stmts = postgres[name]
            g50, g95 = p50_p95(pg_samples)
            row += (f"   {ms(g50)} /   {ms(g95)} {g50 / g_floor:6.0f}x {g50 / s50:8.1f}x "
                    f"{'' if stmts is None else stmts:>8}")
        print(row, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--consults", type=int, default=1000, help="archive size N (1,000)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-backends-"))
    try:
        run(max(10, args.consults), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def run(n: int, folder: Path) -> None:
    started = time.perf_counter()
    identity = create_identity(folder / "identity", name="Dr. Sam Rivera",
                               clinic="Demo Pain Clinic", password=PASSWORD)
    pdf = b"%PDF-1.7\n" + os.urandom(120_000)
    print(f"archive: {n:,} consults per backend, the same data; one in ten signed "
          "(ConsultRepository.sign, 120 KB stand-in PDF)", flush=True)

    sqlite_db = open_store(folder / "consult-aid.sqlite3")
    try:
        print(f"SQLite: {folder / 'consult-aid.sqlite3'} (WAL, synchronous=FULL), in process",
              flush=True)
        sqlite = measure_backend(sqlite_db, n, identity, pdf)
    finally:
        sqlite_db.close()

    postgres: Figures | None = None
    with postgres_server() as (admin_url, source):
        if admin_url is None:
            print(f"PostgreSQL: not available, SQLite only ({source})", flush=True)
        else:
            print(f"PostgreSQL: {server_facts(admin_url)}; from {source}", flush=True)
            with fresh_database(admin_url) as address:
                pg_db = open_store(address)
                try:
                    postgres = measure_backend(pg_db, n, identity, pdf)
                finally:
                    pg_db.close()
    print()
    print_table(sqlite, postgres)
    print(f"run took {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
