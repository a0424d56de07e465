"""The hostile inputs of issue 15, each through the real command in a child process whose memory
is capped (RLIMIT_AS) and whose run is timed out: each must be refused with one clear line and
exit 2 (or, where marked, handled), within the time limit, and the child's peak RSS (from
``os.wait4``) stays under the bound. Full run only: a hang costs the whole time limit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import Template
from .harness import BUG_EXIT, FIGURES, ROOT, child_env, cli
from .strategies import demo_document, pack_files

pytestmark = [pytest.mark.reliability_full,
              pytest.mark.skipif(os.name != "posix", reason="RLIMIT_AS and wait4 are POSIX")]

MEMORY_CAP = 4 * 1024**3  # address space of the child: the 23.6 GB case stops here
PEAK_BOUND_MB = 1024  # what "bounded memory" means here: a child's peak RSS
TIME_LIMIT = 60.0  # seconds; the issue saw 30 s, 104 s and "not in 300 s"
REFUSED = "refused"  # exit 2 and one line
CHECKED = "checked"  # a checking command's own report (verify, packs --check): exit 2
HANDLED = "handled"  # exit 0, or a one-line refusal


@dataclass(frozen=True)
class Outcome:
    code: int | None  # None: killed at the time limit
    out: str
    err: str
    seconds: float
    peak_rss_mb: float

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def kind(self) -> str:
        if self.code is None:
            return "hang"
        if "MemoryError" in self.err or "MemoryError" in self.out:
            return "memory"
        if self.code == BUG_EXIT or "Traceback" in self.err:
            return "bug"
        if self.code == 0:
            return "ok"
        return f"exit {self.code}"


# A small launcher process starts the command, so that the command's peak RSS (from wait4) is
# its own: a child forked straight from pytest would count pytest's pages until its exec.
LAUNCHER = textwrap.dedent("""
    import json, os, resource, signal, subprocess, sys, threading, time
    cap, limit = int(sys.argv[1]), float(sys.argv[2])
    out, err, argv = sys.argv[3], sys.argv[4], sys.argv[5:]
    def capped():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    start = time.perf_counter()
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen(argv, stdout=o, stderr=e, stdin=subprocess.DEVNULL,
                                preexec_fn=capped)
    timed_out = threading.Event()
    def stop():
        timed_out.set()
        os.kill(proc.pid, signal.SIGKILL)
    timer = threading.Timer(limit, stop)
    timer.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": None if timed_out.is_set() else proc.returncode,
                      "seconds": time.perf_counter() - start,
                      "peak_rss_mb": usage.ru_maxrss / 1024}))
