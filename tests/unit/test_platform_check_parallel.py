"""The xcb check runs while the window's modules are imported (issue 16: start-up).

``consult-aid`` (``consult_aid.cli.gui.run``) starts ``ldd`` on Qt's xcb plugin, imports the
window's modules while it runs, and waits for its answer before ``run_app`` creates the
QApplication (which loads the plugin: Qt aborts there when a library is missing). Here a fake
``ldd``, first on PATH, sleeps and records when it ran; a module named in ``BEFORE_QT`` records
when it was imported; a fake ``run_app`` records when it was called. The real ``ldd`` on the
real plugin is tested in tests/e2e/test_real_display.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import consult_aid.ui.app
from consult_aid.cli import gui
from consult_aid.datadir import DataFolder
from consult_aid.ui import platform_check
from consult_aid.ui.platform_check import LddRun, MissingLibraries, start_platform_check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="ldd is run on Linux (X11) only")

LDD_SLEEP_S = 1.0
NOT_FOUND = "\tlibxcb-cursor.so.0 => not found\n"
ALL_FOUND = "\tlibX11.so.6 => /lib/x86_64-linux-gnu/libX11.so.6 (0x00007f2)\n"

FAKE_LDD = """#!{python} -S
import json, os, sys, time
log = {log!r}
with open(log, "a") as f:
    f.write(json.dumps({{"event": "start", "pid": os.getpid(), "argv": sys.argv[1:],
                        "t": time.time()}}) + "\\n")
time.sleep({sleep!r})
sys.stdout.write({output!r})
with open(log, "a") as f:
    f.write(json.dumps({{"event": "end", "t": time.time()}}) + "\\n")
