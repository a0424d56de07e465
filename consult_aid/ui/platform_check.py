"""Before the window opens on Linux: can Qt's X11 (``xcb``) platform load here?

When a system library the xcb platform plugin links is missing (``libxcb-cursor0`` on Debian
and Ubuntu is the usual one: Qt 6.5 and newer need it), Qt prints "could not load the Qt
platform plugin xcb" and aborts the process (SIGABRT) before any Python code can react. This
module finds that out first, before any Qt GUI library is loaded: ``ldd`` on the plugin
that will be loaded lists every library it needs, directly or through another library, that
the dynamic loader cannot find. Where ``ldd`` cannot run, a fixed list of the libraries
PySide6 6.9-6.12's plugin links is looked up instead. The result names the packages to
install, with Debian/Ubuntu and Fedora names, so ``consult-aid`` can print it and exit
instead of crashing.

Qt's GUI libraries are not loaded here; QtCore only where PySide6 is not laid out as its
wheel is (a distribution's package), to ask for Qt's plugin folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

PLUGIN_FILE = "libqxcb.so"

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

# What PySide6's libqxcb.so and libQt6XcbQpa.so.6 link from the system (6.9 to 6.12), besides
# the C/C++ runtime: the list looked up when ``ldd`` cannot run.
XCB_PLUGIN_LIBRARIES: tuple[str, ...] = (
    "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-util.so.1", "libxcb-image.so.0",
    "libxcb-keysyms.so.1", "libxcb-randr.so.0", "libxcb-render.so.0",
    "libxcb-render-util.so.0", "libxcb-shape.so.0", "libxcb-shm.so.0", "libxcb-sync.so.1",
    "libxcb.so.1", "libxcb-xfixes.so.0", "libxcb-xkb.so.1", "libxkbcommon.so.0",
    "libxkbcommon-x11.so.0", "libX11-xcb.so.1", "libX11.so.6", "libGL.so.1", "libEGL.so.1",
    "libfontconfig.so.1", "libglib-2.0.so.0", "libgthread-2.0.so.0",
)

# Everything the xcb platform and Qt's widgets want on a desktop: what the README lists.
DEBIAN_PACKAGES: tuple[str, ...] = (
    "libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xinerama0", "libxcb-randr0", "libxcb-xkb1",
    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3",
)
FEDORA_PACKAGES: tuple[str, ...] = (
    "xcb-util-cursor", "libxkbcommon-x11", "xcb-util-wm", "xcb-util-keysyms", "xcb-util-image",
    "xcb-util-renderutil", "libglvnd-egl", "libglvnd-glx", "fontconfig", "dbus-libs",
)

DEMO_HINT = "Without the window, `consult-aid demo --out DIR` writes a signed demo summary."


@dataclass(frozen=True, slots=True)
class MissingLibraries:
    """The xcb platform cannot load: these libraries (sonames) are not found."""

    sonames: tuple[str, ...]

    def packages(self) -> tuple[list[str], list[str], list[str]]:
        """(Debian/Ubuntu packages, Fedora packages, sonames of no known package), each in the
        order first needed, without repeats."""
        debian: list[str] = []
        fedora: list[str] = []
        unknown: list[str] = []
        for soname in self.sonames:
            known = PACKAGES.get(soname)
            if known is None:
                unknown.append(soname)
                continue
            if known[0] not in debian:
                debian.append(known[0])
            if known[1] not in fedora:
                fedora.append(known[1])
        return debian, fedora, unknown

    def message(self) -> str:
        debian, fedora, unknown = self.packages()
        lines = [
            "consult-aid: the window cannot open: Qt's X11 platform (xcb) needs system "
            f"libraries that are not installed: {', '.join(self.sonames)}.",
        ]
        if debian:
            lines += [
                "Install them (an administrator may be needed), then start Consult Aid again:",
                f"  Debian/Ubuntu:  sudo apt install {' '.join(debian)}",
                f"  Fedora:         sudo dnf install {' '.join(fedora)}",
            ]
        if unknown:
            lines.append("Install the package that provides "
                         f"{', '.join(unknown)} (your distribution's package search names it).")
        lines.append("The README's Linux section lists every package the window uses. "
                     + DEMO_HINT)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class NoXDisplay:
    """The xcb platform is wanted but there is no X display to connect to."""

    platform_forced: bool

    def message(self) -> str:
        why = ("QT_QPA_PLATFORM=xcb is set but DISPLAY is not" if self.platform_forced
               else "DISPLAY is not set")
        return (f"consult-aid: the window cannot open: no X display ({why}). Start Consult Aid "
                "from a desktop session, or set DISPLAY. " + DEMO_HINT)


PlatformProblem = MissingLibraries | NoXDisplay


def xcb_is_wanted(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will load the xcb platform first: on Linux (and other X11 Unixes) with
    QT_QPA_PLATFORM unset or naming xcb first, unless a Wayland session makes Qt try Wayland
    first (it falls back to xcb only when Wayland fails)."""
    if platform.startswith(("win", "darwin", "cygwin")):
        return False
    forced = environ.get("QT_QPA_PLATFORM", "").strip()
    if forced:
        first = forced.split(";")[0].split(":")[0].strip()
        return first == "xcb"
    wayland_session = environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    return not (wayland_session and environ.get("WAYLAND_DISPLAY"))


