"""SIGKILL at random moments: nothing acknowledged is lost and the folder stays clean.

Each scenario measures its command's run time once (conftest), then kills the real command
(or, for autosave, a writer calling ``consult_aid.services.consults.save_draft``) at moments
spread evenly over that window. After every kill: ``consult-aid check`` exits 0, the quick
start-up check passes, and every change the process had acknowledged is in the database.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import Template
from .harness import (
    FIGURES,
    PASSWORD,
    SEED,
    TRIALS,
    Ran,
    child_env,
    cli,
    folder_problems,
    in_process,
    kill_moments,
    rows,
    run_killed,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

DB = "consult-aid.sqlite3"
WINDOW_MARGIN = 1.25


@dataclass
class Outcome:
    killed: bool
    acknowledged: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)


def run_trials(scenario: str, window: float, workdir: Path,
               trial: Callable[[Path, float], Outcome]) -> None:
    """Run TRIALS trials of ``trial(folder, delay)``, record the figures, and fail naming
    every trial that did not survive (its folder is kept for a look)."""
    figures = FIGURES.trial(scenario)
    figures.duration_s = round(window, 3)
    rng = random.Random(SEED ^ zlib.crc32(scenario.encode()))
    # a quarter more than the measured run: a command slowed by a busy machine is still
    # killed near its end (a kill after the end counts as a trial not killed mid-run)
    for k, delay in enumerate(kill_moments(TRIALS, window * WINDOW_MARGIN, rng)):
        folder = workdir / f"trial-{k:03d}"
        folder.mkdir()
        outcome = trial(folder, delay)
        figures.run += 1
        figures.killed_mid_run += outcome.killed
        figures.acknowledged += outcome.acknowledged
        figures.lost += outcome.lost
        figures.temp_files_left += len(outcome.temp_files)
        figures.temp_examples += outcome.temp_files[:max(0, 5 - len(figures.temp_examples))]
        if outcome.lost:
            outcome.problems.append(f"{outcome.lost} acknowledged change(s) lost")
        if outcome.problems:
            figures.failures.append(f"trial {k} (kill at {delay:.3f} s, seed {SEED}, folder "
                                    f"{folder}): " + " | ".join(outcome.problems))
        else:
            figures.survived += 1
            shutil.rmtree(folder, ignore_errors=True)
    assert not figures.failures, "\n".join(figures.failures)


def temp_files(*folders: Path) -> list[str]:
    """Temporary files left behind (named relative to the trial's folder)."""
    return [str(p.relative_to(f.parent)) for f in folders if f.exists()
            for p in f.rglob("*.tmp")]


def consults(data: Path) -> dict[str, str]:
    return {cid: status for cid, status in rows(data / DB, "SELECT id, status FROM consults")}


def summaries(data: Path) -> set[str]:
    return {r[0] for r in rows(data / DB, "SELECT consult_id FROM documents "
                                          "WHERE kind = 'summary'")}


# -- autosave ----------------------------------------------------------------------------------
AUTOSAVE = textwrap.dedent("""
    import os, sys
    from datetime import datetime
    from pathlib import Path
    from consult_aid.domain import PatientQuestion
    from consult_aid.services.consults import get_consult, save_draft
    from consult_aid.services.accounts import sign_in
    from consult_aid.services.store import open_store
    folder, consult_id, ack_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    db = open_store(folder / "consult-aid.sqlite3")
    db.account = sign_in(db, os.environ["CONSULT_AID_USER"], os.environ["CONSULT_AID_PASSWORD"],
                         now=datetime.now().astimezone())
    consult = get_consult(db, consult_id)
    ack = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    i = 0
    while True:
        i += 1
        consult.lifestyle.goals = f"autosave {i}"
        consult.lifestyle.activity = "walks " * (i % 40)  # the body changes size too
        consult.questions = [PatientQuestion(f"question {j}", f"answer {j}")
                             for j in range(max(1, i - 9), i + 1)]  # the last ten saves
        save_draft(db, consult, now=datetime.now().astimezone(), step="questions")
        os.write(ack, f"{i}\\n".encode())  # acknowledged: save_draft returned
        os.fsync(ack)
""")


def autosave_command(folder: Path, consult_id: str, ack: Path) -> list[str]:
    return [sys.executable, "-c", AUTOSAVE, str(folder), consult_id, str(ack)]


def acknowledged_saves(ack: Path) -> int:
    if not ack.exists():
        return 0
    lines = ack.read_text().split("\n")
    complete = [line for line in lines[:-1] if line]  # a torn last line was not acknowledged
    return int(complete[-1]) if complete else 0


@pytest.fixture(scope="module")
def autosave_window(draft_folder: Template, tmp_path_factory: pytest.TempPathFactory) -> float:
    """From the writer's start to its first acknowledged save, plus a second of saving."""
    root = tmp_path_factory.mktemp("measure-autosave")
    data = draft_folder.copy(root / "data")
    ack = root / "ack"
    start = time.perf_counter()
    proc = subprocess.Popen(autosave_command(data, draft_folder.consult_id, ack),
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        while acknowledged_saves(ack) == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.perf_counter() - start < 60, "no save acknowledged within 60 s"
            time.sleep(0.01)
        first = time.perf_counter() - start
    finally:
        proc.kill()
        proc.communicate()
    return first + 1.0


def test_sigkill_during_autosave_loses_no_acknowledged_save(
        draft_folder: Template, autosave_window: float, tmp_path: Path) -> None:
    def trial(folder: Path, delay: float) -> Outcome:
        data = draft_folder.copy(folder / "data")
        ack = folder / "ack"
        ran = run_killed(autosave_command(data, draft_folder.consult_id, ack), delay,
                         env=child_env())
        outcome = Outcome(killed=ran.killed, problems=unexpected_exit(ran))
        acked = acknowledged_saves(ack)
        outcome.acknowledged = acked
        (body,) = rows(data / DB, "SELECT body FROM consults WHERE id = ?",
                       (draft_folder.consult_id,))[0]
        stored = re.findall(r"question (\d+)", body)
        saved = max((int(n) for n in stored), default=0)
        goals = re.search(r"autosave (\d+)", body)
        if saved < acked:
            outcome.lost = acked - saved
        if saved not in (acked, acked + 1) or (goals and int(goals.group(1)) != saved):
            outcome.problems.append(f"acknowledged {acked}, stored save {saved}, goals "
                                    f"{goals.group(0) if goals else None}")
        if sorted({int(n) for n in stored}) != list(range(max(1, saved - 9), saved + 1)):
            outcome.problems.append(f"the stored questions are not those of save {saved}")
        outcome.problems += folder_problems(data)
        outcome.temp_files = temp_files(data)
        return outcome

    run_trials("autosave", autosave_window, tmp_path, trial)


def unexpected_exit(ran: Ran) -> list[str]:
    """A process that was not killed must have ended well (or with one clear line)."""
    if ran.killed or ran.code == 0:
        return []
    return [f"exited {ran.code} before the kill: {ran.text.strip()[-400:]}"]


# -- signing -----------------------------------------------------------------------------------
SIGNED_ID = re.compile(r"summary-([0-9a-f]{32})\.pdf")


def signing_outcome(ran: Ran, data: Path, before: set[str]) -> Outcome:
    outcome = Outcome(killed=ran.killed, problems=unexpected_exit(ran))
    now = consults(data)
    new = {cid: status for cid, status in now.items() if cid not in before}
    acked = set(SIGNED_ID.findall(ran.out))
    outcome.acknowledged = len(acked)
    outcome.lost = len(acked - {cid for cid, s in new.items() if s == "signed"})
    if len(new) > 1:
        outcome.problems.append(f"{len(new)} new consults from one demo")
    archived = summaries(data)
    for cid, status in new.items():
        if status != "signed" or cid not in archived:
            outcome.problems.append(f"consult {cid} is {status}, archived summary "
                                    f"{'present' if cid in archived else 'missing'}: "
                                    "neither absent nor complete")
    return outcome


def test_sigkill_while_signing_leaves_no_consult_or_a_complete_one(
        signing: Template, tmp_path: Path) -> None:
    def trial(folder: Path, delay: float) -> Outcome:
        data = signing.copy(folder / "data")
        before = {signing.consult_id}
        ran = run_killed(cli(data, "demo", "--out", str(folder / "out")), delay,
                         env=child_env())
        outcome = signing_outcome(ran, data, before)
        outcome.problems += folder_problems(data)
        outcome.temp_files = temp_files(data, folder / "out")
        return outcome

    run_trials("signing", signing.seconds, tmp_path, trial)


# -- addenda -----------------------------------------------------------------------------------
ADDENDUM_ID = re.compile(r"Addendum ([0-9a-f]{32}) signed and archived")


def test_sigkill_while_adding_an_addendum(addendum: Template, tmp_path: Path) -> None:
    def trial(folder: Path, delay: float) -> Outcome:
        data = addendum.copy(folder / "data")
        ran = run_killed(cli(data, "addendum", addendum.consult_id, "--text",
                             "Patient phoned: wound healing well."), delay,
                         env=child_env(password=PASSWORD))
        outcome = Outcome(killed=ran.killed, problems=unexpected_exit(ran))
        acked = set(ADDENDUM_ID.findall(ran.out))
        stored = {r[0] for r in rows(data / DB, "SELECT id FROM addenda")}
        outcome.acknowledged = len(acked)
        outcome.lost = len(acked - stored)
        (status,) = rows(data / DB, "SELECT status FROM consults WHERE id = ?",
                         (addendum.consult_id,))[0]
        expected = "amended" if stored else "signed"
        if len(stored) > 1 or status != expected:
            outcome.problems.append(f"{len(stored)} addenda and status {status}")
        outcome.problems += folder_problems(data)
        outcome.temp_files = temp_files(data)
        return outcome

    run_trials("addenda", addendum.seconds, tmp_path, trial)


# -- import ------------------------------------------------------------------------------------
def test_sigkill_while_importing_a_signed_consult(importing: Template, tmp_path: Path) -> None:
    assert importing.extra is not None
    exported = importing.extra

    def trial(folder: Path, delay: float) -> Outcome:
        data = importing.copy(folder / "data")
        ran = run_killed(cli(data, "import", str(exported)), delay, env=child_env())
        outcome = Outcome(killed=ran.killed, problems=unexpected_exit(ran))
        now = consults(data)
        acked = "Imported consult" in ran.out
        outcome.acknowledged = int(acked)
        present = importing.consult_id in now
        outcome.lost = int(acked and not present)
        if present:
            addenda = rows(data / DB, "SELECT count(*) FROM addenda WHERE consult_id = ?",
                           (importing.consult_id,))[0][0]
            if now[importing.consult_id] != "amended" or addenda != 1 \
                    or importing.consult_id not in summaries(data):
                outcome.problems.append(f"imported consult is {now[importing.consult_id]} "
                                        f"with {addenda} addenda: not complete")
        outcome.problems += folder_problems(data)
        outcome.temp_files = temp_files(data)
        return outcome

    run_trials("import", importing.seconds, tmp_path, trial)


# -- first run ---------------------------------------------------------------------------------
def test_sigkill_during_the_first_run_then_a_second_demo_succeeds(
        first_run: Template, tmp_path: Path) -> None:
    def trial(folder: Path, delay: float) -> Outcome:
        data = folder / "data"
        ran = run_killed(cli(data, "demo", "--out", str(folder / "out")), delay,
                         env=child_env())
        outcome = Outcome(killed=ran.killed, problems=unexpected_exit(ran))
        acked = set(SIGNED_ID.findall(ran.out))
        # the next start: the same command, through the CLI's main() in this process
        again = in_process(data, "demo", "--out", str(folder / "out2"))
        if again.code != 0:
            outcome.problems.append(f"the second demo exited {again.code}: "
                                    f"{again.text.strip()[-400:]}")
        now = consults(data) if (data / DB).exists() else {}
        outcome.acknowledged = len(acked)
        outcome.lost = len(acked - {c for c, s in now.items() if s == "signed"})
        archived = summaries(data) if now else set()
        for cid, status in now.items():
            if status != "signed" or cid not in archived:
                outcome.problems.append(f"consult {cid} is {status} without its summary")
        outcome.problems += folder_problems(data)
        outcome.temp_files = temp_files(data)
        return outcome

    run_trials("first run", first_run.seconds, tmp_path, trial)
