"""The real ``consult-aid`` command on Qt's X11 platform (xcb), not the offscreen one.

An X server (Xvfb) is started on a display number it chooses itself (``-displayfd``), the
installed console script runs against it with ``QT_QPA_PLATFORM=xcb`` and a private data
folder, and the test waits until the X server has a visible top-level window titled
"Consult Aid". SIGTERM then closes the window the way a logout does (exit 0, lock released).

A second test makes Qt's xcb plugin really unloadable — the loader is given a copy of Qt's
X11 library that links a library no system has — checks that bare Qt then aborts (SIGABRT),
and that ``consult-aid`` instead names the missing library and exits 2.

``.ci/run`` installs Xvfb and xdotool; without Xvfb the tests skip and say why, unless
``CONSULT_AID_REQUIRE_XVFB`` is set (CI sets it where it can install them): then they fail.
Every wait has a deadline, so a test never takes more than about a minute.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 (xcb) is Linux-only"),
]

REQUIRE_ENV = "CONSULT_AID_REQUIRE_XVFB"
TITLE = "Consult Aid"
XVFB_START_S = 10.0
WINDOW_WAIT_S = 25.0
STOP_WAIT_S = 5.0
SCREEN = "1280x720x24"


def tool(name: str) -> str:
    """The full path of an X tool; skip (or fail where CI requires it) when it is missing."""
    found = shutil.which(name)
    if found is None:
        message = (f"{name} is not installed, so the real-display test cannot run "
                   "(`bash .ci/run` installs it as root on Debian/Ubuntu)")
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{message}; {REQUIRE_ENV} is set")
        pytest.skip(message)
    return found


def consult_aid_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m consult_aid``."""
    script = Path(sys.executable).parent / "consult-aid"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "consult_aid"]


