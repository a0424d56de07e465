"""The signed record: render + sign + archive of the demo consult, against its floor.

Floor: a one-page reportlab document (one line of text in the same embedded font) rendered and
signed with the same key and the same signer set-up, i.e. what any signed PDF of ours pays.

Measured: ``services.signing.sign_and_archive`` as the Sign button runs it (check the consult,
the pinned identity, unlock the key, render the summary, sign, verify, commit PDF + audit in one
transaction), each time on a fresh copy of the demo consult (a new id) into a database that
already holds the earlier ones. The key is unlocked once per session (the first sign pays the
PBKDF2 key derivation, shown on its own line); later signs check the password against that.

Issue 16, item 2: at most 3x the floor and a median under 150 ms.
``--profile`` prints a cProfile of the measured call instead.

The last lines take the record apart against the floor: the one-page render alone, signing
the rendered summary alone and checking the signed one alone (what the record pays besides
rendering, before the archive's own work), and so what the 3x goal would leave for rendering
the summary's pages.

The renderer keeps what is the same every render (parsed and laid-out paragraphs, the code
drawn for them, text widths: see ``consult_aid/report/paragraph.py``). The demo consult is
the same each time here, so one more line renders a *different* consult each time (every
free-text field and the patient's name changed, the name with a letter outside ASCII), to show
what a new patient's record costs.
"""

from __future__ import annotations

import copy
import cProfile
import dataclasses
import io
import itertools
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportlab.pdfgen.canvas import Canvas
from timing import report

from benchmarks.bench_account import signed_in
from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.domain import Consult
from consult_aid.report.fonts import register_fonts
from consult_aid.report.summary import render_summary
from consult_aid.services.demo import demo_consult
from consult_aid.services.signing import sign_and_archive
from consult_aid.signing.identity import UnlockedIdentity, create_identity, forget_unlocked
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage import open_database

PASSWORD = "benchmark-password"
GOAL_RATIO = 3.0
GOAL_MEDIAN_MS = 150.0


def varied(consult: Consult, n: int) -> Consult:
    """``consult`` with its patient's name and every free text it prints changed (``n``)."""
    mark = f" (v{n})"
    other = copy.deepcopy(consult)
    other.id = uuid.uuid4().hex
    other.patient = dataclasses.replace(other.patient, name=f"Zoë Marsh-{n}")
    other.condition.function_notes += mark
    other.condition.current_medicines += mark
    other.lifestyle.goals += mark
    other.history.comorbidities += mark
    for record in other.understanding.values():
        if record.patient_words:
            record.patient_words += mark
    for question in other.questions:
        question.question += mark
        question.answer += mark
    return other


def measure(fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3) -> dict[str, float]:
    """timing.measure, plus the median CPU time of this process (``cpu_ms``): on a machine
    shared with other work the wall time waits for the processor, the CPU time does not."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(wall), "min_ms": min(wall),
            "p90_ms": sorted(wall)[int(0.9 * (len(wall) - 1))], "cpu_ms": statistics.median(cpu)}


def show(name: str, result: dict[str, float], base: dict[str, float] | None = None) -> None:
    report(name, result, base)
    line = f"{'':<44} CPU    {result['cpu_ms']:8.2f} ms"
    if base:
        line += f"                     ratio {result['cpu_ms'] / base['cpu_ms']:6.1f}x (CPU)"
    print(line, flush=True)


def parts(base: dict[str, float], one_page: Callable[[], bytes], record: dict[str, float],
          summary: bytes, unlocked: UnlockedIdentity) -> None:
    """The record taken apart against the floor (see the module's docstring)."""
    page = measure(one_page, repeat=30)
    show("  floor's part: render the one page", page, base)
    signing = measure(lambda: sign_pdf(summary, unlocked, reason="benchmark"), repeat=15)
    show("  sign the rendered summary alone", signing, base)
    signed = sign_pdf(summary, unlocked, reason="benchmark")
    check = measure(lambda: verify_pdf(signed), repeat=15)
    show("  check the signed summary alone", check, base)
    fixed = signing["median_ms"] + check["median_ms"]
    left = GOAL_RATIO * base["median_ms"] - fixed
    pages = summary.count(b"/Type /Page") - summary.count(b"/Type /Pages")
    print(f"sign + check alone: {fixed:.1f} ms ({fixed / base['median_ms']:.1f}x the floor); "
          f"the {GOAL_RATIO:g}x goal leaves {left:.1f} ms for rendering {pages} pages and "
          f"storing them ({left / page['median_ms']:.1f}x the one page's render; the whole "
          f"record now: {record['median_ms']:.1f} ms)", flush=True)


def main() -> None:
    profile = "--profile" in sys.argv
    fonts = register_fonts()
    consult, pack = demo_consult(load_catalog(None))
    data = DataFolder(Path(tempfile.mkdtemp(prefix="bench-record-")) / "data").ensure()
    identity = create_identity(data.identity, name=consult.clinician.name,
                               clinic=consult.clinician.clinic, password=PASSWORD)
    db = open_database(data.database)
    signed_in(db)

    def one_page() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, initialFontName=fonts.regular)
        canvas.setFont(fonts.regular, 12)
        canvas.drawString(72, 720, "Consult summary")
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def sign_and_archive_demo() -> bytes:
        copy = dataclasses.replace(consult, id=uuid.uuid4().hex)
        now = datetime.now().astimezone()
        return sign_and_archive(db, copy, pack, identity, PASSWORD, now).pdf

    forget_unlocked()
    start = time.perf_counter()
    first = sign_and_archive_demo()  # unlocks the key (PBKDF2) and warms the caches
    first_ms = (time.perf_counter() - start) * 1000
    unlocked = identity.unlock(PASSWORD)  # the session's unlocked key (no PBKDF2 again)

    def floor() -> bytes:
        return sign_pdf(one_page(), unlocked, reason="benchmark")

    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            sign_and_archive_demo()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(r"consult_aid|pyhanko|sqlite", 60)
        stats.sort_stats("tottime").print_stats(30)
        return

    base = measure(floor, repeat=30)
    show("floor: one-page reportlab PDF, signed", base)
    show("render demo summary (unsigned)",
         measure(lambda: render_summary(consult, pack), repeat=15), base)
    counter = itertools.count()
    show("render a different consult each time",
         measure(lambda: render_summary(varied(consult, next(counter)), pack), repeat=15), base)
    record = measure(sign_and_archive_demo, repeat=15)
    show("render + sign + archive (sign_and_archive)", record, base)
    print(f"first sign of the session (unlocks the key, PBKDF2): {first_ms:.0f} ms; "
          f"demo summary {len(first):,} bytes, "
          f"{first.count(b'/Type /Page') - first.count(b'/Type /Pages')} pages", flush=True)
    parts(base, one_page, record, render_summary(consult, pack), unlocked)
    ratio = record["median_ms"] / base["median_ms"]
    verdict = ("met" if ratio <= GOAL_RATIO and record["median_ms"] < GOAL_MEDIAN_MS
               else "NOT met")
    print(f"goal (<= {GOAL_RATIO:g}x floor, median < {GOAL_MEDIAN_MS:g} ms): {verdict} "
          f"({ratio:.1f}x, {record['median_ms']:.0f} ms; CPU "
          f"{record['cpu_ms'] / base['cpu_ms']:.1f}x, {record['cpu_ms']:.0f} ms)", flush=True)
    db.close()


if __name__ == "__main__":
    main()
