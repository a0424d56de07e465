"""The hostile inputs of issue 15, through the real command: each is refused with exit code 2 (or
verify's documented code) and one line on standard error, no traceback, quickly, in bounded
memory, and nothing is stored (``list`` shows no consult).

In-process (``consult_aid.cli.main``) where a regression could only fail; in a child process with
a time limit where it could hang (a named pipe) or take gigabytes (the dotted-key pack), so a
regression fails the test instead of stopping the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consult_aid.cli import EXIT_BUG, main
from consult_aid.resources import resource_path
from consult_aid.services.demo import DEMO_FILE

from .conftest import DemoRun, init_account

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 30.0  # seconds for a child process; a hang is killed and fails the test
PEAK_MB = 500  # a child's peak resident memory (the dotted-key pack once took 23.6 GB)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="named pipes and wait4 are POSIX")


def demo_document(**changes: Any) -> dict[str, Any]:
    document = json.loads(resource_path(*DEMO_FILE).read_text(encoding="utf-8"))
    document["consult"].update(changes)
    return document


def with_patient(**changes: Any) -> dict[str, Any]:
    document = demo_document()
    document["consult"]["patient"].update(changes)
    return document


def with_point(x: float) -> dict[str, Any]:
    document = demo_document()
    document["consult"]["signatures"][0]["strokes"][0]["points"][0]["x"] = x
    return document


def demo_text(document: dict[str, Any] | None = None) -> str:
    return json.dumps(document if document is not None else demo_document())


def replaced(old: str, new: str) -> str:
    text = demo_text()
    assert old in text
    return text.replace(old, new, 1)


def with_list(field: str, item: str, count: int) -> str:
    """The demo with ``field`` replaced by ``count`` copies of ``item`` (a JSON text), built as
    text: a Python list of 450,000 dicts would cost the test what the import must not."""
    document = demo_document(**{field: "@LIST@"})
    return demo_text(document).replace('"@LIST@"', "[" + ",".join([item] * count) + "]")


def with_points(count: int) -> str:
    document = demo_document()
    document["consult"]["signatures"][0]["strokes"] = "@LIST@"
    points = ",".join(['{"x": 10, "y": 20, "pressure": 0.5}'] * count)
    return demo_text(document).replace('"@LIST@"', '[{"points": [' + points + "]}]")


# name -> (the file's text, what stderr must say)
HOSTILE_JSON: dict[str, tuple[Callable[[], str | bytes], str]] = {
    "nested 100,000 deep": (lambda: "[" * 100_000 + "]" * 100_000,
                            "nested more than 32 levels deep"),
    "a 5,000-digit integer": (lambda: replaced('"pain_now": 6', '"pain_now": ' + "9" * 5000),
                              "a number in the JSON has 5,000 digits; at most 20"),
    "NaN": (lambda: replaced('"opioid_mme_per_day": 60.0', '"opioid_mme_per_day": NaN'),
            "NaN is not a number JSON allows"),
    "a lone surrogate in a name (escaped)": (
        lambda: replaced('"name": "Helen Marsh', '"name": "\\ud800Helen Marsh'),
        "consult.patient.name: the text is not valid Unicode"),
    "a lone surrogate in a name (raw bytes)": (
        lambda: demo_text().encode("utf-8").replace(b'"Helen', b'"\xed\xa0\x80Helen', 1),
        "the file is not UTF-8 text"),
    "a key given twice": (
        lambda: replaced('"mrn": "DEMO-0001"', '"mrn": "DEMO-0001", "mrn": "OTHER"'),
        "consult.patient: the key 'mrn' is given twice"),
    "a 5 MB text field": (
        lambda: demo_text(demo_document()).replace('"function_notes": "',
                                                   '"function_notes": "' + "x" * 5_000_000, 1),
        "consult.condition.function_notes: The note on function is too long (5,000,"),
    "450,000 questions": (lambda: with_list("questions", '{"question": "q", "answer": "a"}',
                                            450_000),
                          "texts and keys; at most 400,000 are read"),
    "450,000 empty questions": (lambda: with_list("questions", "{}", 450_000),
                                "lists and objects; at most 100,000 are read"),
    "101 questions": (lambda: with_list("questions", '{"question": "q", "answer": "a"}', 101),
                      "consult.questions: Too many questions (101; the limit is 100)"),
    "100,000 understanding items": (
        lambda: demo_text(demo_document(understanding={
            f"i{n}": {"item_id": f"i{n}"} for n in range(100_000)})),
        "lists and objects; at most 100,000 are read"),
    "200,000 stroke points": (lambda: with_points(200_000),
                              "texts and keys; at most 400,000 are read"),
    "5,001 stroke points": (lambda: with_points(5_001),
                            "Too many points in the signature (5,001; the limit is 5,000)"),
    "a stroke coordinate of 1e308": (
        lambda: demo_text(with_point(1e308)),
        "consult.signatures[0].strokes[0].points[0].x: The pen's position across the pad "
        "must be from 0 to 1000"),
    "id ../../x": (lambda: demo_text(demo_document(id="../../x")),
                   "consult.id: The consult id must be 1 to 64 letters, digits"),
    "id /etc/passwd": (lambda: demo_text(demo_document(id="/etc/passwd")),
                       "consult.id: The consult id must be 1 to 64"),
    "id with a newline": (lambda: demo_text(demo_document(id="abc\ndef")),
                          "consult.id: The consult id must be one line of text"),
    "an empty id": (lambda: demo_text(demo_document(id="")),
                    "consult.id: The consult id must be 1 to 64"),
    "a 1 MB id": (lambda: demo_text(demo_document(id="a" * 1_000_000)),
                  "consult.id: The consult id is too long (1,000,000 characters"),
    "a bidi override in a name": (
        lambda: demo_text(with_patient(name="Helen \u202eMarsh")),
        "consult.patient.name: The patient's name contains a text-direction control "
        "character (U+202E)"),
    "a terminal escape in a name": (
        lambda: demo_text(with_patient(name="Helen \x1b[2J")),
        "consult.patient.name: The patient's name must be one line of text; it contains a "
        "control character (U+001B)"),
    "updated_at before created_at": (
        lambda: demo_text(demo_document(updated_at="2020-01-01T00:00:00+00:00")),
        "consult.updated_at: The time of the last change is before the consult started"),
    "a 20 MB file": (lambda: " " * (20 * 1024 * 1024) + demo_text(),
                     "MiB; the limit is 16 MiB)"),
}


def stored(data: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["--data-dir", str(data), "list"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", list(HOSTILE_JSON))
def test_hostile_json_is_refused_in_one_line_and_nothing_is_stored(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, expected = HOSTILE_JSON[name]
    content = make()
    path = tmp_path / "hostile.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    data = tmp_path / "data"
    init_account(data)
    started = time.monotonic()
    code = main(["--data-dir", str(data), "import", str(path)])
    seconds = time.monotonic() - started
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("consult-aid: "), err[:500]
    assert expected in lines[0], lines[0][:500]
    assert len(lines[0]) < 400  # the value never comes back in the message
    assert seconds < 20, seconds
    assert stored(data, capsys).strip() == "No consults found."


def test_free_text_with_line_breaks_tabs_and_right_to_left_script_is_imported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What the limits allow still comes in: the refusals above are not a blanket ban."""
    document = demo_document()
    document["consult"]["lifestyle"]["goals"] = "Walk\tthe dog\r\nשלום \u202bעולם\u202c"
    path = tmp_path / "ok.json"
    path.write_text(demo_text(document), encoding="utf-8")
    data = tmp_path / "data"
    init_account(data)
    assert main(["--data-dir", str(data), "import", str(path)]) == 0, capsys.readouterr().err
    assert "demo0000000000000000000000000001" in stored(data, capsys)


