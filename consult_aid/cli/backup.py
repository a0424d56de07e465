"""``backup`` and ``restore``: the data folder to a checked backup folder, and back.

``restore`` opens the data folder's own database before restoring only to sign in, after a
quick check says it can be read: it is how a damaged or missing database is replaced, so it
must work when that database cannot be read (then no one can sign in, and it goes ahead
without an account).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from consult_aid.cli.auth import SIGN_IN_HELP, signed_in
from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account
from consult_aid.services.backup import make_backup, restore_backup
from consult_aid.services.store import open_store
from consult_aid.terminal import echo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backup", help="copy the data folder into a new, checked backup folder",
        description="Write a new folder consult-aid-backup-YYYYMMDD-HHMMSS inside DEST: the "
                    "database (a consistent copy, also while the window is open), the signing "
                    "identity, clinic packs and settings, and MANIFEST.json with each file's "
                    "SHA-256. The copy is checked as `consult-aid check` does; a damaged "
                    "database is refused. Logs are not copied. Exit 0 when written, 1 when "
                    "refused (nothing is left behind).",
        epilog=f"{SIGN_IN_HELP} A clinician or an administrator.")
    p.add_argument("dest", type=Path, metavar="DEST",
                   help="folder to write the backup folder in (created if missing); best on "
                        "another disk")
    p.set_defaults(handler=run_backup)

    p = sub.add_parser(
        "restore", help="replace the data folder's contents with a backup",
        description="Check a backup folder (every file against its MANIFEST.json, then the "
                    "database as `consult-aid check` does), then move the data folder's "
                    "current items aside into a folder DATA.replaced-YYYYMMDD-HHMMSS beside "
                    "it (nothing is deleted) and the backup's in. Works when the current "
                    "database is damaged or missing. Close the Consult Aid window first. Exit "
                    "0 when restored, 1 when refused (nothing is changed).",
        epilog=f"{SIGN_IN_HELP} An administrator only. When no one can sign in — the "
               "database is missing or damaged (it holds the accounts), or has no accounts "
               "yet — the restore goes ahead without an account (how a lost database is "
               "brought back); a note says so, and the audit trail records it as not signed "
               "in.")
    p.add_argument("src", type=Path, metavar="SRC",
                   help="the backup folder (consult-aid-backup-YYYYMMDD-HHMMSS)")
    p.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    data: DataFolder = args.data
    now = datetime.now().astimezone()
    with open_store(data.archive) as db:
        actor = signed_in(db, now=now)
    result = make_backup(data, args.dest, now=now, actor=actor)
    report = result.report
    echo(f"Backup written: {result.folder} ({result.files} files, {_mb(result.size)}); "
         f"check: OK ({report.consults} consults, {report.documents} signed documents)")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from consult_aid.cli.documents import no_one_can_sign_in

    data: DataFolder = args.data
    now = datetime.now().astimezone()
    actor: Account | None = None
    if data.server is not None:  # an empty server has no accounts: the backup's sign in
        from consult_aid.services.backup_files import DATABASE

        with open_store(Path(args.src).expanduser() / DATABASE, read_only=True) as db:
            actor = signed_in(db, now=now)
    elif (why_not := no_one_can_sign_in(data)) is None:
        with open_store(data.database) as db:
            actor = signed_in(db, now=now)
    else:
        print(f"consult-aid: note: restoring without signing in: {why_not}.", file=sys.stderr)
    result = restore_backup(data, args.src, now=now, actor=actor)
    kept = (f"the replaced data folder items are kept in {result.aside}" if result.aside
            else "the data folder held nothing to replace")
    echo(f"Restored from {args.src} (backup of {result.created_at}, {result.files} files); "
         f"{kept}.")
    if not result.report.ok:  # checked before the swap: only a bug or a race gets here
        for finding in result.report.findings:
            echo(finding.line())
        print("`consult-aid check`: problems found after restoring.", file=sys.stderr)
        return 1
    echo("`consult-aid check`: OK")
    return 0


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


__all__ = ["register"]
