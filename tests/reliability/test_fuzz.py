"""Hypothesis fuzzing of the three ways hostile input comes in: consult JSON import, rendering an
imported draft, and the procedure pack loader.

The property, case by case: the call succeeds or raises a :class:`KnownError` (InputError and
the rest: one clear line for the user) — never any other exception (which the user would see as
"an error Consult Aid did not expect"), never a hang (a per-case timeout, and hypothesis'
deadline behind it), and memory stays bounded (the process's peak RSS is measured around every
case). Every case runs to the end of the budget, so the figures count all failures; the smallest
input of each kind of failure is written to a file with the command that reproduces it.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from consult_aid.content import load_catalog
from consult_aid.content.loader import load_pack
from consult_aid.errors import KnownError
from consult_aid.services.consults import export_json, get_consult, import_json, summaries
from consult_aid.services.documents import summary_preview
from consult_aid.services.store import Store, open_store
from tests.signed_in import sign_in_db

from . import strategies
from .harness import CASES, FIGURES, FULL, SEED, FuzzFigures

TIMEOUT = {"import": 10.0, "render": 60.0, "packs": 10.0}  # seconds per case
NEW_DATABASE_EVERY = 250  # cases: keeps the database of a long run small
# what a terminal would obey rather than show: C0/C1 controls (newline aside) and bidi controls
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class CaseTimeout(BaseException):  # not an Exception: code under test must not catch it
    """Raised in the case by SIGALRM: the case ran past its timeout (a hang)."""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def full_run_seed(test: Callable[..., None]) -> Callable[..., None]:
    """The full run draws from CONSULT_AID_SEED (printed, so a run can be repeated); the fast
    part is derandomized: the same cases every run."""
    return seed(SEED)(test) if FULL else test


def fuzz_settings(target: str) -> settings:
    return settings(
        max_examples=CASES[target],
        # the per-case timeout below is the hang detector; hypothesis' deadline backs it up
        # for a call the alarm cannot interrupt
        deadline=timedelta(seconds=TIMEOUT[target] * 2),
        derandomize=not FULL,  # the fast part is the same every run
        database=None, phases=[Phase.explicit, Phase.generate], print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Fuzzer:
    """Runs one case at a time under a timeout, classifies the outcome, keeps the figures."""

    name: str
    folder: Path  # where the smallest failing input of each kind is written
    suffix: str
    reproduce: str  # the command, with {file}
    figures: FuzzFigures = field(init=False)
    kinds: dict[str, tuple[int, int, Path]] = field(default_factory=dict)  # count, size, file

    def __post_init__(self) -> None:
        self.figures = FIGURES.target(self.name)
        self.folder.mkdir(parents=True, exist_ok=True)

    def run(self, description: str, data: str | bytes, call: Callable[[], object]) -> None:
        f = self.figures
        f.cases += 1
        before = peak_rss_mb()
        start = time.perf_counter()

        def alarm(_signum: int, _frame: FrameType | None) -> None:
            raise CaseTimeout

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, TIMEOUT[self.name])
        try:
            try:
                call()
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            f.succeeded += 1
        except KnownError as exc:
            f.known_errors += 1
            message = str(exc)
            f.longest_message = max(f.longest_message, len(message))
            f.control_messages += bool(UNSAFE.search(message))
        except CaseTimeout:
            f.hangs += 1
            self._failed("hang", description, data,
                         f"no answer within {TIMEOUT[self.name]:.0f} s")
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the property: nothing else, ever
            f.tracebacks += 1
            self._failed(_kind(exc), description, data, "".join(
                traceback.format_exception(exc)))
        finally:
            signal.signal(signal.SIGALRM, previous)
        elapsed = time.perf_counter() - start
        f.slowest_s = round(max(f.slowest_s, elapsed), 3)
        f.seconds = round(f.seconds + elapsed, 3)
        after = peak_rss_mb()
        f.peak_rss_mb = round(after, 1)
        if after - before > f.largest_rise_mb:
            f.largest_rise_mb = round(after - before, 1)
            f.largest_rise_input = f"{description[:200]} ({len(data):,} characters/bytes)"

    def _failed(self, kind: str, description: str, data: str | bytes, detail: str) -> None:
        self.figures.failures += 1
        count, size, path = self.kinds.get(kind, (0, -1, Path()))
        if size < 0 or len(data) < size:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", kind).strip("-")[:80]
            path = self.folder / f"{self.name}-{slug}.{self.suffix}"
            path.write_bytes(data if isinstance(data, bytes)
                             else data.encode("utf-8", errors="surrogatepass"))
            path.with_suffix(".txt").write_text(f"{description}\n\n{detail}", encoding="utf-8")
            size = len(data)
        self.kinds[kind] = (count + 1, size, path)
        self.figures.examples[kind] = str(path)

    def verdict(self) -> str:
        f = self.figures
        lines = [f"{self.name}: {f.failures} of {f.cases} cases failed "
                 f"({f.tracebacks} tracebacks, {f.hangs} hangs)"]
        for kind, (count, size, path) in sorted(self.kinds.items(), key=lambda k: -k[1][0]):
            lines.append(f"  {count:>5} x {kind}; smallest ({size:,}): "
                         f"{self.reproduce.format(file=path)}  (details: "
                         f"{path.with_suffix('.txt')})")
        return "\n".join(lines)


def _kind(exc: BaseException) -> str:
    """The exception and the innermost Consult Aid line it came from."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [fr for fr in frames if "consult_aid" in fr.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].name}" if ours else "?"
    return f"{type(exc).__name__} in {where}"