""")


def run_capped(argv: list[str], workdir: Path, *, env: dict[str, str] | None = None) -> Outcome:
    """Run ``argv`` with its address space capped, killed at the time limit; its peak RSS."""
    out_file, err_file = workdir / "stdout", workdir / "stderr"
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(MEMORY_CAP), str(TIME_LIMIT), str(out_file),
         str(err_file), *argv],
        capture_output=True, text=True, env=env or child_env(), cwd=ROOT,
        timeout=TIME_LIMIT + 60, check=True)
    result = json.loads(launched.stdout)
    return Outcome(result["code"], out_file.read_text(errors="replace"),
                   err_file.read_text(errors="replace"), result["seconds"],
                   result["peak_rss_mb"])


# -- the inputs --------------------------------------------------------------------------------
def demo_json(change: Callable[[dict], None] | None = None) -> dict:
    document = demo_document()
    document["consult"]["signatures"] = []
    if change is not None:
        change(document["consult"])
    return document


def write_json(path: Path, document: dict, *, text: str | None = None) -> Path:
    path.write_text(text if text is not None else json.dumps(document), encoding="utf-8")
    return path


def _questions(c: dict) -> None:
    c["questions"] = [{"question": f"Question {i}?", "answer": "Yes."} for i in range(450_000)]


def _many_questions(c: dict) -> None:
    c["questions"] = [{"question": "Q?", "answer": ""} for _ in range(150_000)]


def _understanding(c: dict) -> None:
    c["understanding"] = {f"item-{i}": {"item_id": f"item-{i}", "discussed": True,
                                        "level": "understood", "patient_words": "",
                                        "re_explained": False} for i in range(100_000)}


def _strokes(c: dict) -> None:
    points = [{"x": i % 400, "y": i % 200, "pressure": 0.5} for i in range(200_000)]
    c["signatures"] = [{"role": "patient", "printed_name": c["patient"]["name"],
                        "signed_at": c["updated_at"], "meaning": "patient",
                        "strokes": [{"points": points}]}]


def _field(n: int) -> Callable[[dict], None]:
    def change(c: dict) -> None:
        c["condition"]["function_notes"] = ("Can walk ten minutes. " * (n // 22 + 1))[:n]
    return change


def _with(key: str, value: object) -> Callable[[dict], None]:
    def change(c: dict) -> None:
        c["patient"][key] = value
    return change


def _consult_id(value: str) -> Callable[[dict], None]:
    def change(c: dict) -> None:
        c["id"] = value
    return change


def nested_pdf(depth: int) -> bytes:
    """A well-formed PDF (header, objects, xref, trailer) whose catalog's form fields, which
    verifying walks to find signatures, are arrays nested ``depth`` deep."""
    nest = b"[" * depth + b"]" * depth
    objects = [b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields " + nest + b" >> >>",
               b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return out


@dataclass(frozen=True)
class Hostile:
    name: str
    expect: str  # REFUSED or HANDLED
    build: Callable[[Path, Path], list[str]]  # (workdir, data folder) -> argv
    xfail: str = ""  # the issue item a failure today belongs to


def _import(change: Callable[[dict], None] | None = None, *, text: str | None = None
            ) -> Callable[[Path, Path], list[str]]:
    def build(work: Path, data: Path) -> list[str]:
        return cli(data, "import", str(write_json(work / "in.json", demo_json(change),
                                                  text=text)))
    return build


def _render(change: Callable[[dict], None]) -> Callable[[Path, Path], list[str]]:
    def build(work: Path, data: Path) -> list[str]:
        path = write_json(work / "in.json", demo_json(change))
        return cli(data, "render", str(path), "--out", str(work / "out.pdf"))
    return build


def _pack(text: Callable[[], str | bytes]) -> Callable[[Path, Path], list[str]]:
    def build(work: Path, data: Path) -> list[str]:
        body = text()
        path = work / "pack.toml"
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
        return cli(data, "packs", "--check", str(path))
    return build


def _fifo(*command: str) -> Callable[[Path, Path], list[str]]:
    def build(work: Path, data: Path) -> list[str]:
        pipe = work / "pipe"
        os.mkfifo(pipe)
        return cli(data, *command, str(pipe))
    return build


def _pdf(work: Path, data: Path) -> list[str]:
    path = work / "nested.pdf"
    path.write_bytes(nested_pdf(100_000))
    return cli(data, "verify", str(path))


def _binary_password(work: Path, data: Path) -> list[str]:
    path = work / "password"
    path.write_bytes(bytes(range(256)) * 4)
    return cli(data, "demo", "--out", str(work / "out"), "--password-file", str(path))


def _huge_int(c: dict) -> None:
    c["condition"]["pain_duration_months"] = "HUGE"


HUGE_INT_TEXT = json.dumps(demo_json(_huge_int)).replace('"HUGE"', "9" * 5000)
DEEP_JSON = "[" * 100_000 + "]" * 100_000
SURROGATE = json.dumps(demo_json(_with("name", "Helen \ud800 Marsh")))
DUPLICATE_KEYS = json.dumps(demo_json()).replace('"status": "draft"',
                                                 '"status": "draft", "status": "draft"', 1)

HOSTILE = (
    Hostile("import nesting 100,000 deep", REFUSED, _import(text=DEEP_JSON)),
    Hostile("import 5,000-digit integer", REFUSED, _import(text=HUGE_INT_TEXT)),
    Hostile("import lone surrogate", REFUSED, _import(text=SURROGATE)),
    Hostile("import 50 MB text field", REFUSED, _import(_field(50_000_000))),
    Hostile("import 450,000 questions", REFUSED, _import(_questions)),
    Hostile("import 150,000 questions (5 MB)", REFUSED, _import(_many_questions)),
    Hostile("import 10 MB text field", REFUSED, _import(_field(10_000_000))),
    Hostile("import 100,000 understanding", REFUSED, _import(_understanding)),
    Hostile("import 200,000 stroke points", REFUSED, _import(_strokes)),
    Hostile("import id ../../pwned", REFUSED, _import(_consult_id("../../../../pwned"))),
    Hostile("import duplicate keys", REFUSED, _import(text=DUPLICATE_KEYS)),
    Hostile("render 200,000-char field", REFUSED, _render(_field(200_000))),
    Hostile("render 1 MB field", REFUSED, _render(_field(1_000_000))),
    Hostile("packs 200 KB dotted keys", CHECKED,
            _pack(lambda: ".".join(["a"] * 100_000) + " = 1\n")),
    Hostile("packs nesting 100,000 deep", CHECKED,
            _pack(lambda: "a = " + "[" * 100_000 + "]" * 100_000 + "\n")),
    Hostile("packs 5,000-digit integer", CHECKED,
            _pack(lambda: pack_files()[0].read_text().replace("denominator = 1000",
                                                              "denominator = " + "9" * 5000))),
    Hostile("packs named pipe", CHECKED, _fifo("packs", "--check")),
    Hostile("verify named pipe", CHECKED, _fifo("verify")),
    Hostile("verify deeply nested PDF", CHECKED, _pdf),
    Hostile("demo binary password file", REFUSED, _binary_password),
)


def _case(h: Hostile) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=f"issue 15 item {h.xfail}: fails today")
             ] if h.xfail else []
    return pytest.param(h, id=h.name, marks=marks)


@pytest.mark.parametrize("hostile", [_case(h) for h in HOSTILE])
def test_hostile_input_is_refused_in_bounded_time_and_memory(hostile: Hostile,
                                                             tmp_path: Path) -> None:
    data = tmp_path / "data"
    argv = hostile.build(tmp_path, data)
    outcome = run_capped(argv, tmp_path)
    lines = outcome.err.strip().splitlines()
    FIGURES.hostile[hostile.name] = {
        "outcome": outcome.kind, "exit": outcome.code, "seconds": round(outcome.seconds, 2),
        "peak_rss_mb": round(outcome.peak_rss_mb, 1),
        "message": lines[-1][:300] if lines else outcome.out.strip()[:300]}
    assert outcome.code is not None, f"no answer within {TIME_LIMIT:.0f} s"
    assert outcome.kind not in ("bug", "memory"), outcome.err[-2000:]
    assert outcome.peak_rss_mb < PEAK_BOUND_MB, f"peak RSS {outcome.peak_rss_mb:.0f} MB"
    if hostile.expect == CHECKED:
        assert outcome.code == 2, (outcome.code, outcome.out[-500:], outcome.err[-500:])
        headline = outcome.out.strip().splitlines()[:1]
        assert len(lines) == 1 or re.search(r"NOT A READABLE PDF|: invalid, \d+ problems?:",
                                            headline[0] if headline else ""), outcome.text
    elif hostile.expect == REFUSED:
        assert outcome.code == 2, (outcome.code, outcome.out[-500:], outcome.err[-500:])
        assert len(lines) == 1 and lines[0].startswith("consult-aid: "), outcome.err
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", lines[0])
    else:
        assert outcome.code == 0 or len(lines) == 1, outcome.err


def test_rendering_a_signed_consults_json_is_handled(importing: Template,
                                                     tmp_path: Path) -> None:
    """`render` of a JSON whose consult is already signed (a traceback in issue 15)."""
    assert importing.extra is not None
    outcome = run_capped(cli(tmp_path / "data", "render", str(importing.extra), "--out",
                             str(tmp_path / "out.pdf")), tmp_path)
    lines = outcome.err.strip().splitlines()
    FIGURES.hostile["render signed consult JSON"] = {
        "outcome": outcome.kind, "exit": outcome.code, "seconds": round(outcome.seconds, 2),
        "peak_rss_mb": round(outcome.peak_rss_mb, 1),
        "message": lines[-1][:300] if lines else outcome.out.strip()[:300]}
    assert outcome.kind not in ("bug", "memory", "hang"), outcome.err[-2000:]
    assert outcome.code == 0 or len(lines) == 1, outcome.err
