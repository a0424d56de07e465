"""Every command, given malformed input, answers with exit 2 or one line that says what is
wrong — never a traceback, never the "did not expect" bug message, and never exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from consult_aid.cli import EXIT_BUG, main
from consult_aid.resources import resource_path
from consult_aid.services.demo import DEMO_FILE
from tests.pdfcheck import flat_text

from .conftest import DemoRun, init_account

ROOT = str(Path(__file__).resolve().parents[2])

Case = Callable[[Path, Path], list[str]]  # (data folder, scratch folder) -> argv


def _write(folder: Path, name: str, data: bytes | str) -> str:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def _demo_json(**changes: object) -> str:
    document = json.loads(resource_path(*DEMO_FILE).read_text(encoding="utf-8"))
    document["consult"].update(changes)
    return json.dumps(document)


CASES: dict[str, Case] = {
    "list: a limit that is not a number": lambda d, t: ["list", "--limit", "many"],
    "list: an unknown status": lambda d, t: ["list", "--status", "lost"],
    "search: no words": lambda d, t: ["search"],
    "import: no such file": lambda d, t: ["import", str(t / "missing.json")],
    "import: a folder": lambda d, t: ["import", str(t)],
    "import: not JSON": lambda d, t: ["import", _write(t, "x.json", "{consult: ")],
    "import: binary": lambda d, t: ["import", _write(t, "x.json", b"\xff\xfe\x00\x81" * 50)],
    "import: nested ten thousand deep": lambda d, t: [
        "import", _write(t, "deep.json", "[" * 10_000 + "]" * 10_000)],
    "import: a 5,000-digit number": lambda d, t: [
        "import", _write(t, "big.json", '{"format": "consult-aid/consult", "version": '
                         + "9" * 5000 + "}")],
    "import: a consult with a pain score of 11": lambda d, t: [
        "import", _write(t, "bad.json", _demo_json(condition={"pain_now": 11}))],
    "import: a signed consult without its PDF": lambda d, t: [
        "import", _write(t, "s.json", _demo_json(status="signed"))],
    "export: an unknown id": lambda d, t: ["export", "no-such-consult", "--json"],
    "export: without a format": lambda d, t: ["export", "no-such-consult"],
    "render: not JSON": lambda d, t: ["render", _write(t, "x.json", "nope"),
                                      "--out", str(t / "x.pdf")],
    "addendum: a binary text file": lambda d, t: [
        "addendum", "no-such-consult", "--text-file", _write(t, "note.txt", b"\xff\x81")],
    "verify: not a PDF": lambda d, t: ["verify", _write(t, "x.pdf", "hello")],
    "verify: no such file": lambda d, t: ["verify", str(t / "missing.pdf")],
    "verify: a PDF nested 5,000 arrays deep": lambda d, t: [
        "verify", _write(t, "deep.pdf", b"%PDF-1.7\n1 0 obj\n" + b"[" * 5000 + b"]" * 5000
                         + b"\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")],
    "packs: check a file that is not TOML": lambda d, t: [
        "packs", "--check", _write(t, "p.toml", "[[[not toml")],
    "packs: check a binary file": lambda d, t: [
        "packs", "--check", _write(t, "p.toml", b"\x00\xff" * 100)],
    "packs: audit an unknown pack": lambda d, t: ["packs", "--audit", "no-such-pack"],
    "demo: output into a file, not a folder": lambda d, t: [
        "demo", "--out", _write(t, "taken", "a file")],
    "unknown command": lambda d, t: ["explode"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input_gets_a_clear_answer(name: str, tmp_path: Path, capsys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    data, scratch = tmp_path / "data", tmp_path / "scratch"
    scratch.mkdir()
    init_account(data)  # signed in, so the command gets as far as the bad input
    argv = ["--data-dir", str(data), *CASES[name](data, scratch)]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: a usage line and the error, exit 2
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code not in (0, EXIT_BUG), (code, err)
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 2:  # bad input: said on standard error, or as the check's own report
        assert lines or out.strip()
    else:
        assert len(lines) == 1 and lines[0].startswith("consult-aid:"), err


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    environ.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "consult_aid", *argv], env=environ,
                          capture_output=True, text=True, timeout=120, check=False)


def test_rendering_a_signed_consult_set_back_to_draft_makes_only_a_draft(
        demo_copy: DemoRun, tmp_path: Path) -> None:
    """The case that once ended in a RecordLockedError traceback: `render` never signs, so a
    signed consult edited back to "draft" in a file becomes an unsigned draft copy, nothing
    stored or signed."""
    data = str(demo_copy.data)
    exported = tmp_path / "signed.json"
    assert _run("--data-dir", data, "export", demo_copy.consult_id, "--json",
                "--out", str(exported)).returncode == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["consult"]["status"] = "draft"
    exported.write_text(json.dumps(document), encoding="utf-8")
    done = _run("--data-dir", data, "render", str(exported), "--out", str(tmp_path / "x.pdf"),
                env={"CONSULT_AID_PASSWORD": "consult-aid-demo"})
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    assert "Unsigned draft summary" in done.stdout
    assert "DRAFT — NOT SIGNED" in flat_text((tmp_path / "x.pdf").read_bytes())
    assert _run("--data-dir", data, "verify", str(tmp_path / "x.pdf")).returncode == 1


def test_a_damaged_database_is_named_not_used(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "consult-aid.sqlite3").write_bytes(os.urandom(8192))
    done = _run("--data-dir", str(data), "list")
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 5, done.stderr  # a storage error
    assert done.stderr.strip().count("\n") == 0
    assert "failed its start-up check" in done.stderr
    assert "not a SQLite database" in done.stderr and "consult-aid restore" in done.stderr


def test_a_bug_is_logged_and_named_in_one_line(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """What is left after the known errors: one line naming the log; the traceback is there."""
    from consult_aid.services import consults

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(consults, "summaries", broken)
    init_account(tmp_path / "data")
    assert main(["--data-dir", str(tmp_path / "data"), "list"]) == EXIT_BUG
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    log = tmp_path / "data" / "logs" / "consult-aid.log"
    assert str(log) in err
    assert "ZeroDivisionError: a bug" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["binary password file", "unknown id", "folder is a file"])
def test_malformed_input_on_a_data_folder_that_can_sign(case: str, demo_copy: DemoRun,
                                                         tmp_path: Path, capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The cases that need a signing identity and an installed pack to get that far."""
    monkeypatch.delenv("CONSULT_AID_PASSWORD", raising=False)
    data = str(demo_copy.data)
    if case == "binary password file":
        from consult_aid.content import load_catalog
        from consult_aid.services.demo import demo_consult

        consult = demo_consult(load_catalog(None))[0]  # on the installed pack
        consult.id = "f" * 32
        argv = ["--data-dir", data, "addendum", demo_copy.consult_id, "--text", "note",
                "--password-file", _write(tmp_path, "pw", b"\xff\xfe\x81")]
        expected = "not UTF-8"
    elif case == "unknown id":
        monkeypatch.setenv("CONSULT_AID_PASSWORD", "consult-aid-demo")
        argv = ["--data-dir", data, "addendum", "no-such-consult", "--text", "note"]
        expected = "No consult with id no-such-consult"
    else:
        argv = ["--data-dir", _write(tmp_path, "afile", "x") + "/data", "list"]
        expected = "Not a directory"
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code not in (0, EXIT_BUG)
    assert err.strip().count("\n") == 0 and expected in err, err
