"""The command line as whole processes: ``consult-aid list`` (50 rows) and ``consult-aid search
TERM``, against bare Python start-up (``python -c pass``) in the same run (issue 16, item 3).

The data folder is made once before the timing: the first ``consult-aid list`` creates it,
then ``--consults`` consults (default 300: patients with varied names and MRNs, every tenth
one with the surname searched for) are stored through the program's own services
(``services.consults.save_draft``). ``--archive DIR`` measures an existing data folder instead
(e.g. one made by ``benchmarks/make_archive.py``).

Bytecode is cached as for an installed program (``PYTHONPYCACHEPREFIX`` in a temporary folder,
filled by the warm-up run; ``--no-bytecode-cache`` keeps the caller's PYTHONDONTWRITEBYTECODE).

Each child is timed from just before ``Popen`` to its exit; its own peak RSS comes from
``os.wait4``. (Linux counts a child's peak from the fork, so the parent's own peak is a floor
under every figure: this process stays small, the consults are stored by a child of its own.)
Prints the median of ``--runs`` runs (default 15, interleaved) and the ratio to the bare
interpreter.

Two more lines show the floor under the goal (at most 1.3x the bare interpreter): Python
reading the same 50 rows with nothing but ``sqlite3``, and Python checking the account's
stored password hash once with argon2id, the work every command's sign-in does (issue 14).

    python benchmarks/bench_cli.py [--runs 15] [--consults 300] [--archive DIR]
                                   [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import process_summary  # noqa: E402 (this folder is the script's: on the path)

SURNAMES = ("Okonkwo", "Lindqvist", "Müller", "Nakamura", "Fernández", "Kowalski", "Haddad",
            "O'Brien", "Søndergaard")
FIRST = ("Ada", "Jürgen", "Zoë", "Mateo", "Priya", "Olga", "Kofi", "Siobhán", "Wei", "Lena")
TERM = "Rasmussen"  # the surname of every tenth patient

# The floors: the rows alone (no program), and the sign-in's password check alone.
ROWS_ONLY = """\
import os, sqlite3
con = sqlite3.connect(os.path.join(os.environ["CONSULT_AID_HOME"], "consult-aid.sqlite3"))
for row in con.execute("SELECT c.id, p.name, c.status, c.updated_at FROM consults c "
                       "JOIN patients p ON p.id = c.patient_id "
                       "ORDER BY c.created_at DESC LIMIT 50"):
    print(*row)
"""
PASSWORD_CHECK_ONLY = """\
import os, sqlite3
from argon2 import PasswordHasher
con = sqlite3.connect(os.path.join(os.environ["CONSULT_AID_HOME"], "consult-aid.sqlite3"))
(stored,) = con.execute("SELECT password_hash FROM accounts WHERE username = ?",
                        (os.environ["CONSULT_AID_USER"],)).fetchone()
print(PasswordHasher().verify(stored, os.environ["CONSULT_AID_PASSWORD"]))
"""


def consult_aid_command() -> list[str]:
    """How a user runs the program: the ``consult-aid`` script beside this interpreter."""
    script = Path(sys.executable).with_name("consult-aid")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "consult_aid"]


def fill(data_dir: Path, count: int) -> None:
    from benchmarks.bench_account import signed_in
    from consult_aid.datadir import DataFolder
    from consult_aid.services.consults import save_draft
    from consult_aid.services.store import open_store
    from tests.builders import NOW, sample_consult, sample_patient

    data = DataFolder(data_dir).ensure()
    db = open_store(data.database)
    signed_in(db)  # the commands measured sign in as this account (issue 14)
    try:
        for i in range(count):
            surname = TERM if i % 10 == 0 else SURNAMES[i % len(SURNAMES)]
            name = f"{FIRST[i % len(FIRST)]} {surname} {i}"
            patient = dataclasses.replace(
                sample_patient(name=name, mrn=f"MRN-{100000 + i}"),
                id=hashlib.sha256(name.encode()).hexdigest()[:32])
            consult = sample_consult(f"{i:032x}", patient=patient)
            consult.created_at = consult.updated_at = NOW - timedelta(hours=i)
            save_draft(db, consult, now=consult.updated_at)
    finally:
        db.close()


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one child."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    out, err = child.stdout, child.stderr
    assert out is not None and err is not None
    text = out.read()  # a pipe, as `consult-aid list | less` would be
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    problem = err.read().decode(errors="replace")
    out.close()
    err.close()
    if child.returncode != 0:
        raise SystemExit(f"{argv} failed (exit {child.returncode}):\n{problem}")
    if argv[-1] != "pass" and not text:
        raise SystemExit(f"{argv} printed nothing")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--consults", type=int, default=300)
    parser.add_argument("--archive", type=Path, help="an existing data folder to measure")
    parser.add_argument("--term", default=TERM, help=f"what to search for (default {TERM})")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="keep the caller's PYTHONDONTWRITEBYTECODE (no cached bytecode)")
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)  # the child that stores
    args = parser.parse_args()
    if args.fill is not None:
        fill(args.fill, args.consults)
        return 0
    temp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    data_dir = args.archive or temp / "data"
    from benchmarks.bench_account import PASSWORD, USER

    env = {**os.environ, "CONSULT_AID_HOME": str(data_dir.resolve()),
           "CONSULT_AID_USER": USER, "CONSULT_AID_PASSWORD": PASSWORD,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(temp / "pycache")
    program = consult_aid_command()
    if args.archive is None:
        stored = subprocess.run([sys.executable, __file__, "--fill", str(data_dir),
                                 "--consults", str(args.consults)], env=env, check=False)
        if stored.returncode != 0:
            raise SystemExit("storing the consults failed")
        print(f"data folder: {args.consults} consults", flush=True)
    else:
        print(f"data folder: {data_dir}", flush=True)
    commands = {
        "baseline: python -c pass": [sys.executable, "-c", "pass"],
        "floor: python + sqlite3, the 50 rows": [sys.executable, "-c", ROWS_ONLY],
        "floor: python + one argon2id check": [sys.executable, "-c", PASSWORD_CHECK_ONLY],
        "consult-aid list (50 rows)": [*program, "list"],
        f"consult-aid search {args.term}": [*program, "search", args.term],
    }
    for argv in commands.values():  # warm the file cache
        run_child(argv, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):  # interleaved, so a busy moment hits all of them
        for name, argv in commands.items():
            samples[name].append(run_child(argv, env))
    names = list(commands)
    base = process_summary(names[0], samples[names[0]])
    for name in names[1:]:
        process_summary(name, samples[name], base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
