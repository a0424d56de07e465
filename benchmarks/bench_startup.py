"""Start-up as a whole process: from exec to the main window painted, then exit (issue 16).

Baseline: a bare PySide6 process that imports QtWidgets, creates the QApplication, shows an
empty maximised ``QMainWindow``, lets it paint, and exits (what any Qt program pays).
Measured: the ``consult-aid`` script itself (the window is its default command) on a data
folder prepared once before the timing: a database with its demo patient and a registered
clinician with a signing identity (the folder of a clinic after its first day). Both children
run with QT_QPA_PLATFORM=offscreen.

Both quit once their main window's first paint is done (``QTimer.singleShot(0, quit)`` from an
event filter on the window's first Paint event): the bare one by its own code, the program
because this benchmark sets ``CONSULT_AID_QUIT_AFTER_FIRST_PAINT`` (read in
``consult_aid/ui/app.py`` and nowhere else). The program then closes as at the user's Quit
(its writer stops, the lock is released).

On a folder with accounts the program paints its sign-in page first and takes the data
folder's lock, checks and opens the folder right after that paint (issue 16), so "painted"
does not include that work (nor the items of its menus, nor the log's rotating handler). A
third line times it too: the program run until its data folder is checked and open, its
window ready for the sign-in (``CONSULT_AID_QUIT_AFTER_FIRST_PAINT=ready``); ``--no-ready``
leaves it out.

Bytecode: the children run as an installed program does, with compiled bytecode cached
(``PYTHONPYCACHEPREFIX`` in a temporary folder, filled by the warm-up runs, so nothing is
written into the source tree; ``PYTHONDONTWRITEBYTECODE`` is removed for them).
``--no-bytecode-cache`` keeps the caller's setting instead: with PYTHONDONTWRITEBYTECODE=1 and
an editable install every start compiles the program's ~300 modules again.

Each child is timed from just before ``Popen`` to its exit, and its own peak RSS is read with
``os.wait4`` (ru_maxrss of that child alone). Prints the median of ``--runs`` runs (default
10) of each, the time ratio, and the peak-memory difference.

    python benchmarks/bench_startup.py [--runs 10] [--no-identity] [--no-bytecode-cache]
                                       [--no-ready]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 180

from timing import process_summary  # noqa: E402 (this folder is the script's: on the path)

BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class QuitAfterFirstPaint(QObject):
    done = False

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            self.done = True
            QTimer.singleShot(0, QApplication.quit)
        return False


app = QApplication(sys.argv)
window = QMainWindow()
quitter = QuitAfterFirstPaint(window)
window.installEventFilter(quitter)
window.showMaximized()
code = app.exec()
assert quitter.done, "the window was never painted"
sys.exit(code)
"""

PREPARE = """
import sys
from datetime import datetime
from consult_aid.datadir import resolve
from consult_aid.services.clinic import register_clinician
from consult_aid.services.store import open_store
from tests.builders import sample_clinician
from benchmarks.bench_account import signed_in

data = resolve()
db = open_store(data.database)
try:
    register_clinician(db, data, sample_clinician(), password="bench-startup-password",
                       now=datetime.now().astimezone())
    signed_in(db)  # a folder with accounts: the window opens at its sign-in page
finally:
    db.close()
"""


def consult_aid_command() -> list[str]:
    """How a user starts the program: the ``consult-aid`` script beside this interpreter."""
    script = Path(sys.executable).with_name("consult-aid")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "consult_aid"]


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child; Linux counts a child's peak from the fork,
    so this process stays small (it imports no Qt and no Consult Aid)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=ROOT,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    watchdog = threading.Timer(TIMEOUT_S, child.kill)  # a window that never paints
    watchdog.start()
    _, status, usage = os.wait4(child.pid, 0)
    watchdog.cancel()
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode != 0 or "Traceback" in err:
        raise SystemExit(f"{argv[:2]} failed (exit {child.returncode}):\n{err}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-identity", action="store_true",
                        help="leave the folder without a clinician (the setup page shows)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep the caller's PYTHONDONTWRITEBYTECODE (no cached bytecode)")
    parser.add_argument("--no-ready", action="store_true",
                        help="leave out the run until the data folder is open")
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    home = temp / "data"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONSULT_AID_HOME": str(home),
           "CONSULT_AID_QUIT_AFTER_FIRST_PAINT": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(temp / "pycache")
    # Prepared once: the first start makes the database (and its demo patient); then a
    # clinician with a signing identity, as in a clinic after its first day.
    bare_argv, program = [sys.executable, "-c", BARE], consult_aid_command()
    run_child(program, env)
    if not args.no_identity:
        done = subprocess.run([sys.executable, "-c", PREPARE], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"preparing the data folder failed:\n{done.stderr}")
    ready_env = {**env, "CONSULT_AID_QUIT_AFTER_FIRST_PAINT": "ready"}
    run_child(bare_argv, env)  # warm the file cache (and the bytecode cache) for both
    run_child(program, env)
    if not args.no_ready:
        run_child(program, ready_env)
    bare: list[tuple[float, float]] = []
    measured: list[tuple[float, float]] = []
    ready: list[tuple[float, float]] = []
    for _ in range(args.runs):  # interleaved, so a busy moment hits all
        bare.append(run_child(bare_argv, env))
        measured.append(run_child(program, env))
        if not args.no_ready:
            ready.append(run_child(program, ready_env))
    base = process_summary("baseline: bare PySide6 QMainWindow painted", bare)
    what = "consult-aid to its main window painted" + (" (setup)" if args.no_identity else "")
    process_summary(what, measured, base)
    if ready:
        process_summary("consult-aid to its data folder open", ready, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
