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

from consult_aid import __version__
from consult_aid.datadir import ENV_VAR, resolve
from consult_aid.errors import KnownError
from consult_aid.logs import configure_logging

COMMAND_MODULES = (
    "consult_aid.cli.gui",
    "consult_aid.cli.consults",
    "consult_aid.cli.packs",
    "consult_aid.cli.documents",
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "run"])
    try:
        args.data = resolve(args.data_dir).ensure()
        configure_logging(args.data.logs)
        return int(args.handler(args))
    except KnownError as exc:
        print(f"consult-aid: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        log.exception("operating system error")
        print(f"consult-aid: {exc.strerror or exc} ({exc.filename or 'no file'})", file=sys.stderr)
        return 1
