"""A clinic moving to one shared archive on PostgreSQL (issue 18), from the command line:
``migrate --to`` copies the demo's data folder (with more consults) onto a real server and
checks the copy; the SQLite file is untouched; every room then lists, searches, checks, backs
up and restores on the server with ``--database``, and finds what the file held."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from consult_aid.services.consults import save_draft
from consult_aid.services.store import open_store
from consult_aid.storage.consults import ArchiveFilter, ConsultRepository
from consult_aid.storage.server import ServerAddress
from tests.builders import NOW, sample_consult, sample_patient
from tests.e2e.cli_run import run
from tests.e2e.conftest import DemoRun
from tests.pg_server import with_database
from tests.signed_in import sign_in_db

NAMES = [("Jürgen Müller", "MRN-100-0001"), ("Greta Möller", "MRN-100-0002"),
         ("Łukasz Øster", "MRN-100-0003"), ("José Núñez", "MRN-100-0004"),
         ("Anna Bäcker", "MRN-100-0005"), ("Γιώργος Παπαδόπουλος", "MRN-100-0006")]
QUERIES = ["muller", "mueller", "möl", "lukasz", "nunez", "MRN-100", "100-0004", "bäcker",
           "παπα", "failed back", "apixaban", "dog park", "nobody", "-", "\"", "mu"]


def _more_consults(data: Path) -> None:
    with open_store(data / "consult-aid.sqlite3") as db:
        sign_in_db(db, "srivera")
        for n, (name, mrn) in enumerate(NAMES):
            consult = sample_consult(f"{n + 1:032x}", patient=sample_patient(name, mrn))
            save_draft(db, consult, now=NOW + timedelta(minutes=n))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _found(location: Path | ServerAddress) -> dict[str, object]:
    """What each search, archive page and count gives (ids, in the order shown)."""
    with open_store(location, read_only=True) as db:
        repo = ConsultRepository(db)
        found: dict[str, object] = {}
        for q in QUERIES:
            found[f"search {q}"] = sorted(s.id for s in repo.search(q))
            f = ArchiveFilter(text=q)
            found[f"archive {q}"] = ([s.id for s in repo.archive_page(f, sort="patient")],
                                     repo.archive_count(f))
        found["patients muller"] = sorted(p.id for p in repo.patients.search("muller"))
        return found


@pytest.mark.slow
def test_a_folder_moves_to_the_server_and_every_command_works_there(
        demo_copy: DemoRun, pg_url: str, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    _more_consults(demo_copy.data)
    sqlite_file = demo_copy.data / "consult-aid.sqlite3"
    before = _digest(sqlite_file)
    data = str(demo_copy.data)

    code, out = run(capsys, "--data-dir", data, "migrate", "--to", pg_url)
    assert code == 0, out
    assert "Check of the copy: OK (7 consults, 1 signed documents verified)" in out
    assert _digest(sqlite_file) == before  # the folder's own archive is only read

    # the same consults, the same search results, on both backends
    assert _found(ServerAddress.parse(pg_url)) == _found(sqlite_file)

    code, listed_file = run(capsys, "--data-dir", data, "list")
    assert code == 0
    code, listed_server = run(capsys, "--data-dir", data, "--database", pg_url, "list")
    assert code == 0, listed_server
    assert listed_server == listed_file and "Jürgen Müller" in listed_server
    code, out = run(capsys, "--data-dir", data, "--database", pg_url, "--read-only", "list")
    assert code == 0 and out == listed_file  # a read-only session on the server
    code, out = run(capsys, "--data-dir", data, "--database", pg_url, "search", "mueller")
    assert code == 0 and "Jürgen Müller" in out and "Greta" not in out
    code, out = run(capsys, "--data-dir", data, "--database", pg_url, "check")
    assert code == 0, out
    assert "OK: 7 consults and 1 signed summaries checked" in out

    # a second migration into the same database is refused: nothing is copied twice
    code, out = run(capsys, "--data-dir", data, "migrate", "--to", pg_url)
    assert code == 2 and "already holds an archive" in out

    # this PC now uses the server by its settings (as the window's Settings page saves it)
    settings = demo_copy.data / "settings.json"
    saved = json.loads(settings.read_text(encoding="utf-8")) if settings.exists() else {}
    settings.write_text(json.dumps({**saved, "database": pg_url}), encoding="utf-8")

    # backup of the server's archive: a checked SQLite file that any PC opens, on its own
    code, out = run(capsys, "--data-dir", data, "backup", str(tmp_path / "backups"))
    assert code == 0, out
    (backup,) = (tmp_path / "backups").iterdir()
    assert _found(backup / "consult-aid.sqlite3") == _found(sqlite_file)
    assert "database" not in json.loads((backup / "settings.json").read_text(encoding="utf-8"))
    code, out = run(capsys, "--data-dir", str(backup), "--read-only", "list")
    assert code == 0 and "Jürgen Müller" in out  # the backup alone, with the server gone

    # restored into a new, empty database on the server: the same archive again
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE restored_here TEMPLATE template0 ENCODING 'UTF8' "
                      "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    restored = with_database(pg_url, "restored_here")
    try:
        code, out = run(capsys, "--data-dir", data, "--database", restored, "restore",
                        str(backup))
        assert code == 0, out
        assert _found(ServerAddress.parse(restored)) == _found(sqlite_file)
        code, out = run(capsys, "--data-dir", data, "--database", restored, "restore",
                        str(backup))
        assert code == 1 and "already holds an archive" in out  # never over an archive
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE restored_here WITH (FORCE)")


def test_a_password_in_the_address_is_refused_and_never_shown(
        demo_copy: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--data-dir", str(demo_copy.data), "--database",
                    "postgresql://consult:hunter2secret@clinic-server/consult_aid", "list")
    assert code == 2
    assert "contains a password" in out and "hunter2secret" not in out


def test_a_server_that_does_not_answer_is_a_calm_message(
        demo_copy: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--data-dir", str(demo_copy.data), "--database",
                    "postgresql://consult@127.0.0.1:9/consult_aid?connect_timeout=2", "list")
    assert code == 5, out
    assert "cannot be reached" in out and "Traceback" not in out
    assert out.count("\n") == 1  # one line
