"""What the command line prints and writes, when the data or the terminal is hostile.

- text from data (names, MRNs, ids, file names) is shown, never obeyed by the terminal;
- ``--limit`` outside 1..10,000 is refused;
- a reader that stops early (``| head -1``) is not an error;
- ``--out`` naming a folder is one clear line;
- a full disk on the first start names the file it could not write.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from consult_aid.cli import EXIT_BUG, main
from consult_aid.cli.documents import DEMO_PASSWORD, DEMO_USER, PASSWORD_ENV
from consult_aid.services import store
from consult_aid.services.consults import save_draft
from consult_aid.services.store import open_store
from consult_aid.terminal import safe_json
from tests.builders import NOW, sample_consult, sample_patient
from tests.signed_in import sign_in_db

from .conftest import DemoRun, init_account

ROOT = str(Path(__file__).resolve().parents[2])
HOSTILE_NAME = "Mallory \x1b[2J\u202eLIVE\u2066 evil\nNext\x9b31m \x07end"
HOSTILE_MRN = "MRN\x1b]0;pwned\x07"
HOSTILE_ID = "evil\n\x1b[2Jid"
UNSAFE = ("\x1b", "\u202e", "\u2066", "\x9b", "\x07")


def _run(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": ROOT, PASSWORD_ENV: DEMO_PASSWORD}
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "consult_aid", *argv], env=env,
                          capture_output=True, timeout=180, check=False, **kwargs)  # type: ignore[call-overload]


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    """A data folder with three consults, two of them with a name, an MRN and an id a terminal
    would obey. Consult Aid now refuses such text when it is entered or imported, but a
    database written before holds it: stored through the services with plain values, then
    changed in the file as an older version could have stored them."""
    data = tmp_path / "data"
    data.mkdir()
    path = data / "consult-aid.sqlite3"
    with open_store(path) as db:
        sign_in_db(db, DEMO_USER, "Dr. Sam Rivera", password=DEMO_PASSWORD)
        save_draft(db, sample_consult("1" * 32, patient=sample_patient("Mallory One")), now=NOW)
        save_draft(db, sample_consult("2" * 32, patient=sample_patient("Mallory Two")), now=NOW)
        save_draft(db, sample_consult("3" * 32, patient=sample_patient("Grace Hopper")), now=NOW)
        con = db.connection  # its search triggers need the functions this connection has
        con.execute("PRAGMA foreign_keys=OFF")  # the audit trail names the old id
        con.execute("UPDATE consults SET body = json_set(body, '$.consult.patient.name', ?, "
                    "'$.consult.patient.mrn', ?) WHERE id = ?", (HOSTILE_NAME, HOSTILE_MRN,
                                                                 "1" * 32))
        con.execute("UPDATE consults SET id = ?, body = json_set(body, '$.consult.id', ?) "
                    "WHERE id = ?", (HOSTILE_ID, HOSTILE_ID, "2" * 32))
    return data


def _rows(out: str) -> list[str]:
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "PATIENT", "DATE", "PROCEDURE", "STATUS"]
    return lines[1:]


def test_list_and_search_show_control_and_bidi_characters_instead_of_obeying_them(
        hostile_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(hostile_folder), "list"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in UNSAFE), repr(out)
    rows = _rows(out)
    assert len(rows) == 3  # one row per consult: no newline splits one
    assert any("Mallory ␛[2J<U+202E>LIVE" in row for row in rows), rows
    assert any(row.startswith("evil␊␛[2Jid") for row in rows), rows

    assert main(["--data-dir", str(hostile_folder), "search", "Mallory"]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in UNSAFE), repr(out)
    assert len(_rows(out)) == 2


def test_the_bytes_on_the_terminal_hold_no_escape(hostile_folder: Path) -> None:
    """The same through a real process: what reaches the terminal, byte for byte (export may
    refuse such a consult or write it: either way nothing in its output is obeyed)."""
    for argv in (["list"], ["search", "Mallory"], ["export", "1" * 32, "--json"],
                 ["export", HOSTILE_ID, "--json"]):
        done = _run("--data-dir", str(hostile_folder), *argv)
        assert done.returncode == 0 or argv[0] == "export", done.stderr
        for stream in (done.stdout, done.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream
            assert not any(ch in stream.decode("utf-8") for ch in UNSAFE), argv


def test_json_on_standard_output_escapes_what_a_terminal_obeys_and_stays_the_same_json(
        ) -> None:
    document = {"name": HOSTILE_NAME + "\ud800\u2028", "n": [1, 2]}
    text = json.dumps(document, ensure_ascii=False, indent=2)
    shown = safe_json(text)
    assert not any(ch in shown for ch in (*UNSAFE, "\ud800", "\u2028"))
    assert json.loads(shown) == document
    assert shown.count("\n") == text.count("\n")  # the layout is kept


def test_an_error_naming_a_hostile_id_shows_it_escaped(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    init_account(tmp_path / "data")
    assert main(["--data-dir", str(tmp_path / "data"), "export", "no\x1b[2J\u202eid",
                 "--json"]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no␛[2J<U+202E>id" in err


@pytest.mark.parametrize("value", ["-5", "0", "10001", "99999999999999999999"])
@pytest.mark.parametrize("command", [["list"], ["search", "x"]])
def test_a_limit_outside_one_to_ten_thousand_is_refused(
        value: str, command: list[str], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path / "data"), *command, "--limit", value])
    assert exit_.value.code == 2
    assert "--limit: must be a whole number from 1 to 10,000" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # refused before anything was done


def test_the_limits_themselves_are_accepted(hostile_folder: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(hostile_folder), "list", "--limit", "1"]) == 0
    assert len(_rows(capsys.readouterr().out)) == 1
    assert main(["--data-dir", str(hostile_folder), "list", "--limit", "10000"]) == 0
    assert len(_rows(capsys.readouterr().out)) == 3
    assert "1 to 10,000" in _help("list") and "1 to 10,000" in _help("search", "x")


def _help(*command: str) -> str:
    done = _run(command[0], "--help")
    return done.stdout.decode()


def _closed_stdout(*argv: str) -> tuple[int, str]:
    """Run with standard output a pipe nobody reads any more (``| head -1`` that has
    finished): the reading end is closed before the program writes."""
    env = {**os.environ, "PYTHONPATH": ROOT, PASSWORD_ENV: DEMO_PASSWORD}
    env.pop("DISPLAY", None)
    child = subprocess.Popen([sys.executable, "-m", "consult_aid", *argv], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    err = child.stderr.read().decode()
    child.stderr.close()
    return child.wait(timeout=180), err


def test_a_reader_that_stops_early_is_not_an_error(hostile_folder: Path) -> None:
    for argv in (["list"], ["search", "Mallory"], ["export", "3" * 32, "--json"],
                 ["packs"]):
        code, err = _closed_stdout("--data-dir", str(hostile_folder), *argv)
        assert code == 0, (argv, err)
        assert err == "", (argv, err)  # no "Broken pipe", no "Exception ignored"


def test_a_command_whose_reader_stopped_early_still_finishes_its_work(tmp_path: Path) -> None:
    """`demo --out DIR | head -1`: every file is written, exit 0."""
    code, err = _closed_stdout("--data-dir", str(tmp_path / "data"), "demo", "--out",
                               str(tmp_path / "out"))
    assert code == 0 and err == "", err
    assert len(list((tmp_path / "out").glob("summary-*.pdf"))) == 1
    assert len(list((tmp_path / "out").glob("handout-*.pdf"))) == 4


def test_out_naming_a_folder_is_one_clear_line(demo_copy: DemoRun, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, DEMO_PASSWORD)
    data = str(demo_copy.data)
    exported = tmp_path / "c.json"
    assert main(["--data-dir", data, "export", demo_copy.consult_id, "--json",
                 "--out", str(exported)]) == 0
    folder = tmp_path / "a folder"
    folder.mkdir()
    capsys.readouterr()
    for argv in (["export", demo_copy.consult_id, "--json", "--out", str(folder)],
                 ["render", str(exported), "--out", str(folder)],
                 ["addendum", demo_copy.consult_id, "--text", "note", "--out", str(folder)]):
        assert main(["--data-dir", data, *argv]) == 2, argv
        err = capsys.readouterr().err
        assert err == f"consult-aid: {folder} is a folder: --out needs a file name\n", err
    assert list(folder.iterdir()) == []  # no temp file left in it
    # and the addendum was refused before anything was signed
    assert main(["--data-dir", data, "list"]) == 0
    assert "signed" in capsys.readouterr().out


def _no_file_writes() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_first_start_that_cannot_write_names_the_file_and_leaves_nothing_broken(
        tmp_path: Path) -> None:
    """Every write past 0 bytes fails (RLIMIT_FSIZE: the child's files cannot grow), as on a
    full disk; the folders can still be made. The message names the database; the empty file
    SQLite made is removed, so the next start is a first start again, not a "damaged"
    database."""
    data = tmp_path / "data"
    done = _run("--data-dir", str(data), "list", preexec_fn=_no_file_writes)
    err = done.stderr.decode()
    assert done.returncode not in (0, EXIT_BUG), err
    assert "Traceback" not in err and "no file" not in err and "Logging error" not in err
    assert err.count("\n") == 1 and str(data / "consult-aid.sqlite3") in err, err
    assert not (data / "consult-aid.sqlite3").exists()
    again = _run("--data-dir", str(data), "list")  # a new database: no accounts in it yet
    assert again.returncode == 2, again.stderr
    assert b"no accounts yet" in again.stderr and b"accounts init" in again.stderr


def test_a_write_that_fails_without_a_file_name_is_named_anyway(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A full disk fails a write() or fsync(), and Python's error then names no file: the
    message names the one being written, never "(no file)"."""
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "write_atomically", full)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "list"]) == 1
    err = capsys.readouterr().err
    assert err == (f"consult-aid: {os.strerror(errno.ENOSPC)} "
                   f"({data / 'database-created'})\n"), err


