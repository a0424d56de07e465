"""The ``consult-aid`` command. Each subcommand lives in its own module with ``register()``.

A command module defines ``register(subparsers)`` which adds its parser(s) and sets
``handler=<function(args) -> int>``. ``args.data`` is the resolved :class:`DataFolder`.
Without a subcommand the window opens.

Everything printed that came from data goes through :func:`consult_aid.terminal.safe`. A data
folder that cannot be written is opened as with ``--read-only`` (with a note saying so), and
the commands that would write refuse. Standard output closed early (``consult-aid list |
head -1``) ends the command quietly.

Start-up is kept short (issue 16): :func:`main` imports only the module of the command given
(:data:`COMMANDS`; all of them for the help or an unknown command), and each command module
imports what signs, renders or validates inside the handler that needs it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from consult_aid import __version__
from consult_aid.datadir import DEMO_MARKER, ENV_VAR, DataFolder, demo_folder, resolve
from consult_aid.errors import InputError, KnownError
from consult_aid.files import remove_stale_temp_files, write_atomically
from consult_aid.logs import configure_logging
from consult_aid.terminal import discard_output, protect_streams, safe

COMMAND_MODULES = (
    "consult_aid.cli.gui",
    "consult_aid.cli.consults",
    "consult_aid.cli.packs",
    "consult_aid.cli.documents",
    "consult_aid.cli.trust",
    "consult_aid.cli.backup",
    "consult_aid.cli.insights",
    "consult_aid.cli.accounts",
    "consult_aid.cli.audit",
    "consult_aid.cli.migrate",
)

# The module whose register() adds each command (a test keeps this in step with them).
COMMANDS = {
    "run": "consult_aid.cli.gui",
    "list": "consult_aid.cli.consults",
    "search": "consult_aid.cli.consults",
    "import": "consult_aid.cli.consults",
    "export": "consult_aid.cli.consults",
    "packs": "consult_aid.cli.packs",
    "demo": "consult_aid.cli.documents",
    "render": "consult_aid.cli.documents",
    "addendum": "consult_aid.cli.documents",
    "verify": "consult_aid.cli.documents",
    "check": "consult_aid.cli.documents",
    "trust": "consult_aid.cli.trust",
    "backup": "consult_aid.cli.backup",
    "restore": "consult_aid.cli.backup",
    "insights": "consult_aid.cli.insights",
    "accounts": "consult_aid.cli.accounts",
    "audit": "consult_aid.cli.audit",
    "migrate": "consult_aid.cli.migrate",
}

log = logging.getLogger(__name__)


def command_modules(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The command modules a parser for ``argv`` needs: the one of the command named, or
    ``run``'s when none is; every module (the whole help, the list of choices) for ``-h``
    before the command, an unknown command, or ``argv`` None."""
    if argv is None:
        return COMMAND_MODULES
    args = iter(argv)
    for arg in args:
        if arg == "-h" or arg.startswith("--h") or arg == "--":  # --help, or --he...
            return COMMAND_MODULES
        if arg.startswith("--d") and "=" not in arg:  # --data-dir DIR (or an abbreviation)
            next(args, None)
        elif not arg.startswith("-"):
            module = COMMANDS.get(arg)
            return (module,) if module is not None else COMMAND_MODULES
    return (COMMANDS["run"],)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every command; given ``argv``, with only the command it names
    (:func:`command_modules`), so that only that command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="consult-aid",
        description="Informed-decision consults for intrathecal pain pumps and spinal cord "
                    "stimulators: guided discussion, teach-back, signed PDF summary, archive.",
        epilog=f"Data folder: --data-dir DIR, else ${ENV_VAR}, else the per-user data folder. "
               "Every command that reads or writes a data folder's records signs in first: "
               "the account $CONSULT_AID_USER (or asked for), its password from the file "
               "$CONSULT_AID_PASSWORD_FILE, $CONSULT_AID_PASSWORD, or asked for; the first "
               "account is made with `consult-aid accounts init`. Run without a command to "
               "open the window.",
    )
    parser.add_argument("--version", action="version", version=f"consult-aid {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help=f"folder for the database, archive and logs (overrides ${ENV_VAR})")
    parser.add_argument("--database", metavar="postgresql://USER@HOST/DB",
                        help="keep the consults in the clinic's shared PostgreSQL archive "
                             "instead of this PC's SQLite file (overrides "
                             "$CONSULT_AID_DATABASE and the window's setting); the password "
                             "comes from the keyring, $CONSULT_AID_DATABASE_PASSWORD_FILE (an "
                             "owner-only file) or ~/.pgpass, never the address")
    parser.add_argument("--read-only", action="store_true",
                        help="open the database read-only, as it is, and write nothing: to "
                             "read what is left of a damaged one (list, search, export, "
                             "verify, check, render, packs, trust list, and the window). A "
                             "data folder that cannot be written (a backup copy, a read-only "
                             "share) is opened this way by itself, with a note; the commands "
                             "that write refuse it")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in command_modules(argv):
        importlib.import_module(name).register(sub)
    return parser


EXIT_BUG = 70  # EX_SOFTWARE: an error Consult Aid did not expect
# Commands that do not use the data folder's database, or judge it themselves (check,
# restore, backup) or in the window (run): the rest refuse a data folder that fails the
# start-up check (quick_check) instead of reading or writing it.
NO_START_CHECK = frozenset({"check", "restore", "backup", "verify", "render", "packs", "run",
                            "migrate"})
# Commands that write nothing into the data folder (a subcommand can say so too: `trust list`
# sets reads_only=True).
READ_ONLY_COMMANDS = frozenset({"list", "search", "export", "verify", "check", "packs", "render",
                                "run"})
READ_ONLY_FOLDER = "the data folder is read-only: nothing can be changed"
_QUIET = logging.NullHandler()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Known errors print one line and their exit code; anything else is a
    bug: logged with its traceback, and one line names the log. No traceback reaches a user."""
    # Until the data folder's log is set up, a logged error must not fall through to Python's
    # last-resort handler, which would print its traceback on the terminal.
    logging.getLogger("consult_aid").addHandler(_QUIET)
    protect_streams()
    given = list(argv if argv is not None else sys.argv[1:])
    parser = build_parser(given)
    args = parser.parse_args(given)
    if args.command is None:
        args = parser.parse_args([*given, "run"])
    log_file: Path | None = None
    try:
        args.data = _data_folder(args)
        if getattr(args, "remove_demo", False):  # the folder goes: nothing is set up in it
            return _finish(int(args.handler(args)))
        log_file = _open_data_folder(args)
        _start_check(args)
        return _finish(int(args.handler(args)))
    except BrokenPipeError:
        return _stdout_closed()
    except KnownError as exc:
        print(f"consult-aid: {safe(_one_line(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        log.exception("operating system error")
        print(f"consult-aid: {safe(_os_error(exc, args))}", file=sys.stderr)
        return 1
    except Exception:
        log.exception("unexpected error in command %s", args.command)
        where = (f"the details are in {safe(log_file)}" if log_file is not None
                 else "the details could not be logged")
        print(f"consult-aid: an error Consult Aid did not expect stopped the command "
              f"({args.command}); nothing more was changed after it. {where}.", file=sys.stderr)
        return EXIT_BUG


def _finish(code: int) -> int:
    """Flush standard output here, where a reader that went away is still caught."""
    sys.stdout.flush()
    return code


def _stdout_closed() -> int:
    """The reader of standard output went away (``| head``): not an error. What is still
    buffered goes nowhere (:func:`consult_aid.terminal.discard_output`)."""
    discard_output()
    return 0


def _data_folder(args: argparse.Namespace) -> DataFolder:
    """``--data-dir``, else $CONSULT_AID_HOME, else the per-user folder; for ``demo`` without
    ``--data-dir``, the demo's own folder beside that one (never the real one)."""
    if args.command == "demo" and not args.data_dir:
        args.demo_default = True
        return demo_folder()
    return resolve(args.data_dir, database=args.database)


def _open_data_folder(args: argparse.Namespace) -> Path | None:
    """Make the data folder ready (owner-only folders, the log); returns the log file. A
    folder that cannot be written is treated as if ``--read-only`` had been given: nothing is
    created, tightened or logged there, a note says so, and a command that writes refuses."""
    data: DataFolder = args.data
    if data.is_read_only():
        if not _reads_only(args):
            raise InputError(f"{READ_ONLY_FOLDER} ({data.root}); {_command(args)} would change "
                             f"it. Only {_READ_ONLY_LIST} work on it")
        args.read_only = True
        print(f"consult-aid: note: {READ_ONLY_FOLDER} ({safe(data.root)})", file=sys.stderr)
        return None
    own_demo = args.command == "demo" and getattr(args, "demo_default", False)
    made = not data.root.exists() or not any(data.root.iterdir())
    if own_demo and not made and not data.is_demo_folder:
        raise InputError(f"{data.root} holds files, but `consult-aid demo` did not make it "
                         f"(it has no {DEMO_MARKER} file): the demo does not use it. Give the "
                         "demo a folder of its own with --data-dir DIR")
    data.ensure()
    for folder in (data.root, data.identity):  # leftovers of writes a crash cut short
        remove_stale_temp_files(folder)
    if own_demo and made:  # the demo's own folder: `consult-aid demo --remove` deletes it
        write_atomically(data.root / DEMO_MARKER,
                         b"Made by `consult-aid demo`; `consult-aid demo --remove` deletes "
                         b"this folder.\n")
    return configure_logging(data.logs)


_READ_ONLY_LIST = "list, search, export, verify, check, render, packs, trust list and the window"


def _reads_only(args: argparse.Namespace) -> bool:
    return args.command in READ_ONLY_COMMANDS or bool(getattr(args, "reads_only", False))


def _command(args: argparse.Namespace) -> str:
    action = getattr(args, "trust_action", None)
    return f"{args.command}{' ' + action if action else ''}"


def _os_error(exc: OSError, args: argparse.Namespace) -> str:
    """The error with the file it concerns; one that names none (a full disk fails a write,
    not an open) names the data folder."""
    what = exc.strerror or str(exc)
    if exc.filename is not None:
        target = f" -> {exc.filename2}" if exc.filename2 is not None else ""
        return f"{what} ({exc.filename}{target})"
    data = getattr(args, "data", None)
    return f"{what} (in the data folder {data.root})" if data is not None else what


def _start_check(args: argparse.Namespace) -> None:
    """Refuse a damaged, emptied or missing database before a command uses it."""
    if args.read_only:
        if not _reads_only(args):
            raise InputError(f"--read-only: {_command(args)} writes; only {_READ_ONLY_LIST} "
                             "read")
        return
    if args.command in NO_START_CHECK:
        return
    if args.data.server is not None:  # the server keeps its own pages; records: `check`
        return
    from consult_aid.services.check import DataFolderDamagedError, quick_check

    report = quick_check(args.data.database, args.data.identity)
    if not report.ok:
        raise DataFolderDamagedError(report)


def _one_line(text: str) -> str:
    return " ".join(text.split())
