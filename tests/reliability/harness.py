"""What every part of the reliability suite shares: how big a run is, the real command line (as
a child process, or in this process), SIGKILL at a chosen moment, "is the folder clean?", and
the figures each test records for the summary table and docs/RELIABILITY.md.

Sizes (environment variables):

- ``CONSULT_AID_RELIABILITY=full`` the full run (``make reliability``); anything else is the
  fast part that ``make test`` runs;
- ``CONSULT_AID_TRIALS=N`` SIGKILL trials per scenario (fast 2, full 40);
- ``CONSULT_AID_CASES=N`` hypothesis cases for the import and pack-loader targets (render
  gets a tenth, at least 3; fast 100/100/4, full 5,000/4,500/500);
- ``CONSULT_AID_RELIABILITY_OUT=DIR`` where the smallest failing input of each kind goes;
- ``CONSULT_AID_SEED=N`` the seed of the kill moments (printed in the summary);
- ``CONSULT_AID_RELIABILITY_REPORT=FILE`` write every figure of the run to FILE as JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from consult_aid.services.check import quick_check

FULL = os.environ.get("CONSULT_AID_RELIABILITY", "").strip().lower() == "full"
TRIALS = int(os.environ.get("CONSULT_AID_TRIALS") or (40 if FULL else 2))
_CASES = int(os.environ.get("CONSULT_AID_CASES") or 0)
CASES = {
    "import": _CASES or (5000 if FULL else 100),
    "packs": _CASES or (4500 if FULL else 100),
    "render": max(3, _CASES // 10) if _CASES else (500 if FULL else 4),
}
SEED = int(os.environ.get("CONSULT_AID_SEED") or random.SystemRandom().randrange(1, 10**9))
REPORT = os.environ.get("CONSULT_AID_RELIABILITY_REPORT", "")
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "consult-aid-demo"  # the demo account's (services.demo.DEMO_PASSWORD)
USER = "srivera"  # the demo account (services.demo.DEMO_USER)
BUG_EXIT = 70


# -- the figures ---------------------------------------------------------------------------------
@dataclass
class TrialFigures:
    run: int = 0
    survived: int = 0
    killed_mid_run: int = 0  # the rest had finished before the kill arrived
    acknowledged: int = 0  # changes the killed process had acknowledged
    lost: int = 0  # of those, missing afterwards
    duration_s: float = 0.0  # the command's measured run time (the kill window)
    temp_files_left: int = 0  # *.tmp files found in the data (and --out) folder afterwards
    temp_examples: list[str] = field(default_factory=list)  # the first few of them
    failures: list[str] = field(default_factory=list)


@dataclass
class FuzzFigures:
    cases: int = 0
    succeeded: int = 0
    known_errors: int = 0
    failures: int = 0  # tracebacks + hangs
    longest_message: int = 0  # characters in the longest KnownError message (one line)
    control_messages: int = 0  # KnownError messages holding a control or bidi character
    tracebacks: int = 0
    hangs: int = 0
    slowest_s: float = 0.0
    peak_rss_mb: float = 0.0  # this process's high-water mark after the target
    largest_rise_mb: float = 0.0  # the most one case raised the high-water mark
    largest_rise_input: str = ""
    seconds: float = 0.0
    examples: dict[str, str] = field(default_factory=dict)  # failure kind -> smallest input file


@dataclass
class Figures:
    trials: dict[str, TrialFigures] = field(default_factory=dict)
    fuzz: dict[str, FuzzFigures] = field(default_factory=dict)
    hostile: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)

    def trial(self, scenario: str) -> TrialFigures:
        return self.trials.setdefault(scenario, TrialFigures())

    def target(self, name: str) -> FuzzFigures:
        return self.fuzz.setdefault(name, FuzzFigures())

    def fault(self, name: str, argv: list[str], code: int, message: str) -> None:
        self.faults.setdefault(name, {"runs": []})["runs"].append(
            {"command": " ".join(argv), "exit": code, "message": message})


FIGURES = Figures()


def machine() -> dict[str, str]:
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"nproc": str(os.cpu_count()), "ram": mem, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "system": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M %Z"), "mode": "full" if FULL else "fast",
            "seed": str(SEED)}


def write_report(path: str | Path) -> None:
    data = {"machine": machine(), **asdict(FIGURES)}
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def summary_lines() -> list[str]:
    """The table printed at the end of a pytest session that ran any of the suite."""
    lines: list[str] = []
    if FIGURES.trials:
        lines += [f"SIGKILL trials ({'full' if FULL else 'fast'} run, seed {SEED})",
                  f"{'scenario':<12} {'run':>5} {'survived':>9} {'killed':>7} "
                  f"{'acked':>6} {'lost':>5} {'run s':>9} {'tmp left':>8}"]
        for name, t in FIGURES.trials.items():
            lines.append(f"{name:<12} {t.run:>5} {t.survived:>9} {t.killed_mid_run:>7} "
                         f"{t.acknowledged:>6} {t.lost:>5} {t.duration_s:>9.2f} "
                         f"{t.temp_files_left:>8}")
        total = sum(t.run for t in FIGURES.trials.values())
        ok = sum(t.survived for t in FIGURES.trials.values())
        lines.append(f"{'total':<12} {total:>5} {ok:>9}")
    if FIGURES.fuzz:
        lines += ["hypothesis cases",
                  f"{'target':<8} {'cases':>6} {'ok':>6} {'known':>6} {'fail':>5} "
                  f"{'slowest s':>10} {'peak MB':>8} {'rise MB':>8}"]
        for name, f in FIGURES.fuzz.items():
            lines.append(f"{name:<8} {f.cases:>6} {f.succeeded:>6} {f.known_errors:>6} "
                         f"{f.failures:>5} {f.slowest_s:>10.2f} {f.peak_rss_mb:>8.0f} "
                         f"{f.largest_rise_mb:>8.0f}")
    if FIGURES.hostile:
        lines.append("hostile inputs (child process, capped memory)")
        for name, h in FIGURES.hostile.items():
            lines.append(f"  {name:<32} {h['outcome']:<10} {h['peak_rss_mb']:>7.0f} MB "
                         f"{h['seconds']:>6.1f} s")
    return lines


# -- the command line ----------------------------------------------------------------------------
def child_env(*, password: str = PASSWORD, user: str = USER) -> dict[str, str]:
    """The environment of a command the tests run: signed in as the demo folder's account
    (``user`` with ``password``), offscreen, this checkout first on the path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CONSULT_AID_HOME", "CONSULT_AID_PASSWORD", "CONSULT_AID_PASSWORD_FILE")}
    env.update(PYTHONUNBUFFERED="1", QT_QPA_PLATFORM="offscreen", CONSULT_AID_USER=user,
               CONSULT_AID_PASSWORD=password,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return env


def cli(data: Path, *args: str) -> list[str]:
    """The real command, as a user runs it."""
    return [sys.executable, "-m", "consult_aid", "--data-dir", str(data), *args]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    killed: bool = False  # SIGKILL arrived while it was still running

    @property
    def text(self) -> str:
        return self.out + self.err


def run(argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 300) -> Ran:
    """Run a command to its end."""
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env or child_env(),
                          timeout=timeout, check=False, cwd=ROOT)
    return Ran(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


def run_killed(argv: list[str], delay: float, *, env: dict[str, str] | None = None) -> Ran:
    """Start a command and SIGKILL it ``delay`` seconds later (unless it has finished)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env or child_env(), cwd=ROOT, start_new_session=True)
    try:
        proc.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        killed = True
    out, err = proc.communicate(timeout=60)
    killed = killed and proc.returncode == -signal.SIGKILL
    return Ran(proc.returncode, out, err, time.perf_counter() - start, killed)


def in_process(data: Path, *args: str) -> Ran:
    """The same command through ``consult_aid.cli.main`` in this process (no interpreter start:
    the checks after every trial), its log handler removed again afterwards."""
    from consult_aid.cli import main

    logger = logging.getLogger("consult_aid")
    before = list(logger.handlers)
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    saved = {k: os.environ.get(k) for k in ("CONSULT_AID_USER", "CONSULT_AID_PASSWORD")}
    os.environ.update(CONSULT_AID_USER=USER, CONSULT_AID_PASSWORD=PASSWORD)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(data), *args])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for handler in [h for h in logger.handlers if h not in before]:
            handler.close()
            logger.removeHandler(handler)
    return Ran(code, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def kill_moments(n: int, window: float, rng: random.Random) -> list[float]:
    """``n`` moments spread evenly over ``[0, window]`` (one at random in each of n equal
    slices), in random order."""
    moments = [(k + rng.random()) * window / n for k in range(n)]
    rng.shuffle(moments)
    return moments


def folder_problems(data: Path) -> list[str]:
    """Why the data folder is not clean: ``consult-aid check`` must exit 0 and the quick
    start-up check pass."""
    problems = []
    checked = in_process(data, "check")
    if checked.code != 0:
        problems.append(f"`check` exit {checked.code}: {checked.text.strip()}")
    quick = quick_check(data / "consult-aid.sqlite3", data / "identity")
    if not quick.ok:
        problems.append("start-up check: " + "; ".join(f.line() for f in quick.findings))
    return problems


def one_line(ran: Ran) -> str:
    """The one line a failing command printed on standard error (asserting it was one line, with
    no traceback and not the bug exit code)."""
    assert "Traceback" not in ran.text, ran.text
    assert ran.code != BUG_EXIT, ran.text
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, ran.err
    assert lines[0].startswith("consult-aid: "), lines[0]
    return lines[0]


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the database file directly (read-only, no migration)."""
    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