def test_a_full_disk_on_the_first_start_names_the_database(tmp_path: Path) -> None:
    """A real full file system (a 64 KiB tmpfs filled up), where the system allows mounting
    one in a private mount namespace (root with CAP_SYS_ADMIN); skipped elsewhere."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    mount = tmp_path / "full"
    mount.mkdir()
    script = (f'mount -t tmpfs -o size=64k tmpfs "{mount}" || exit 99; '
              f'dd if=/dev/zero of="{mount}/fill" bs=4k count=100 2>/dev/null; '
              f'"{sys.executable}" -m consult_aid --data-dir "{mount}/data" list')
    env = {**os.environ, "PYTHONPATH": ROOT}
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    if done.returncode == 99 or "unshare failed" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    assert done.returncode not in (0, EXIT_BUG), done.stderr
    assert "Traceback" not in done.stderr and "no file" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"{mount}/data" in done.stderr, done.stderr


def test_verify_and_the_password_file_read_only_bounded_regular_files(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A named pipe once blocked `verify` forever; a password file is at most 4 KiB."""
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    assert main(["--data-dir", str(demo_copy.data), "verify", str(pipe)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(pipe) in err and "not a regular file" in err, err
    big = tmp_path / "password.txt"
    big.write_text("x" * 5000)
    assert main(["--data-dir", str(demo_copy.data), "addendum", demo_copy.consult_id,
                 "--text", "note", "--password-file", str(big)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(big) in err, err
