"""Nothing acknowledged is lost: a writer killed with SIGKILL loses no committed save."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from consult_aid.files import write_atomically
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult

ROOT = str(Path(__file__).resolve().parents[2])

WRITER = textwrap.dedent("""
    import sys
    from consult_aid.storage import open_database
    from consult_aid.storage.consults import ConsultRepository
    from tests.builders import sample_consult
    db = open_database(sys.argv[1])
    repo = ConsultRepository(db)
    consult = sample_consult()
    i = 0
    while True:
        i += 1
        consult.lifestyle.goals = f"save {i}"
        repo.save_draft(consult)
        print(i, flush=True)   # acknowledged: the commit returned
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_during_autosave_loses_no_acknowledged_save(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    for _trial in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                                stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": ROOT})
        assert proc.stdout is not None
        acknowledged = 0
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 200:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        with open_database(path) as db:
            assert db.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            goals = ConsultRepository(db).get(sample_consult().id).lifestyle.goals
        saved = int(goals.split()[1])
        assert saved >= acknowledged


def test_atomic_write_replaces_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "archive" / "summary.pdf"
    write_atomically(target, b"first version")
    write_atomically(target, b"second version")
    assert target.read_bytes() == b"second version"
    assert [p.name for p in target.parent.iterdir()] == ["summary.pdf"]
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.pdf"
    write_atomically(target, b"the signed original")

    with pytest.raises(TypeError):
        write_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"the signed original"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


def test_two_writers_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with open_database(path) as db:
        consult = sample_consult()
        ConsultRepository(db).save_draft(consult)
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import time, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
             "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(1.0);"
             "c.execute('COMMIT')", str(path)],
            stdout=subprocess.PIPE, text=True,
        )
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        consult.lifestyle.goals = "second writer"
        started = time.perf_counter()
        ConsultRepository(db).save_draft(consult)  # waits (busy_timeout) rather than fails
        waited = time.perf_counter() - started
        holder.wait(timeout=30)
        holder.stdout.close()
        assert waited > 0.3
        assert ConsultRepository(db).get(consult.id).lifestyle.goals == "second writer"
