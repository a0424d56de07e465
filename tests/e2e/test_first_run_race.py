"""First run with two processes at once: two ``consult-aid demo`` in one fresh data folder.

Seen before the fix (issue 15), in 40 rounds: the first signing key overwritten by the second
process (its consult's PDF then "NOT this data folder's signing identity"), and tracebacks
``table clinicians already exists`` (both processes ran the first migration). Each round here
starts two real processes together in a new folder; both must finish (or one must stop with a
clear one-line message, never a traceback), ``check`` must be clean, and every signed summary
must verify as this clinic's.

``CONSULT_AID_RACE_ROUNDS`` changes the number of rounds (default 8; 40 in
`make reliability`). The fast tests below pin down each part of the fix on its own: migrations
re-read the schema version inside their write transaction, a new database is created by one
program at a time, and a signing identity is stored once and never replaced.
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from consult_aid.cli import main
from consult_aid.cli.documents import DEMO_PASSWORD, PASSWORD_ENV
from consult_aid.signing.identity import (
    CERT_FILE,
    KEY_FILE,
    IdentityError,
    IdentityExistsError,
    create_identity,
    has_identity,
    load_identity,
)
from consult_aid.storage.database import (
    Database,
    latest_version,
    migrations,
    sql_statements,
)

# `make test` (and CI) runs 8 rounds; `make reliability` runs 40 (see docs/RELIABILITY.md)
ROUNDS = int(os.environ.get("CONSULT_AID_RACE_ROUNDS", "8"))
T = TypeVar("T")


@dataclass
class Round:
    number: int
    problems: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # a process's clear one-line refusal


def _run_main(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def _race(root: Path, number: int) -> Round:
    data, out = root / "data", root / "out"
    command = [sys.executable, "-m", "consult_aid", "--data-dir", str(data), "demo",
               "--out", str(out)]
    env = {**os.environ, PASSWORD_ENV: DEMO_PASSWORD}
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              text=True) for _ in range(2)]
    result = Round(number)
    summaries: list[Path] = []
    finished = 0
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        if "Traceback" in stdout + stderr or "did not expect" in stderr:
            result.problems.append(f"traceback or bug: {stderr.strip()[-300:]}")
        if proc.returncode == 0:
            finished += 1
            summaries += [Path(line.split(":", 1)[1].strip()) for line in stdout.splitlines()
                          if line.startswith("Signed summary:")]
        elif len(stderr.strip().splitlines()) != 1 or not stderr.startswith("consult-aid: "):
            result.problems.append(f"exit {proc.returncode} without one clear line: {stderr!r}")
        elif any(word in stderr for word in ("empty", "damaged", "backup", "replaced")):
            result.problems.append(f"a new folder called damaged: {stderr.strip()}")
        else:
            result.messages.append(f"exit {proc.returncode}: {stderr.strip()}")
    if finished == 0:
        result.problems.append("neither process finished")
    if len(summaries) != finished:
        result.problems.append(f"{finished} finished, {len(summaries)} summaries printed")
    code, text = _run_main(["--data-dir", str(data), "check"])
    if code != 0:
        result.problems.append(f"check exit {code}: {text.strip()[-300:]}")
    for summary in summaries:
        code, text = _run_main(["--data-dir", str(data), "verify", str(summary)])
        if code != 0 or "signed by this clinic" not in text:
            result.problems.append(f"{summary.name} verify exit {code}: "
                                   + " | ".join(text.splitlines()[:1] + [
                                       line for line in text.splitlines() if "Signer:" in line]))
    with Database(data / "consult-aid.sqlite3", read_only=True) as db:
        own = [r[0] for r in db.query("SELECT fingerprint FROM certificates WHERE role = 'own'")]
        signed = db.query("SELECT count(*) FROM consults WHERE status = 'signed'")[0][0]
    if own != [load_identity(data / "identity" / "accounts" / "srivera").fingerprint]:
        result.problems.append(f"pinned {own} is not the folder's identity")
    if signed != finished:
        result.problems.append(f"{signed} signed consults for {finished} finished demos")
    return result


@pytest.mark.slow
def test_two_demos_at_once_in_a_fresh_folder_never_clash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the demo signs in as its own account by itself; `check` and `verify` after it sign in as
    # that account from the environment (the e2e default)
    rounds = [_race(tmp_path / f"round-{n:02d}", n) for n in range(ROUNDS)]
    failed = [r for r in rounds if r.problems]
    report = "\n".join(f"round {r.number}: " + "; ".join(r.problems + r.messages)
                       for r in failed)
    print(f"first-run race: {ROUNDS} rounds, {len(failed)} failed")
    for r in rounds:
        for message in r.messages:
            print(f"round {r.number}: {message}")
    assert not failed, f"{len(failed)} of {ROUNDS} rounds failed:\n{report}"


# -- the parts of the fix, one at a time ------------------------------------------------------
def test_executescript_commits_an_open_transaction_so_migrations_do_not_use_it(
        tmp_path: Path) -> None:
    """Why a migration runs statement by statement: Python's executescript first COMMITs the
    transaction that BEGIN IMMEDIATE opened, so a version read inside it would not hold."""
    con = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.executescript("CREATE TABLE t(x);")
    assert not con.in_transaction  # committed behind our back
    con.close()


def test_every_migration_splits_into_the_statements_executescript_would_run() -> None:
    for _number, name, _sql in migrations():
        def fold(text: str) -> str:
            return text
        whole, split = (sqlite3.connect(":memory:") for _ in range(2))
        for con in (whole, split):
            con.create_function("consult_fold", 1, fold, deterministic=True)
        for _n, _name, earlier in migrations():
            whole.executescript(earlier)
            for statement in sql_statements(earlier):
                split.execute(statement)
            if _name == name:
                break
        schema = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        assert whole.execute(schema).fetchall() == split.execute(schema).fetchall(), name
    assert sql_statements("CREATE TABLE a(x TEXT DEFAULT ';');\n-- done; really\n") == [
        "CREATE TABLE a(x TEXT DEFAULT ';');"]
    with pytest.raises(ValueError, match="unfinished"):
        sql_statements("CREATE TABLE a(x); CREATE TABLE b(y)")


def test_a_migration_another_program_applied_meanwhile_is_skipped(tmp_path: Path) -> None:
    """Program A read version N-1, then B applied migration N: A's migration N, run with the
    version read again inside its transaction, is skipped instead of failing half-way."""
    path = tmp_path / "db.sqlite3"
    number, name, sql = migrations()[-1]
    slow = Database(path, migrate_to=number - 1)  # A: about to apply the last migration
    Database(path).close()  # B: opened the same database meanwhile and applied it
    assert slow._apply(number, name, sql) is False  # no "already exists"
    assert slow.version == latest_version()
    assert not slow.connection.in_transaction
    slow.close()


def _at_once(count: int, work: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    """Run ``work(0) ... work(count - 1)`` in threads released together; results, errors."""
    start = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            results.append(work(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_programs_opening_a_new_database_at_once_create_and_migrate_it_once(
        tmp_path: Path) -> None:
    for round_ in range(10):
        path = tmp_path / f"r{round_}" / "db.sqlite3"
        path.parent.mkdir()
        _opened, errors = _at_once(4, lambda _n, path=path: Database(path).close())
        assert errors == []
        with Database(path, read_only=True) as db:
            assert db.version == latest_version()
        assert sorted(p.name for p in path.parent.iterdir()
                      if not p.name.endswith(("-wal", "-shm"))) == ["db.sqlite3"]


def test_identities_made_at_once_one_is_stored_and_never_replaced(tmp_path: Path) -> None:
    for round_ in range(6):
        folder = tmp_path / f"r{round_}"
        made, refused = _at_once(3, lambda n, folder=folder: create_identity(
            folder, name=f"Dr {n}", clinic="C", password=DEMO_PASSWORD))
        assert len(made) == 1, refused
        assert len(refused) == 2 and all(isinstance(e, IdentityExistsError) for e in refused)
        stored = load_identity(folder)
        assert stored.fingerprint == made[0].fingerprint
        stored.unlock(DEMO_PASSWORD)  # the key file and certificate are one pair
        assert sorted(p.name for p in folder.iterdir()) == [CERT_FILE, KEY_FILE]


def test_a_half_made_identity_is_completed_or_refused_never_silently_lost(
        tmp_path: Path) -> None:
    donor = create_identity(tmp_path / "donor", name="Dr A", clinic="C", password=DEMO_PASSWORD)
    cert_only = tmp_path / "cert-only"  # killed between the two files: no identity
    cert_only.mkdir()
    (cert_only / CERT_FILE).write_bytes((donor.folder / CERT_FILE).read_bytes())
    assert not has_identity(cert_only)
    made = create_identity(cert_only, name="Dr B", clinic="C", password=DEMO_PASSWORD)
    assert load_identity(cert_only).fingerprint == made.fingerprint != donor.fingerprint

    key_only = tmp_path / "key-only"  # a key whose certificate was lost: may be the clinic's
    key_only.mkdir()
    key = (donor.folder / KEY_FILE).read_bytes()
    (key_only / KEY_FILE).write_bytes(key)
    with pytest.raises(IdentityError, match="without its certificate"):
        create_identity(key_only, name="Dr B", clinic="C", password=DEMO_PASSWORD)
    assert (key_only / KEY_FILE).read_bytes() == key