def test_render_of_a_200000_character_field_is_refused_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Such a field once took `render` 30 s (a 1 MB one did not finish in 300 s)."""
    document = demo_document()
    document["consult"]["condition"]["function_notes"] = "Walks. " * 28_572
    path, pdf = tmp_path / "long.json", tmp_path / "long.pdf"
    path.write_text(demo_text(document), encoding="utf-8")
    started = time.monotonic()
    code = main(["--data-dir", str(tmp_path / "data"), "render", str(path), "--out", str(pdf)])
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - started < 10
    assert "consult.condition.function_notes: The note on function is too long (200,004 " \
           "characters; the limit is 4,000)." in err
    assert not pdf.exists()


# -- in a child process: hangs and memory -----------------------------------------------------
@dataclass(frozen=True)
class Run:
    code: int | None  # None: killed at the time limit
    out: str
    err: str
    seconds: float
    peak_mb: float


# Runs the command and, at its exit, writes its own peak RSS (VmHWM) to a file. The peak that
# wait4 reports is no good here: it starts from the RSS of the forking test process.
_CHILD = """
import atexit, runpy, sys
peak_file = sys.argv.pop(1)
def write_peak():
    try:
        with open("/proc/self/status") as status, open(peak_file, "w") as out:
            out.write(next(line for line in status if line.startswith("VmHWM")))
    except OSError:
        pass