def stop(proc: subprocess.Popen[bytes], wait_s: float = STOP_WAIT_S) -> int:
    """SIGTERM, wait, SIGKILL if it did not end; its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(wait_s)
    return proc.returncode


@contextmanager
def xvfb(log: Path) -> Iterator[str]:
    """A fresh Xvfb; yields its DISPLAY (``:N``, a number no other server uses)."""
    binary = tool("Xvfb")
    read_end, write_end = os.pipe()
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [binary, "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp",
             "-noreset"],
            pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=err, start_new_session=True)
    os.close(write_end)
    try:
        number = b""
        deadline = time.monotonic() + XVFB_START_S
        while not number.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([read_end], [], [], max(left, 0))
            if not ready:
                pytest.fail(f"Xvfb did not report a display within {XVFB_START_S:.0f} s: "
                            f"{log.read_text(errors='replace')[-1500:]}")
            chunk = os.read(read_end, 16)
            if not chunk:
                pytest.fail(f"Xvfb stopped before it was ready (exit {proc.wait(5)}): "
                            f"{log.read_text(errors='replace')[-1500:]}")
            number += chunk
        yield f":{int(number)}"
    finally:
        os.close(read_end)
        stop(proc)


def x_env(display: str, home: Path) -> dict[str, str]:
    """The environment of a desktop session on ``display`` with a private data folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM_PLUGIN_PATH",
                        "CONSULT_AID_PASSWORD"}}
    env.update(QT_QPA_PLATFORM="xcb", DISPLAY=display, CONSULT_AID_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    return env


def visible_windows(display: str, title: str) -> list[tuple[str, int, int]]:
    """(id, width, height) of each visible window titled exactly ``title``."""
    env = {**os.environ, "DISPLAY": display}
    xdotool = shutil.which("xdotool")
    if xdotool is not None:
        found = subprocess.run([xdotool, "search", "--onlyvisible", "--name",
                                f"^{re.escape(title)}$"],
                               env=env, capture_output=True, text=True, timeout=5, check=False)
        windows = []
        for wid in found.stdout.split():
            shape = subprocess.run([xdotool, "getwindowgeometry", "--shell", wid], env=env,
                                   capture_output=True, text=True, timeout=5, check=False)
            fields = dict(line.split("=", 1) for line in shape.stdout.splitlines()
                          if "=" in line)
            if "WIDTH" in fields and "HEIGHT" in fields:
                windows.append((wid, int(fields["WIDTH"]), int(fields["HEIGHT"])))
        return windows
    tree = subprocess.run([tool("xwininfo"), "-root", "-tree"], env=env, capture_output=True,
                          text=True, timeout=5, check=False).stdout
    # 0x200007 "Consult Aid": ("consult-aid" "Consult Aid")  853x480+0+0  +0+0
    pattern = re.compile(rf'^\s*(0x[0-9a-f]+) "{re.escape(title)}": \(.*\)\s+(\d+)x(\d+)\+',
                         re.MULTILINE)
    # xwininfo cannot tell mapped from unmapped: Qt's 1×1 group leader is left out by size.
    return [(wid, int(w), int(h)) for wid, w, h in pattern.findall(tree)
            if int(w) > 1 and int(h) > 1]


def tail(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def test_the_consult_aid_command_opens_its_window_on_a_real_x_display(tmp_path: Path) -> None:
    tool("Xvfb")
    if shutil.which("xdotool") is None:
        tool("xwininfo")  # the other way to see the window; skips/fails when neither exists
    out, err = tmp_path / "app.out", tmp_path / "app.err"
    with xvfb(tmp_path / "xvfb.log") as display:
        env = x_env(display, tmp_path)
        with out.open("wb") as stdout, err.open("wb") as stderr:
            app = subprocess.Popen(consult_aid_command(), env=env, stdin=subprocess.DEVNULL,
                                   stdout=stdout, stderr=stderr, start_new_session=True)
        try:
            deadline = time.monotonic() + WINDOW_WAIT_S
            windows: list[tuple[str, int, int]] = []
            while time.monotonic() < deadline and app.poll() is None:
                windows = visible_windows(display, TITLE)
                if windows:
                    break
                time.sleep(0.2)
            assert app.poll() is None, (f"consult-aid ended (exit {app.returncode}) before "
                                        f"its window appeared: {tail(err)}")
            assert windows, (f"no visible window titled {TITLE!r} on {display} within "
                             f"{WINDOW_WAIT_S:.0f} s; stderr: {tail(err)}")
            # The main window, not a start-up error box: it takes most of the screen.
            wid, width, height = max(windows, key=lambda w: w[1] * w[2])
            assert width >= 640 and height >= 400, (wid, width, height)
            lock = tmp_path / "data" / "consult-aid.lock"
            assert lock.exists(), "the window holds the data folder's lock while open"
            assert (tmp_path / "data" / "consult-aid.sqlite3").exists()
        finally:
            code = stop(app)
        # SIGTERM closes the window as a logout does: a normal exit, the lock released.
        assert code == 0, f"exit {code} after SIGTERM; stderr: {tail(err)}"
        assert not lock.exists()
    assert "could not load the qt platform plugin" not in tail(err).lower()


# --- the xcb plugin made unloadable for real ----------------------------------------------

MISSING = b"libxcb-cursor.so.0"
MISSING_STAND_IN = b"libxcb-cursor.so.9"  # same length; no system has it


def broken_qt_x11_library(folder: Path) -> Path:
    """A folder holding a copy of PySide6's Qt X11 library (``libQt6XcbQpa.so.6``, what the
    xcb plugin links) that links ``MISSING_STAND_IN`` instead of ``libxcb-cursor.so.0``.

    With the folder in LD_LIBRARY_PATH (searched before the plugin's RUNPATH) the dynamic
    loader takes the copy when Qt loads the xcb plugin, exactly as on a PC without the
    library: nothing else changes."""
    import PySide6

    qpa = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6XcbQpa.so.6"
    if not qpa.is_file():
        pytest.skip("this PySide6 does not ship Qt's X11 library in the wheel's layout")
    data = qpa.read_bytes()
    assert data.count(MISSING + b"\0") == 1, "the Qt X11 library no longer links libxcb-cursor"
    folder.mkdir()
    (folder / qpa.name).write_bytes(data.replace(MISSING + b"\0", MISSING_STAND_IN + b"\0"))
    return folder


def test_a_missing_xcb_library_is_named_instead_of_qts_abort(tmp_path: Path) -> None:
    if shutil.which("ldd") is None:
        pytest.skip("ldd is not installed (not a glibc system)")
    env = x_env(":99", tmp_path)  # the plugin fails before any display is contacted
    broken = broken_qt_x11_library(tmp_path / "broken")
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [str(broken), *filter(None, [os.environ.get("LD_LIBRARY_PATH")])])

    bare_qt = subprocess.run(
        [sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
        env=env, capture_output=True, text=True, timeout=20, check=False)
    assert bare_qt.returncode == -signal.SIGABRT, bare_qt  # what a user saw before
    assert "could not load the qt platform plugin" in bare_qt.stderr.lower()

    done = subprocess.run(consult_aid_command(), env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=20, check=False)
    assert done.returncode == 2, done
    assert MISSING_STAND_IN.decode() in done.stderr
    assert "Qt's X11 platform (xcb) needs system libraries" in done.stderr
    assert "could not load the qt platform plugin" not in done.stderr.lower()
    assert not (tmp_path / "data" / "consult-aid.lock").exists()