def parse_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reports as ``not found``, in order, without repeats."""
    missing: list[str] = []
    for line in output.splitlines():
        name, arrow, target = line.strip().partition("=>")
        if arrow and target.strip().startswith("not found") and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def missing_from(required: Iterable[str], is_present: Callable[[str], bool]) -> list[str]:
    """The sonames in ``required`` that ``is_present`` does not find."""
    return [soname for soname in required if not is_present(soname)]


def check_xcb(environ: Mapping[str, str], platform: str,
              find_missing: Callable[[], list[str] | None]) -> PlatformProblem | None:
    """What stops the xcb platform from starting, or None (also when it is not wanted, or
    when nothing can be told). ``find_missing`` gives the missing sonames, None when unknown."""
    if not xcb_is_wanted(environ, platform):
        return None
    missing = find_missing()
    if missing:
        return MissingLibraries(tuple(missing))
    if not environ.get("DISPLAY"):
        return NoXDisplay(platform_forced=bool(environ.get("QT_QPA_PLATFORM")))
    return None


# --- the real look-ups -------------------------------------------------------------------


def xcb_plugin(environ: Mapping[str, str]) -> Path | None:
    """The xcb plugin file Qt will load: PySide6's own (its folder is searched first), else
    the one in Qt's configured plugin folder (a distribution's PySide6), else one in
    QT_QPA_PLATFORM_PLUGIN_PATH."""
    spec = importlib.util.find_spec("PySide6")
    locations = (spec.submodule_search_locations if spec is not None else None) or []
    wheel = [Path(f) / "Qt" / "plugins" / "platforms" / PLUGIN_FILE for f in locations]
    found = next((c for c in wheel if c.is_file()), None)
    if found is not None:
        return found
    candidates: list[Path] = []
    try:
        from PySide6.QtCore import QLibraryInfo  # QtCore only: loads no platform library

        plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
        candidates.append(Path(plugins) / "platforms" / PLUGIN_FILE)
    except ImportError:
        pass
    override = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override:
        candidates.append(Path(override) / PLUGIN_FILE)
    return next((c for c in candidates if c.is_file()), None)


class LddRun:
    """``ldd`` started on a library in its own process, answered by :meth:`missing`; it runs
    while the caller does something else (issue 16: start-up). :meth:`stop` ends it, answered
    or not: no process is left running or unreaped."""

    def __init__(self, process: subprocess.Popen[str], timeout: float) -> None:
        self._process = process
        self._timeout = timeout

    @classmethod
    def start(cls, library: Path, environ: Mapping[str, str],
              timeout: float = 15.0) -> LddRun | None:
        """``ldd`` on ``library``, started and not awaited; None when ``ldd`` is not there or
        cannot be started."""
        import shutil  # (only when the xcb platform is wanted: not at every start, issue 16)
        import subprocess

        ldd = shutil.which("ldd")
        if ldd is None:
            return None
        try:
            # ldd (found on PATH) on Qt's plugin file, as an argument list: no shell, no user
            # text.
            process = subprocess.Popen([ldd, str(library)], env=dict(environ),  # noqa: S603
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
        except (OSError, subprocess.SubprocessError, ValueError):
            return None
        return cls(process, timeout)

    def missing(self) -> list[str] | None:
        """The sonames the library needs (directly or not) that the loader cannot find; None
        when ``ldd`` did not answer within the timeout (counted from this call) or failed."""
        import subprocess

        try:
            output, _ = self._process.communicate(timeout=self._timeout)
        except (OSError, subprocess.SubprocessError, ValueError):
            return None
        finally:
            self.stop()
        missing = parse_ldd(output)
        if self._process.returncode != 0 and not missing:
            return None  # e.g. "not a dynamic executable" under another C library
        return missing

    def stop(self) -> None:
        """Kill ``ldd`` if it still runs, reap it, close its pipes."""
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
        with contextlib.suppress(OSError):
            process.wait()  # (not communicate: a child of ldd may hold its pipes open)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def ldd_missing(library: Path, environ: Mapping[str, str],
                timeout: float = 15.0) -> list[str] | None:
    """The sonames ``library`` needs (directly or not) that the loader cannot find with
    ``environ`` (LD_LIBRARY_PATH counts); None when ``ldd`` is not there or did not answer."""
    run = LddRun.start(library, environ, timeout)
    return None if run is None else run.missing()


def loadable(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (and what it needs)."""
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