@pytest.fixture(scope="session")
def failures_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("CONSULT_AID_RELIABILITY_OUT")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("fuzz-failures")


class Databases:
    """A real database file, replaced by a new one (in a folder of its own) every few hundred
    cases."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.n, self.db = folder, 0, None

    def get(self) -> Store:
        if self.db is None or self.n % NEW_DATABASE_EVERY == 0:
            if self.db is not None:
                self.db.close()
                shutil.rmtree(self.db.path.parent)
            folder = self.folder / f"database-{self.n // NEW_DATABASE_EVERY}"
            folder.mkdir(mode=0o700)
            self.db = open_store(folder / "consult-aid.sqlite3")
            sign_in_db(self.db)
        self.n += 1
        return self.db

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


# -- import ------------------------------------------------------------------------------------
def test_import_never_fails_with_anything_but_a_clear_error(
        tmp_path: Path, failures_dir: Path) -> None:
    fuzz = Fuzzer("import", failures_dir, "json",
                  "consult-aid --data-dir $(mktemp -d) import {file}")
    databases = Databases(tmp_path)

    def imported(text: str | bytes) -> None:
        db = databases.get()
        consult = import_json(db, text)
        # what was stored can be read back, listed and exported
        get_consult(db, consult.id)
        summaries(db, limit=3)
        export_json(db, consult.id)

    imported(strategies.demo_draft_json(patient_words="Warm-up."))  # not a case

    @full_run_seed
    @fuzz_settings("import")
    @given(strategies.import_inputs())
    def case(payload: tuple[str, str | bytes]) -> None:
        description, text = payload
        fuzz.run(description, text, lambda: imported(text))

    try:
        case()
    finally:
        databases.close()
    if fuzz.figures.failures:
        pytest.fail(fuzz.verdict(), pytrace=False)


# -- render ------------------------------------------------------------------------------------
def test_rendering_an_imported_draft_never_fails_with_anything_but_a_clear_error(
        tmp_path: Path, failures_dir: Path) -> None:
    fuzz = Fuzzer("render", failures_dir, "json",
                  "D=$(mktemp -d); consult-aid --data-dir $D import {file} && "
                  "consult-aid --data-dir $D render {file} --out $D/r.pdf")
    databases = Databases(tmp_path)
    catalog = load_catalog(None)

    def rendered(text: str) -> None:
        db = databases.get()
        draft = get_consult(db, import_json(db, text).id)
        pack = catalog.find(draft.pack.id, content_hash=draft.pack.content_hash)
        pdf = summary_preview(draft, pack)
        assert pdf.startswith(b"%PDF"), "not a PDF"

    rendered(strategies.demo_draft_json(patient_words="Warm-up."))  # fonts loaded: not a case

    @full_run_seed
    @fuzz_settings("render")
    @given(strategies.render_inputs())
    @example(("the demo draft, Arabic patient's words", strategies.demo_draft_json(
        patient_words="مرحبا، أفهم أن المضخة قد تتوقف")))
    def case(payload: tuple[str, str]) -> None:
        description, text = payload
        fuzz.run(description, text, lambda: rendered(text))

    try:
        case()
    finally:
        databases.close()
    if fuzz.figures.failures:
        pytest.fail(fuzz.verdict(), pytrace=False)


# -- the pack loader -------------------------------------------------------------------------------
def test_the_pack_loader_never_fails_with_anything_but_a_clear_error(
        tmp_path: Path, failures_dir: Path) -> None:
    fuzz = Fuzzer("packs", failures_dir, "toml", "consult-aid packs --check {file}")
    path = tmp_path / "fuzzed-pack.toml"

    @full_run_seed
    @fuzz_settings("packs")
    @given(strategies.pack_inputs(), st.sampled_from(["clinic", "built-in"]))
    def case(payload: tuple[str, bytes], source: str) -> None:
        description, raw = payload
        path.write_bytes(raw)
        fuzz.run(description, raw, lambda: load_pack(path, source))

    case()
    if fuzz.figures.failures:
        pytest.fail(fuzz.verdict(), pytrace=False)