atexit.register(write_peak)
sys.argv[0] = "consult-aid"
runpy.run_module("consult_aid", run_name="__main__", alter_sys=True)
"""


def run_cli(*argv: str, workdir: Path) -> Run:
    """``python -m consult_aid ARGV`` with a time limit, and its own peak resident memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)
    out_file, err_file, peak_file = (workdir / "child.out", workdir / "child.err",
                                     workdir / "child.peak")
    started = time.monotonic()
    with out_file.open("wb") as out, err_file.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(peak_file), *argv],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err)
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(TIME_LIMIT, kill)
    timer.start()
    try:
        proc.wait()
    finally:
        timer.cancel()
    peak = (int(peak_file.read_text().split()[1]) / 1024 if peak_file.exists()
            else float("nan"))  # no /proc: not measured
    return Run(None if killed.is_set() else proc.returncode,
               out_file.read_text(errors="replace"), err_file.read_text(errors="replace"),
               time.monotonic() - started, peak)


def assert_refused(run: Run, expected: str, *, code: int = 2) -> None:
    assert run.code is not None, f"hung: killed after {TIME_LIMIT:.0f} s"
    assert "Traceback" not in run.out + run.err
    assert run.code == code, (run.code, run.err[-500:], run.out[-500:])
    assert expected in run.err + run.out, (run.err[-500:], run.out[-500:])
    assert not run.peak_mb >= PEAK_MB, run.peak_mb  # (NaN: not measured)


@pytest.fixture
def fifo(tmp_path: Path) -> Callable[[str], Path]:
    def make(name: str) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        return path
    return make


def test_a_named_pipe_given_to_import_is_refused_at_once(tmp_path: Path,
                                                         fifo: Callable[[str], Path]) -> None:
    run = run_cli("--data-dir", str(tmp_path / "data"), "import", str(fifo("c.json")),
                  workdir=tmp_path)
    assert_refused(run, "is a named pipe, not a regular file")
    assert run.err.count("\n") == 1 and run.seconds < 20


def test_a_named_pipe_given_to_packs_check_is_refused_at_once(
        tmp_path: Path, fifo: Callable[[str], Path]) -> None:
    run = run_cli("--data-dir", str(tmp_path / "data"), "packs", "--check",
                  str(fifo("p.toml")),
                  workdir=tmp_path)
    assert_refused(run, "is a named pipe, not a regular file")


def test_a_named_pipe_given_to_verify_is_refused_at_once(tmp_path: Path,
                                                         fifo: Callable[[str], Path]) -> None:
    run = run_cli("--data-dir", str(tmp_path / "data"), "verify", str(fifo("s.pdf")),
                  workdir=tmp_path)
    assert_refused(run, "is a named pipe, not a regular file")


def test_a_200_kb_dotted_key_pack_is_refused_in_seconds_and_little_memory(
        tmp_path: Path) -> None:
    pack = tmp_path / "dotted.toml"
    pack.write_text("a" + ".a" * 100_000 + " = 1\n", encoding="utf-8")
    run = run_cli("--data-dir", str(tmp_path / "data"), "packs", "--check", str(pack),
                  workdir=tmp_path)
    assert_refused(run, "the line is 200,005 characters long")
    assert run.seconds < 10