class PlatformCheck:
    """:func:`check_platform` started: the look-up that takes time (``ldd``, its own process)
    runs while the caller imports the window's modules, and :meth:`result` waits for it
    (issue 16: start-up). Everything else is decided as :func:`check_platform` decides, with
    the environment as it was when the check started.

    A context manager: leaving it stops an ``ldd`` that was not waited for (an exception,
    an early return)."""

    def __init__(self, environ: Mapping[str, str], platform: str) -> None:
        self._environ = environ
        self._platform = platform
        self._ldd: LddRun | None = None
        self._fallback: list[str] | None = None
        self._answered = False
        self._problem: PlatformProblem | None = None
        self._plugin = xcb_plugin(environ) if xcb_is_wanted(environ, platform) else None
        if self._plugin is not None:
            self._ldd = LddRun.start(self._plugin, environ)
            if self._ldd is None:  # no ldd: the fixed list, now, as check_platform does
                self._fallback = missing_from(XCB_PLUGIN_LIBRARIES, loadable)

    def _find_missing(self) -> list[str] | None:
        if self._plugin is None:
            return None  # not PySide6's usual layout: let Qt try
        if self._ldd is not None:
            found = self._ldd.missing()
            if found is not None:
                return found
            return missing_from(XCB_PLUGIN_LIBRARIES, loadable)
        return self._fallback

    def result(self) -> PlatformProblem | None:
        """What stops the xcb platform from starting, or None; waits for ``ldd``."""
        if not self._answered:
            try:
                self._problem = check_xcb(self._environ, self._platform, self._find_missing)
            finally:
                self.close()
            self._answered = True
        return self._problem

    def close(self) -> None:
        """Stop ``ldd`` if it still runs (its answer is then not known)."""
        if self._ldd is not None:
            self._ldd.stop()

    def __enter__(self) -> PlatformCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_platform_check(environ: Mapping[str, str] | None = None,
                         platform: str = sys.platform) -> PlatformCheck:
    """The check ``consult-aid`` runs before it creates the QApplication, started: ``ldd``
    runs while the window's modules are imported; :meth:`PlatformCheck.result` is the answer
    (to ask before the QApplication is created). Starts no process where xcb is not wanted
    (Windows, macOS, another platform asked for)."""
    env = dict(os.environ) if environ is None else environ
    return PlatformCheck(env, platform)


def check_platform(environ: Mapping[str, str] | None = None,
                   platform: str = sys.platform) -> PlatformProblem | None:
    """The check ``consult-aid`` runs before it creates the QApplication."""
    with start_platform_check(environ, platform) as check:
        return check.result()
