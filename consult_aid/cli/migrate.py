"""``migrate --to postgresql://...``: this PC's archive onto the clinic's PostgreSQL server."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from consult_aid.cli.auth import SIGN_IN_HELP, signed_in
from consult_aid.datadir import DataFolder
from consult_aid.errors import InputError
from consult_aid.services.check import quick_check
from consult_aid.services.store import open_store
from consult_aid.storage.server import ServerAddress
from consult_aid.terminal import echo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "migrate", help="copy this data folder's archive to the clinic's PostgreSQL server",
        description="Copy everything the data folder's SQLite archive holds — patients, "
                    "consults with their signed PDFs and addenda, accounts, the audit trail "
                    "with its hash chain, the pinned and trusted certificates — into an empty "
                    "database on a PostgreSQL server, in one transaction, with every rule of "
                    "the server checking each record; then check the copy as `consult-aid "
                    "check` does. The SQLite file is only read. Exit 0 when copied and the "
                    "check passes, 1 when the check finds problems.",
        epilog=f"{SIGN_IN_HELP} An administrator of this data folder. Then point every PC at "
               "the server: `consult-aid --database ADDRESS`, $CONSULT_AID_DATABASE, or the "
               "window's Settings.")
    p.add_argument("--to", required=True, metavar="postgresql://USER@HOST/DB",
                   help="the server's empty database (the password: keyring, "
                        "$CONSULT_AID_DATABASE_PASSWORD_FILE or ~/.pgpass)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from consult_aid.services.migrate import migrate_to_server

    data: DataFolder = args.data
    address = ServerAddress.parse(args.to)
    if not data.database.is_file():
        raise InputError(f"The data folder {data.root} has no SQLite archive to copy.")
    if not quick_check(data.database, data.identity).ok:
        raise InputError("The data folder's database fails its quick check: run `consult-aid "
                         "check`, and restore it from a backup before moving it.")
    with open_store(data.database, read_only=True) as db:
        actor = signed_in(db, now=datetime.now().astimezone())
    report = migrate_to_server(data.database, address, actor=actor, identity=data.identity)
    echo(f"Copied to {address.shown}: " + ", ".join(f"{n} {t}" for t, n in report.counts.items())
         + ".")
    for finding in report.check.findings:
        echo(finding.line())
    if report.check.ok:
        echo(f"Check of the copy: OK ({report.check.consults} consults, "
             f"{report.check.documents} signed documents verified). The SQLite file is "
             "unchanged.")
        return 0
    print(f"{len(report.check.findings)} problem(s) found in the copy.", file=sys.stderr)
    return 1
