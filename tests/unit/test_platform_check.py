"""Before the window: whether Qt's X11 (xcb) platform can load, and what to install when not.

The decision is a pure function of the environment and a library look-up; the tests give it
look-ups that answer as a PC without some libraries would. The real look-up (``ldd`` on the
plugin, the dynamic loader made to miss a library) is tested in
tests/e2e/test_real_display.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult_aid.ui.platform_check import (
    DEBIAN_PACKAGES,
    FEDORA_PACKAGES,
    PACKAGES,
    XCB_PLUGIN_LIBRARIES,
    MissingLibraries,
    NoXDisplay,
    check_xcb,
    missing_from,
    parse_ldd,
    xcb_is_wanted,
)

README = Path(__file__).resolve().parents[2] / "README.md"

LDD_WITHOUT_CURSOR = """\
\tlinux-vdso.so.1 (0x00007ffd5a3e2000)
\tlibQt6XcbQpa.so.6 => /opt/venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x1)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f1)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibX11.so.6 => /lib/x86_64-linux-gnu/libX11.so.6 (0x00007f2)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f3)
"""


class Lookups:
    """A library look-up that records what was asked and finds all but ``absent``."""

    def __init__(self, absent: set[str]) -> None:
        self.absent = absent
        self.asked: list[str] = []

    def __call__(self, soname: str) -> bool:
        self.asked.append(soname)
        return soname not in self.absent


def never_called() -> list[str] | None:
    raise AssertionError("the libraries were looked up although xcb is not wanted")


@pytest.mark.parametrize(("environ", "platform", "wanted"), [
    ({}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb:nomitshm"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb;wayland"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ({"XDG_SESSION_TYPE": "wayland"}, "linux", True),  # no Wayland display: Qt takes xcb
    ({}, "freebsd14", True),
    ({}, "win32", False),
    ({}, "darwin", False),
])
def test_xcb_is_wanted_where_qt_would_load_it_first(
        environ: dict[str, str], platform: str, wanted: bool) -> None:
    assert xcb_is_wanted(environ, platform) is wanted


def test_ldd_output_gives_the_missing_libraries_once_each_in_order() -> None:
    assert parse_ldd(LDD_WITHOUT_CURSOR) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4"]
    assert parse_ldd(LDD_WITHOUT_CURSOR.replace("not found", "/lib/x.so (0x1)")) == []
    assert parse_ldd("") == []


def test_a_missing_libxcb_cursor_is_named_with_debian_and_fedora_packages() -> None:
    problem = check_xcb({"DISPLAY": ":0"}, "linux", lambda: parse_ldd(LDD_WITHOUT_CURSOR))
    assert problem == MissingLibraries(("libxcb-cursor.so.0", "libxcb-icccm.so.4"))
    message = problem.message()
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in message
    assert "Debian/Ubuntu:  sudo apt install libxcb-cursor0 libxcb-icccm4\n" in message
    assert "Fedora:         sudo dnf install xcb-util-cursor xcb-util-wm\n" in message
    assert "consult-aid demo --out DIR" in message


def test_the_fixed_list_is_looked_up_when_ldd_cannot_run() -> None:
    lookup = Lookups({"libxcb-cursor.so.0", "libxkbcommon-x11.so.0", "libEGL.so.1"})
    problem = check_xcb({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}, "linux",
                        lambda: missing_from(XCB_PLUGIN_LIBRARIES, lookup))
    assert lookup.asked == list(XCB_PLUGIN_LIBRARIES)
    assert isinstance(problem, MissingLibraries)
    debian, fedora, unknown = problem.packages()
    assert debian == ["libxcb-cursor0", "libxkbcommon-x11-0", "libegl1"]
    assert fedora == ["xcb-util-cursor", "libxkbcommon-x11", "libglvnd-egl"]
    assert unknown == []


def test_packages_shared_by_several_libraries_are_named_once() -> None:
    problem = MissingLibraries(("libxcb-shape.so.0", "libxcb-randr.so.0", "libxcb-xkb.so.1"))
    debian, fedora, _ = problem.packages()
    assert debian == ["libxcb-shape0", "libxcb-randr0", "libxcb-xkb1"]
    assert fedora == ["libxcb"]


def test_a_library_of_no_known_package_is_named_as_it_is() -> None:
    problem = check_xcb({"DISPLAY": ":0"}, "linux", lambda: ["libxcb-cursor.so.1"])
    assert isinstance(problem, MissingLibraries)
    message = problem.message()
    assert "Install the package that provides libxcb-cursor.so.1" in message
    assert "sudo apt install" not in message


def test_every_library_the_plugin_links_has_its_packages() -> None:
    assert set(XCB_PLUGIN_LIBRARIES) <= PACKAGES.keys()
    everything = MissingLibraries(tuple(XCB_PLUGIN_LIBRARIES))
    debian, fedora, unknown = everything.packages()
    assert unknown == []
    for package in ("libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-keysyms1",
                    "libxcb-image0", "libxcb-render-util0", "libxcb-shape0", "libegl1"):
        assert package in debian
    for package in ("xcb-util-cursor", "libxkbcommon-x11", "xcb-util-wm", "xcb-util-keysyms",
                    "xcb-util-image", "xcb-util-renderutil"):
        assert package in fedora


def test_all_libraries_present_and_a_display_is_a_clear_start() -> None:
    lookup = Lookups(set())
    assert check_xcb({"DISPLAY": ":0"}, "linux",
                     lambda: missing_from(XCB_PLUGIN_LIBRARIES, lookup)) is None
    assert lookup.asked  # it did look


def test_nothing_is_said_when_the_libraries_cannot_be_looked_up() -> None:
    assert check_xcb({"DISPLAY": ":0"}, "linux", lambda: None) is None


def test_no_x_display_is_said_when_xcb_is_wanted() -> None:
    assert check_xcb({}, "linux", lambda: []) == NoXDisplay(platform_forced=False)
    forced = check_xcb({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux",
                       lambda: [])
    assert forced == NoXDisplay(platform_forced=True)
    assert "QT_QPA_PLATFORM=xcb is set but DISPLAY is not" in forced.message()
    # missing libraries are the first thing to fix: said even without a display
    assert isinstance(check_xcb({}, "linux", lambda: ["libxcb-cursor.so.0"]), MissingLibraries)


@pytest.mark.parametrize("environ", [
    {"QT_QPA_PLATFORM": "offscreen"},
    {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
    {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
])
def test_other_platforms_are_not_checked(environ: dict[str, str]) -> None:
    assert check_xcb(environ, "linux", never_called) is None


def test_the_readme_lists_the_packages_for_debian_ubuntu_and_fedora() -> None:
    text = README.read_text(encoding="utf-8")
    apt = next(line for line in text.splitlines() if "apt install" in line)
    dnf = next(line for line in text.splitlines() if "dnf install" in line)
    assert set(DEBIAN_PACKAGES) <= set(apt.split())
    assert set(FEDORA_PACKAGES) <= set(dnf.split())


def test_the_command_says_why_the_window_cannot_open_and_exits_2(tmp_path: Path) -> None:
    """The real command on the xcb platform without an X display: the check's message and
    exit 2, never Qt's abort (which would be exit -6 with "could not connect to display")."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"}}
    env.update(QT_QPA_PLATFORM="xcb", CONSULT_AID_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "consult_aid"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done
    assert done.stderr.startswith("consult-aid: the window cannot open: "), done.stderr
    assert "could not connect to display" not in done.stderr