sys.exit({code!r})
"""

FAKE_MODULE = """import json, time
with open({log!r}, "a") as f:
    f.write(json.dumps({{"event": "import", "t": time.time()}}) + "\\n")
{then}
"""


@dataclass
class Start:
    """A window start on the xcb platform, with a fake ``ldd`` and a fake ``run_app``."""

    log: Path
    bin: Path
    module_dir: Path
    run_app_calls: list[float]

    def ldd(self, *, output: str = ALL_FOUND, sleep: float = LDD_SLEEP_S, code: int = 0) -> None:
        script = self.bin / "ldd"
        script.write_text(FAKE_LDD.format(python=sys.executable, log=str(self.log), sleep=sleep,
                                          output=output, code=code), encoding="utf-8")
        script.chmod(0o755)

    def events(self) -> dict[str, dict[str, object]]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return {e["event"]: e for e in map(json.loads, lines)}

    def time_of(self, event: str) -> float:
        t = self.events()[event]["t"]
        assert isinstance(t, float)
        return t


@pytest.fixture
def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Start]:
    log = tmp_path / "events.jsonl"
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    module_dir = tmp_path / "modules"
    module_dir.mkdir()
    monkeypatch.setenv("PATH", os.pathsep.join([str(fake_bin), os.environ.get("PATH", "")]))
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")  # never contacted: run_app is a fake
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda environ: plugin)
    # the check's own fallback (no ldd answer) must not decide these tests
    monkeypatch.setattr(platform_check, "loadable", lambda soname: True)
    calls: list[float] = []

    def fake_run_app(data: DataFolder, *, read_only: bool = False) -> int:
        calls.append(time.time())
        return 0

    monkeypatch.setattr(consult_aid.ui.app, "run_app", fake_run_app)
    monkeypatch.setattr(gui.atexit, "register", lambda *a, **k: None)
    monkeypatch.syspath_prepend(str(module_dir))
    yield Start(log, fake_bin, module_dir, calls)


def with_module(start: Start, monkeypatch: pytest.MonkeyPatch, name: str,
                then: str = "") -> None:
    """``BEFORE_QT`` names only ``name``, a module that records when it is imported."""
    (start.module_dir / f"{name}.py").write_text(
        FAKE_MODULE.format(log=str(start.log), then=then), encoding="utf-8")
    monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(gui, "BEFORE_QT", (name,))
    monkeypatch.setattr(gui, "SIGN_IN_BEFORE_QT", (name,))


def run(tmp_path: Path) -> int:
    args = argparse.Namespace(data=DataFolder(tmp_path / "data"), read_only=True)
    return gui.run(args)


def gone(pid: int) -> bool:
    """No such process: neither running nor a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_ldd_runs_while_the_modules_are_imported_and_is_awaited_before_run_app(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start.ldd(sleep=LDD_SLEEP_S)
    with_module(start, monkeypatch, "pc_parallel_plain")
    began = time.time()
    assert run(tmp_path) == 0
    ldd_start, ldd_end = start.time_of("start"), start.time_of("end")
    imported = start.time_of("import")
    # the imports did not wait for ldd (before issue 16 they came after its answer) ...
    assert imported < ldd_end
    # ... and the window was not started before ldd's answer
    assert len(start.run_app_calls) == 1
    assert start.run_app_calls[0] >= ldd_end
    assert began <= ldd_start < ldd_end
    assert start.events()["start"]["argv"] == [str(tmp_path / "libqxcb.so")]
    assert gone(int(str(start.events()["start"]["pid"])))


def test_a_missing_library_is_named_and_the_window_never_starts(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    start.ldd(output=NOT_FOUND, sleep=0.3)
    with_module(start, monkeypatch, "pc_parallel_missing")
    assert run(tmp_path) == 2
    assert start.run_app_calls == []
    err = capsys.readouterr().err
    assert err.startswith("consult-aid: the window cannot open: Qt's X11 platform (xcb) needs")
    assert "libxcb-cursor.so.0" in err
    assert "sudo apt install libxcb-cursor0" in err
    assert "sudo dnf install xcb-util-cursor" in err
    assert start.time_of("import") < start.time_of("end")  # imported meanwhile
    assert gone(int(str(start.events()["start"]["pid"])))


def test_when_qt_cannot_be_imported_the_missing_libraries_are_named_first(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Qt failing to import (a library QtGui needs) and the check finding libraries missing:
    the check's message names the packages to install, so it is the one said."""
    start.ldd(output=NOT_FOUND, sleep=0.2)
    with_module(start, monkeypatch, "pc_parallel_noqt")
    monkeypatch.setitem(sys.modules, "consult_aid.ui.app", None)  # its import: ImportError
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    assert "sudo apt install libxcb-cursor0" in err
    assert "Qt could not load" not in err


def test_when_qt_cannot_be_imported_and_nothing_is_missing_the_import_error_is_said(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    start.ldd(output=ALL_FOUND, sleep=0.2)
    with_module(start, monkeypatch, "pc_parallel_noqt_found")
    monkeypatch.setitem(sys.modules, "consult_aid.ui.app", None)
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("consult-aid: the window cannot start because Qt could not load (")
    assert "consult-aid demo --out DIR" in err
    assert gone(int(str(start.events()["start"]["pid"])))


def test_an_error_while_importing_is_preceded_by_the_checks_answer(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Before issue 16 the check came first: a missing library is still what is said."""
    start.ldd(output=NOT_FOUND, sleep=0.2)
    with_module(start, monkeypatch, "pc_parallel_broken", then="raise RuntimeError('bug')")
    assert run(tmp_path) == 2
    assert "sudo apt install libxcb-cursor0" in capsys.readouterr().err


def test_an_error_while_importing_is_raised_when_the_check_finds_nothing(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start.ldd(output=ALL_FOUND, sleep=0.2)
    with_module(start, monkeypatch, "pc_parallel_broken2", then="raise RuntimeError('bug')")
    with pytest.raises(RuntimeError, match="bug"):
        run(tmp_path)  # (consult_aid.cli.main logs it and says one line)
    assert gone(int(str(start.events()["start"]["pid"])))


def test_an_interrupted_start_leaves_no_ldd_running(
        start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C while the modules are imported: ldd (here sleeping a minute) is killed and
    reaped, not left running or a zombie."""
    start.ldd(sleep=60.0)
    wait_for_ldd = (f"from pathlib import Path\n"
                    f"log = Path({str(start.log)!r})\n"
                    f"deadline = time.time() + 20\n"
                    f"while time.time() < deadline and '\"start\"' not in log.read_text():\n"
                    f"    time.sleep(0.01)\n"
                    f"raise KeyboardInterrupt\n")
    with_module(start, monkeypatch, "pc_parallel_interrupted", then=wait_for_ldd)
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path)
    assert time.monotonic() - began < 20
    assert "end" not in start.events()
    assert gone(int(str(start.events()["start"]["pid"])))
    assert start.run_app_calls == []


def test_ldd_that_does_not_answer_in_time_is_killed_and_reaped(start: Start,
                                                               tmp_path: Path) -> None:
    start.ldd(sleep=60.0)
    ldd = LddRun.start(tmp_path / "libqxcb.so", dict(os.environ), timeout=0.5)
    assert ldd is not None
    began = time.monotonic()
    assert ldd.missing() is None  # not known: the caller looks up the fixed list
    assert time.monotonic() - began < 10
    assert gone(int(str(start.events()["start"]["pid"])))


def test_the_fixed_list_is_looked_up_when_ldd_fails(start: Start,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    start.ldd(output="", sleep=0.0, code=1)  # e.g. "not a dynamic executable"
    monkeypatch.setattr(platform_check, "loadable", lambda soname: soname != "libEGL.so.1")
    with start_platform_check() as check:
        assert check.result() == MissingLibraries(("libEGL.so.1",))


@pytest.mark.parametrize(("environ", "platform"), [
    ({"DISPLAY": ":0"}, "win32"),
    ({"DISPLAY": ":0"}, "darwin"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
])
def test_no_process_is_started_where_xcb_is_not_wanted(
        environ: dict[str, str], platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    with start_platform_check(environ, platform) as check:
        assert check.result() is None


def test_the_environment_is_the_one_at_the_start_of_the_check(
        start: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable changed while the modules are imported does not change the answer."""
    start.ldd(sleep=0.0)
    with start_platform_check() as check:
        monkeypatch.delenv("DISPLAY")
        assert check.result() is None  # DISPLAY was set when the check started
