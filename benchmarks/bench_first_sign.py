"""The first Sign of a session: what it waits for in a fresh process, with and without the
preparation the window makes in a pause (``services.signing.prepare_to_sign``).

Each run is a fresh Python process that sets up a data folder, a signing identity and a
signed-in account (not timed), then times, as the Sign button's work does on the writer
thread:
- **cold**: importing the signing service, then ``sign_and_archive`` of the demo consult
  (the key unlocked by its password: 600,000 PBKDF2 rounds, paid by every first signature);
- **prepared**: ``prepare_to_sign`` first (timed apart: the pause's work, off the GUI thread),
  then the same import and ``sign_and_archive``.
In the same process, a second signature (a copy of the demo consult with a new id) is the
baseline: the warm signature every later Sign of the session costs.

Last, what the preparation costs the GUI thread while it runs on another thread (it holds the
GIL for most of its work): how late a 10 ms QTimer on the GUI thread fires, during the
preparation and during a second of idling (offscreen Qt). A keystroke then waits about as
long.

    python benchmarks/bench_first_sign.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import dataclasses, json, sys, time, uuid
from datetime import datetime
from pathlib import Path
from benchmarks.bench_account import signed_in
from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.services.demo import demo_consult
from consult_aid.signing.identity import create_identity
from consult_aid.storage import open_database

folder, prepare = DataFolder(Path(sys.argv[1])).ensure(), sys.argv[2] == "prepared"
consult, pack = demo_consult(load_catalog(None))
identity = create_identity(folder.identity, name=consult.clinician.name,
                           clinic=consult.clinician.clinic, password="benchmark-password")
db = open_database(folder.database)
signed_in(db)
out = {}
if prepare:
    start = time.perf_counter()
    from consult_aid.services.signing import prepare_to_sign
    prepare_to_sign(consult, pack)
    out["prepare_ms"] = (time.perf_counter() - start) * 1000


def sign_one():
    from consult_aid.services.identities import signer_identity  # noqa: F401 (the button's)
    from consult_aid.services.signing import sign_and_archive
    copy = dataclasses.replace(consult, id=uuid.uuid4().hex)
    sign_and_archive(db, copy, pack, identity, "benchmark-password", datetime.now().astimezone())


for name in ("first_ms", "second_ms"):
    start = time.perf_counter()
    sign_one()
    out[name] = (time.perf_counter() - start) * 1000
print(json.dumps(out))
"""


GUI_THREAD = """
import json, statistics, sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from consult_aid.content import load_catalog
from consult_aid.services.demo import demo_consult
consult, pack = demo_consult(load_catalog(None))
late, last = [], [0.0]


def tick():
    now = time.perf_counter()
    late.append((now - last[0]) * 1000 - 10)
    last[0] = now


timer = QTimer()
timer.setInterval(10)
timer.timeout.connect(tick)
timer.start()


def prepare():
    from consult_aid.services.signing import prepare_to_sign
    prepare_to_sign(consult, pack)


out = {}
for name, work in (("idle", lambda: time.sleep(1.0)), ("preparing", prepare)):
    late.clear()
    last[0] = time.perf_counter()
    worker = threading.Thread(target=work)
    worker.start()
    while worker.is_alive():
        app.processEvents()
        time.sleep(0.001)
    worker.join()
    ordered = sorted(late)
    out[name] = [ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]]
print(json.dumps(out))
"""


def child_env(temp: Path) -> dict[str, str]:
    """A child's environment: this checkout on the path, bytecode cached as for an installed
    program (in ``temp``), Qt offscreen."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPYCACHEPREFIX": str(temp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def gui_thread_lateness(temp: Path) -> dict[str, list[float]]:
    done = subprocess.run([sys.executable, "-c", GUI_THREAD], env=child_env(temp),
                          capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"the GUI thread run failed:\n{done.stderr[-3000:]}")
    result: dict[str, list[float]] = json.loads(done.stdout.splitlines()[-1])
    return result


def run(kind: str, temp: Path, n: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(temp / f"{kind}-{n}"), kind],
                          env=child_env(temp), capture_output=True, text=True, check=False,
                          timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="bench-first-sign-"))
    run("cold", temp, -1)  # fills the bytecode cache
    samples: dict[str, list[dict[str, float]]] = {"cold": [], "prepared": []}
    for n in range(args.runs):  # interleaved, so a busy moment hits both
        for kind in samples:
            samples[kind].append(run(kind, temp, n))

    def median(kind: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[kind])

    warm = statistics.median(s["second_ms"] for k in samples for s in samples[k])
    print(f"{'baseline: a later signature (warm)':<44} median {warm:8.1f} ms", flush=True)
    for kind in samples:
        first = median(kind, "first_ms")
        print(f"{'first signature, ' + kind:<44} median {first:8.1f} ms   "
              f"ratio {first / warm:5.2f}x baseline", flush=True)
    pause = "the pause's preparation (off the GUI thread)"
    print(f"{pause:<44} median {median('prepared', 'prepare_ms'):8.1f} ms", flush=True)
    for n in range(3):
        lateness = gui_thread_lateness(temp)
        print(f"GUI thread's 10 ms timer late, run {n + 1}: idle p95 {lateness['idle'][0]:.1f} "
              f"max {lateness['idle'][1]:.1f} ms; while preparing p95 "
              f"{lateness['preparing'][0]:.1f} max {lateness['preparing'][1]:.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
