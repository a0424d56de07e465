"""``trust add|list|remove``: the certificates whose signed consults this clinic imports."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from consult_aid.cli.auth import SIGN_IN_HELP, signed_store
from consult_aid.input_files import MAX_CERTIFICATE_BYTES
from consult_aid.services.consults import read_input_file
from consult_aid.services.trust import (
    trust_certificate,
    trusted_certificates,
    untrust_certificate,
)
from consult_aid.storage.certificates import CertificateRole
from consult_aid.terminal import echo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "trust", help="trust another clinic's signing certificate (add, list, remove)",
        description="A signed consult or addendum is imported as signed only when its PDF is "
                    "signed by this clinic's own signing identity or by a certificate trusted "
                    "here. Trust a certificate only after checking its SHA-256 with its owner "
                    "by a route you trust (a phone call, in person): the name inside a "
                    "certificate proves nothing. Each change is audited.",
        epilog=f"{SIGN_IN_HELP} add and remove: an administrator only; list: any role.")
    actions = p.add_subparsers(dest="trust_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="trust a certificate file (PEM or DER)")
    add.add_argument("certificate", type=Path, metavar="CERT",
                     help="the certificate file, e.g. the other data folder's "
                          "identity/certificate.pem")
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", help="list this clinic's own and trusted certificates")
    listing.set_defaults(handler=run_list, reads_only=True)
    remove = actions.add_parser("remove", help="stop trusting a certificate")
    remove.add_argument("fingerprint", metavar="SHA256",
                        help="its SHA-256 as `trust list` shows it (at least 8 digits)")
    remove.set_defaults(handler=run_remove)


def run_add(args: argparse.Namespace) -> int:
    data = read_input_file(args.certificate, max_bytes=MAX_CERTIFICATE_BYTES,
                           what="certificate file")
    with signed_store(args.data.archive) as db:
        entry = trust_certificate(db, data, now=datetime.now().astimezone())
    echo(f"Trusted: {entry.subject}")
    echo(f"  SHA-256: {entry.fingerprint}")
    echo("Consults and addenda signed with it can now be imported as signed.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        entries = trusted_certificates(db)
    if not entries:
        echo("No certificate is pinned or trusted yet (the clinic's own is pinned when it is "
             "set up or first signs).")
        return 0
    for entry in entries:
        role = ("own (this clinic's signing identity)" if entry.role is CertificateRole.OWN
                else "trusted" if entry.active
                else f"no longer trusted since {(entry.removed_at or '')[:10]}")
        echo(f"{entry.fingerprint}  {role}, since {entry.added_at[:10]}")
        echo(f"  {entry.subject}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with signed_store(args.data.archive) as db:
        entry = untrust_certificate(db, args.fingerprint, now=datetime.now().astimezone())
    echo(f"No longer trusted: {entry.subject} ({entry.fingerprint}). Consults imported with it "
         "stay; new imports signed with it are refused.")
    return 0
