"""``audit``: read the audit trail (administrators), filtered, as lines or as CSV."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path

from consult_aid.cli.auth import signed_in
from consult_aid.errors import InputError
from consult_aid.files import write_new_file
from consult_aid.services.audit_trail import (
    MAX_ROWS,
    AuditFilter,
    export_trail,
    local_time,
    read_trail,
)
from consult_aid.services.store import open_store
from consult_aid.terminal import echo


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit", help="read the audit trail: who did what, when (administrators)",
        description="The audit trail, newest first: every sign-in, access and change, under "
                    "the account that made it. It holds no patient text. Reading it is "
                    "itself recorded.")
    p.add_argument("--user", metavar="ACCOUNT", help="only this account's entries")
    p.add_argument("--consult", metavar="ID", help="only entries about this consult")
    p.add_argument("--action", help="only this action, or family (sign-in finds "
                                    "sign-in.failed too)")
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day")
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="up to this day")
    p.add_argument("--limit", type=int, default=200,
                   help=f"at most this many entries (default 200, at most {MAX_ROWS:,})")
    p.add_argument("--csv", type=Path, metavar="FILE",
                   help="write them as CSV to FILE (a new file) instead")
    p.set_defaults(handler=run)  # not read-only: the reading is recorded


def run(args: argparse.Namespace) -> int:
    if args.since and args.until and args.since > args.until:
        raise InputError("--since is after --until: nothing could match.")
    f = AuditFilter(actor=args.user, consult_id=args.consult, action=args.action,
                    since=args.since, until=args.until)
    now = datetime.now().astimezone()
    with open_store(args.data.archive) as db:
        actor = signed_in(db, now=now)
        if args.csv is not None:
            if args.csv.exists():
                raise InputError(f"{args.csv} exists already; give a new file name.")
            text = export_trail(db, actor, f, now=now)
            try:
                write_new_file(args.csv, text.encode("utf-8"), mode=0o600)
            except FileExistsError:
                raise InputError(f"{args.csv} exists already; give a new file name.") from None
            echo(f"Wrote {text.count(chr(13) + chr(10)) - 1} entries to {args.csv}")
            return 0
        entries = read_trail(db, actor, f, now=now, limit=args.limit)
    if not entries:
        echo("No entries match.")
        return 0
    for e in entries:
        about = f" consult {e.consult_id}" if e.consult_id else ""
        detail = f" — {e.detail}" if e.detail else ""
        echo(f"{local_time(e.at)}  {e.actor:<16} {e.action}{about}{detail}")
    return 0
