"""The ``consult-aid`` command. Each subcommand lives in its own module with ``register()``.

A command module defines ``register(subparsers)`` which adds its parser(s) and sets
``handler=<function(args) -> int>``. ``args.data`` is the resolved :class:`DataFolder`.
Without a subcommand the window opens.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from consult_aid import __version__
from consult_aid.datadir import ENV_VAR, resolve
from consult_aid.errors import InputError, KnownError
from consult_aid.logs import configure_logging
from consult_aid.services.check import DataFolderDamagedError, quick_check

COMMAND_MODULES = (
    "consult_aid.cli.gui",
    "consult_aid.cli.consults",
    "consult_aid.cli.packs",
    "consult_aid.cli.documents",
    "consult_aid.cli.trust",
    "consult_aid.cli.backup",
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consult-aid",
        description="Informed-decision consults for intrathecal pain pumps and spinal cord "
                    "stimulators: guided discussion, teach-back, signed PDF summary, archive.",
        epilog=f"Data folder: --data-dir DIR, else ${ENV_VAR}, else the per-user data folder. "
               "Run without a command to open the window.",
    )
    parser.add_argument("--version", action="version", version=f"consult-aid {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help=f"folder for the database, archive and logs (overrides ${ENV_VAR})")
    parser.add_argument("--read-only", action="store_true",
                        help="open the database read-only, as it is, and write nothing: to "
                             "read what is left of a damaged one (list, search, export, "
                             "verify, check, and the window)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


EXIT_BUG = 70  # EX_SOFTWARE: an error Consult Aid did not expect
# Commands that do not use the data folder's database, or judge it themselves (check,
# restore, backup) or in the window (run): the rest refuse a data folder that fails the
# start-up check (quick_check) instead of reading or writing it.
NO_START_CHECK = frozenset({"check", "restore", "backup", "verify", "render", "packs", "run"})
READ_ONLY_COMMANDS = frozenset({"list", "search", "export", "verify", "check", "packs", "run"})
_QUIET = logging.NullHandler()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Known errors print one line and their exit code; anything else is a
    bug: logged with its traceback, and one line names the log. No traceback reaches a user."""
    # Until the data folder's log is set up, a logged error must not fall through to Python's
    # last-resort handler, which would print its traceback on the terminal.
    logging.getLogger("consult_aid").addHandler(_QUIET)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "run"])
    log_file: Path | None = None
    try:
        args.data = resolve(args.data_dir).ensure()
        log_file = configure_logging(args.data.logs)
        _start_check(args)
        return int(args.handler(args))
    except KnownError as exc:
        print(f"consult-aid: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        log.exception("operating system error")
        print(f"consult-aid: {exc.strerror or exc} ({exc.filename or 'no file'})", file=sys.stderr)
        return 1
    except Exception:
        log.exception("unexpected error in command %s", args.command)
        where = (f"the details are in {log_file}" if log_file is not None
                 else "the details could not be logged")
        print(f"consult-aid: an error Consult Aid did not expect stopped the command "
              f"({args.command}); nothing more was changed after it. {where}.", file=sys.stderr)
        return EXIT_BUG


def _start_check(args: argparse.Namespace) -> None:
    """Refuse a damaged, emptied or missing database before a command uses it."""
    if args.read_only:
        if args.command not in READ_ONLY_COMMANDS:
            raise InputError(f"--read-only: {args.command} writes; only "
                             f"{', '.join(sorted(READ_ONLY_COMMANDS))} read")
        return
    if args.command in NO_START_CHECK:
        return
    report = quick_check(args.data.database, args.data.identity)
    if not report.ok:
        raise DataFolderDamagedError(report)


def _one_line(text: str) -> str:
    return " ".join(text.split())
