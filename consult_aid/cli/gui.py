"""``consult-aid run``: open the window (the default when no command is given).

With the global ``--read-only`` the window opens the database read-only: consults can be read
and printed, nothing can be saved (``consult-aid --read-only``)."""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    RunApp = Callable[..., int]  # consult_aid.ui.app.run_app

# What the window uses that needs no Qt, imported before Qt when the window opens the data
# folder before its first paint: once PySide6 is loaded it reads the source of every module
# imported after it (looking for `from __feature__ import`), which made these cost about a
# third more. A folder with accounts shows its sign-in page first and imports them after that
# paint (consult_aid.ui.app.run_app), so not here (issue 16: start-up).
BEFORE_QT = ("consult_aid.content", "consult_aid.services.backup", "consult_aid.services.check",
             "consult_aid.services.clinic", "consult_aid.services.consults",
             "consult_aid.services.demo", "consult_aid.services.patients",
             "consult_aid.services.settings", "consult_aid.services.store")
SIGN_IN_BEFORE_QT = ("consult_aid.services.settings",)  # the text size of the sign-in page


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="open the consult window (default)",
                       description="Open the Consult Aid window.")
    p.set_defaults(handler=run)


def display_available(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    env = os.environ if environ is None else environ
    if env.get("QT_QPA_PLATFORM"):
        return True
    if platform.startswith(("win", "darwin")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


NO_DISPLAY_MESSAGE = (
    "consult-aid: no display found (DISPLAY/WAYLAND_DISPLAY unset), so the window cannot open; "
    "without a display run `consult-aid demo --out DIR` to produce a signed demo summary."
)


QT_IMPORT_FAILED = ("consult-aid: the window cannot start because Qt could not load ({}); "
                    "without the window run `consult-aid demo --out DIR`.")


def run(args: argparse.Namespace) -> int:
    if not display_available():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    # Qt aborts the process (SIGABRT, its own message) when its X11 platform cannot load:
    # find that out first and say which system packages are missing. The look-up (``ldd``,
    # its own process) runs while the window's modules are imported, and is waited for before
    # run_app creates the QApplication, which loads the platform (issue 16: start-up).
    from consult_aid.ui.platform_check import start_platform_check  # loads no Qt GUI library

    read_only = bool(getattr(args, "read_only", False))
    with start_platform_check() as check:
        try:
            window = _import_window(args, read_only=read_only)
        except Exception:
            # What the check finds is said first, as when it ran before these imports.
            problem = check.result()
            if problem is None:
                raise
            print(problem.message(), file=sys.stderr)
            return 2
        problem = check.result()
    if problem is not None:  # (also when Qt could not load: the check names the packages)
        print(problem.message(), file=sys.stderr)
        return 2
    if isinstance(window, ImportError):  # e.g. a system library Qt needs (libEGL) missing
        print(QT_IMPORT_FAILED.format(window), file=sys.stderr)
        return 2
    # At exit, after the window has closed its data folder, the collector's last walk over
    # every object (the modules, Qt's among them), ~15 ms, is left out: the process ends, and
    # freeing what is left is the system's (issue 16: start-up, measured to the process end).
    atexit.register(gc.freeze)
    return window(args.data, read_only=read_only)


def _import_window(args: argparse.Namespace, *, read_only: bool) -> RunApp | ImportError:
    """``run_app``, its modules imported (Qt among them), or the ImportError of Qt's."""
    from consult_aid.services.first_page import opens_at_sign_in  # no Qt

    at_sign_in = opens_at_sign_in(args.data, read_only=read_only)  # (run_app asks again)
    for name in SIGN_IN_BEFORE_QT if at_sign_in else BEFORE_QT:
        importlib.import_module(name)
    try:
        from consult_aid.ui.app import run_app  # Qt is imported only when a window is wanted
    except ImportError as exc:  # e.g. a system library Qt needs (libEGL, libxkbcommon) missing
        return exc
    return run_app