def test_a_dotted_key_just_under_the_line_limit_is_refused_too(tmp_path: Path) -> None:
    pack = tmp_path / "dotted.toml"
    pack.write_text("\n".join(f"k{n}" + ".a" * 4_990 + " = 1" for n in range(40)) + "\n",
                    encoding="utf-8")
    run = run_cli("--data-dir", str(tmp_path / "data"), "packs", "--check", str(pack),
                  workdir=tmp_path)
    assert_refused(run, "a key of 4,991 parts joined by dots; at most 9 parts are read")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("deep", "x = " + "[" * 100_000 + "]" * 100_000 + "\n", "the line is 200,004 characters"),
    ("deep-lines", "x = " + "[\n" * 5_000 + "]\n" * 5_000, "nested more than 16 deep"),
    ("bigint", "id = 'x'\nversion = " + "9" * 5000 + "\n", "a number is far too long"),
    ("hugeint", "id = 'x'\ndenominator = " + "9" * 4000 + "\n", "larger than a pack needs"),
    ("nan", "id = 'x'\ndenominator = nan\n", "must be a finite number"),
])
def test_a_hostile_pack_to_packs_check_is_refused(tmp_path: Path, name: str, text: str,
                                                  expected: str) -> None:
    pack = tmp_path / f"{name}.toml"
    pack.write_text(text, encoding="utf-8")
    run = run_cli("--data-dir", str(tmp_path / "data"), "packs", "--check", str(pack),
                  workdir=tmp_path)
    assert_refused(run, expected)


def test_bad_clinic_packs_are_skipped_by_packs_with_one_line_each(
        tmp_path: Path, fifo: Callable[[str], Path]) -> None:
    data = tmp_path / "data"
    packs = data / "packs"
    packs.mkdir(parents=True)
    (packs / "dotted.toml").write_text("a" + ".a" * 100_000 + " = 1\n", encoding="utf-8")
    (packs / "deep.toml").write_text("x = " + "[\n" * 5_000 + "]\n" * 5_000, encoding="utf-8")
    (packs / "bigint.toml").write_text("version = " + "9" * 5000 + "\n", encoding="utf-8")
    os.mkfifo(packs / "pipe.toml")
    run = run_cli("--data-dir", str(data), "packs", workdir=tmp_path)
    assert run.code == 0, run.err
    assert "Traceback" not in run.out + run.err and not run.peak_mb >= PEAK_MB
    for name in ("dotted", "deep", "bigint", "pipe"):
        (line,) = [x for x in run.out.splitlines() if f"{name}.toml is invalid" in x]
        assert str(packs / f"{name}.toml") in line
    assert "intrathecal-pump" in run.out and run.seconds < 20


def deep_pdf(depth: int) -> bytes:
    head = b"%PDF-1.7\n"
    obj1 = (b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth
            + b" >>\nendobj\n")
    obj2 = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    xref_at = len(head) + len(obj1) + len(obj2)
    xref = (b"xref\n0 3\n0000000000 65535 f \n" + b"%010d 00000 n \n" % len(head)
            + b"%010d 00000 n \n" % (len(head) + len(obj1)))
    return (head + obj1 + obj2 + xref + b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n"
            + str(xref_at).encode() + b"\n%%EOF\n")


def test_a_pdf_nested_100000_deep_is_not_a_readable_pdf(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "deep.pdf"
    pdf.write_bytes(deep_pdf(100_000))
    code = main(["--data-dir", str(tmp_path / "data"), "verify", str(pdf)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and code not in (0, EXIT_BUG)
    assert code == 2  # verify: 2 = not a readable PDF
    assert f"{pdf}: NOT A READABLE PDF" in out
    assert "nested far deeper than any real document's" in out


def test_an_unknown_checklist_id_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    document = demo_document()
    document["consult"]["checklist"]["no-such-item"] = True
    path = tmp_path / "c.json"
    path.write_text(demo_text(document), encoding="utf-8")
    data = tmp_path / "data"
    init_account(data)
    assert main(["--data-dir", str(data), "import", str(path)]) == 2
    assert "consult.checklist.no-such-item" in capsys.readouterr().err
    assert stored(data, capsys).strip() == "No consults found."


def test_a_binary_password_file_is_refused(demo_copy: DemoRun, tmp_path: Path) -> None:
    password = tmp_path / "pw.bin"
    password.write_bytes(b"abc\x00def\n")
    run = run_cli("--data-dir", str(demo_copy.data), "addendum", demo_copy.consult_id,
                  "--text", "A note.", "--password-file", str(password),
                  workdir=tmp_path)
    assert_refused(run, "control character")
