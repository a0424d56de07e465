"""``demo``, ``render`` and ``verify``: the signed summary and handouts from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import datetime
from pathlib import Path

from consult_aid.cli.auth import (
    PASSWORD_FILE_VAR,
    PASSWORD_VAR,
    SIGN_IN_HELP,
    USER_VAR,
    sign_in_with_password,
    signed_in,
)
from consult_aid.cli.demo_removal import remove_demo_folder
from consult_aid.cli.output import output_file, output_folder, write_output
from consult_aid.content import load_catalog
from consult_aid.datadir import DataFolder
from consult_aid.domain import ConsultStatus
from consult_aid.domain.accounts import Permission
from consult_aid.domain.validation import ValidationError
from consult_aid.errors import InputError, KnownError
from consult_aid.exchange import consult_from_json
from consult_aid.exchange.consult_json import require_known_pack_ids
from consult_aid.files import remove_stale_temp_files
from consult_aid.input_files import MAX_CONSULT_JSON_BYTES, MAX_PDF_BYTES, MAX_TEXT_FILE_BYTES
from consult_aid.report.layout import Paper
from consult_aid.report.wording import moment
from consult_aid.services.access import record_verified
from consult_aid.services.accounts import has_accounts, permit, sign_in
from consult_aid.services.addenda import add_addendum
from consult_aid.services.check import check_database, check_server, quick_check
from consult_aid.services.consults import addendum_pdf, get_consult, new_consult_id, read_input_file
from consult_aid.services.demo import DEMO_PASSWORD, DEMO_USER, demo_consult, ensure_demo_account
from consult_aid.services.documents import consult_handout, patient_handout, summary_preview
from consult_aid.services.identities import (
    account_identity,
    clinician_identity,
    identity_folder,
    signer_identity,
)
from consult_aid.services.signing import (
    DocumentKind,
    VerifyReport,
    copy_of_saved,
    sign_and_archive,
    verify_document,
)
from consult_aid.services.store import open_store
from consult_aid.signing.identity import IdentityExistsError
from consult_aid.signing.verify import Verdict
from consult_aid.storage.certificates import CertificateRole
from consult_aid.terminal import echo

PASSWORD_ENV = PASSWORD_VAR  # the account's password (cli.auth): one password, the account's


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo", help="make a signed demo summary and the handouts (no display needed)",
        description="Store, sign and archive a complete demo consult (a fictional patient, "
                    "pain pump pack) and write the signed summary and the patient handouts "
                    "into DIR. On a folder with no accounts the demo first makes its own "
                    f"account, user '{DEMO_USER}', password '{DEMO_PASSWORD}' (administrator "
                    "and clinician, named as the demo's clinician), and signs in with it; the "
                    "consult is signed with that account's own signing identity (made at its "
                    "first signature, locked by that password). The demo always signs in with "
                    f"that password ({PASSWORD_VAR} is not used by the demo). Sign in to the "
                    f"demo folder's window or other commands as {DEMO_USER} with it. The demo "
                    "uses a data folder of its own, beside the real one (the per-user folder, "
                    "or $CONSULT_AID_HOME, with '-demo' added), and never the real one unless "
                    "--data-dir names it; a folder with accounts of its own is refused. "
                    "--remove deletes the demo's folder (only a folder the demo made).")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, metavar="DIR",
                      help="folder for the PDFs (made readable by you only when new)")
    what.add_argument("--remove", dest="remove_demo", action="store_true",
                      help="delete the demo's data folder: its demo account, identity and "
                           "consults (refused for a folder the demo did not make)")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="paper size (default a4)")
    p.set_defaults(handler=run_demo)

    p = sub.add_parser(
        "render", help="render a consult's JSON form as an unsigned draft summary PDF",
        description="Render a consult from its JSON form as an unsigned draft: 'DRAFT — NOT "
                    "SIGNED' on every page, no signature images, nothing stored. A record is "
                    "signed only in the window, where the patient and clinician sign on the "
                    "pads: the clinic's digital signature vouches only for signatures this "
                    "program saw drawn, never for strokes read from a file.")
    p.add_argument("file", type=Path, help="the consult's JSON file")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    p.add_argument("--unsigned", action="store_true",
                   help="accepted for older scripts: every render is an unsigned draft")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="paper size (default a4)")
    p.set_defaults(handler=run_render)

    p = sub.add_parser(
        "addendum", help="add a signed addendum to a signed consult",
        description="A signed consult is never changed: add a note to it instead. The addendum "
                    "is signed with the signed-in clinician's own signing identity (made at "
                    "their first signature, locked by their account password), archived as its "
                    "own PDF, and the consult becomes 'amended'.",
        epilog=f"{SIGN_IN_HELP} The same password unlocks the signing key (--password-file "
               f"FILE names the password file instead of {PASSWORD_FILE_VAR}). A clinician "
               "only.")
    p.add_argument("id", help="the consult id (see `consult-aid list`)")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the addendum's text")
    text.add_argument("--text-file", type=Path, metavar="FILE",
                      help="a UTF-8 file holding the addendum's text")
    p.add_argument("--author", help="who writes it (default: the signed-in clinician's name)")
    p.add_argument("--out", type=Path, metavar="FILE.pdf", help="also write a copy of the PDF")
    _common(p)
    p.set_defaults(handler=run_addendum)

    p = sub.add_parser(
        "verify", help="check a signed summary PDF: who signed, when, unchanged since?",
        description="Check a signed PDF: who signed it, when, and whether it is unchanged "
                    "since signing (the signature must cover the entire file); and whether it "
                    "matches this data folder's archive. Works on any copy of the file. Exit "
                    "0 valid and signed by this clinic or a certificate it trusts, 1 invalid "
                    "or modified, 2 not a readable PDF, 3 intact but signed by a certificate "
                    "this clinic does not know (see `consult-aid trust`).",
        epilog=f"{SIGN_IN_HELP} Any role. A data folder with no database yet (a copy checked "
               "elsewhere) needs no sign-in: the file alone is checked.")
    p.add_argument("file", type=Path, help="the PDF to check")
    p.set_defaults(handler=run_verify)

    p = sub.add_parser(
        "check", help="check the data folder: database, signed records and their PDFs",
        description="Check that the database is intact and that every signed consult matches "
                    "its archived, signed summary (hash, signature, record fingerprint). Prints "
                    "each problem with its consult; exit 0 when none, 1 otherwise. Never "
                    "writes (a backup folder can be checked in place): the password is checked "
                    "as at any sign-in, but the sign-in is neither counted nor recorded.",
        epilog=f"{SIGN_IN_HELP} Any role. When no one can sign in — the database is missing "
               "or damaged (it holds the accounts), or has no accounts yet — the folder is "
               "checked without an account, and a note says so.")
    p.set_defaults(handler=run_check)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="paper size (default a4)")
    p.add_argument("--password-file", type=Path, metavar="FILE",
                   help="file whose first line is your account's password (it also unlocks "
                        f"your signing key); default ${PASSWORD_FILE_VAR}, ${PASSWORD_VAR}, "
                        "or a prompt")


# -- demo ------------------------------------------------------------------------------------
def run_demo(args: argparse.Namespace) -> int:
    data: DataFolder = args.data
    if args.remove_demo:
        return remove_demo_folder(data)
    out: Path = output_folder(args.out)
    if getattr(args, "demo_default", False):
        echo(f"Demo data folder: {data.root} (not your data folder; `consult-aid demo "
             "--remove` deletes it)")
    catalog = load_catalog(data.packs)
    consult, pack = demo_consult(catalog)
    consult = dataclasses.replace(consult, id=new_consult_id())
    now = datetime.now().astimezone()
    with open_store(data.archive) as db:
        # a program starting on this folder at the same moment may make the account first:
        # then that one is used, never replaced
        # one program at a time (BEGIN IMMEDIATE): two demos starting on a new folder at once
        # make one account, never two "first" ones
        with db.transaction():
            new_account = not has_accounts(db)
            ensure_demo_account(db, consult.clinician, now=now)
        if new_account:
            echo(f"Created the demo account {DEMO_USER} ({consult.clinician.name}), "
                 "administrator and clinician")
        account = db.account = sign_in(db, DEMO_USER, DEMO_PASSWORD, now=now)
        made = account_identity(data, account) is None
        if made:  # the demo clinician's identity names the demo's clinic
            try:
                clinician_identity(db, data, account, DEMO_PASSWORD,
                                   clinic=consult.clinician.clinic, now=now)
            except IdentityExistsError:  # made by a demo started at the same moment: used
                made = False
        identity = signer_identity(db, data, account, DEMO_PASSWORD, now=now)
        if made:
            echo(f"Created a demo signing identity for {identity.subject} in "
                 f"{identity_folder(data, account)}")
        try:
            result = sign_and_archive(db, consult, pack, identity, DEMO_PASSWORD, now,
                                      Paper.parse(args.paper))
        except ValidationError as exc:
            return _problems(exc)
    # committed: a file that cannot be written now is a missing copy, and the message says
    # that the consult is signed and archived
    saved = f"Consult {result.consult.id} is signed and archived"
    summary = out / f"summary-{result.consult.id}.pdf"
    remove_stale_temp_files(out)  # copies a killed demo left half-written
    with copy_of_saved(summary, saved=saved, consult_id=result.consult.id):
        write_output(summary, result.pdf)
    echo(f"Signed summary:  {summary}")
    for handout_pack in catalog.packs():
        for carer in (False, True) if handout_pack.carer_handout is not None else (False,):
            path = out / f"handout-{handout_pack.id}{'-carers' if carer else ''}.pdf"
            handout = (consult_handout(result.consult, pack, args.paper, carer=carer)
                       if handout_pack.id == pack.id
                       else patient_handout(handout_pack, consult.clinician, args.paper,
                                            carer=carer))
            with copy_of_saved(path, saved=f"{saved}, its summary copy is {summary}",
                               consult_id=result.consult.id):
                write_output(path, handout)  # made for this patient: their name is on it
            echo(f"{'Carers' if carer else 'Patient'} handout: {path}")
    echo(f"Archived as consult {result.consult.id}; check with: consult-aid verify {summary}")
    echo(f"Demo account: user {DEMO_USER}, password {DEMO_PASSWORD} (fictional data only). "
         f"Sign in with it in the window, or for commands: {USER_VAR}={DEMO_USER} "
         f"{PASSWORD_VAR}={DEMO_PASSWORD} consult-aid --data-dir {data.root} list")
    return 0


# -- render ----------------------------------------------------------------------------------
def run_render(args: argparse.Namespace) -> int:
    data: DataFolder = args.data
    output_file(args.out)
    consult = consult_from_json(read_input_file(args.file, max_bytes=MAX_CONSULT_JSON_BYTES,
                                                what="consult JSON file"))
    catalog = load_catalog(data.packs)
    pack = catalog.find(consult.pack.id, content_hash=consult.pack.content_hash)
    require_known_pack_ids(consult, pack)
    draft = dataclasses.replace(consult, status=ConsultStatus.DRAFT, signed_at=None,
                                pdf_sha256="")
    write_output(args.out, summary_preview(draft, pack, args.paper))
    echo(f"Unsigned draft summary: {args.out}")
    if consult.is_locked:
        echo("This consult is signed: its signed PDF is the record (see `consult-aid "
             "export`); this copy is a draft rendering of its data.")
    return 0


# -- addendum --------------------------------------------------------------------------------
def run_addendum(args: argparse.Namespace) -> int:
    data: DataFolder = args.data
    if args.text_file is not None:
        try:
            text = read_input_file(args.text_file, max_bytes=MAX_TEXT_FILE_BYTES,
                                   what="text file").decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{args.text_file}: not UTF-8 text") from None
    else:
        text = args.text
    if args.out is not None:
        output_file(args.out)
    now = datetime.now().astimezone()
    with open_store(data.archive) as db:
        account, password = sign_in_with_password(db, now=now,
                                                  password_file=args.password_file)
        db.account = account
        get_consult(db, args.id)  # an unknown id is named before anything is signed
        identity = signer_identity(db, data, account, password, now=now)
        author = args.author or account.display_name
        try:
            addendum = add_addendum(db, args.id, author=author, text=text, now=now,
                                    identity=identity, password=password,
                                    paper=Paper.parse(args.paper))
        except ValidationError as exc:
            for problem in exc.problems:
                echo(f"consult-aid: {problem.field}: {problem.message}", file=sys.stderr)
            return 2
        pdf = addendum_pdf(db, args.id, addendum.document_sha256) if args.out else None
    echo(f"Addendum {addendum.id} signed and archived (SHA-256 {addendum.document_sha256}).")
    if args.out is not None and pdf is not None:
        with copy_of_saved(args.out, saved=f"Addendum {addendum.id} to consult {args.id} is "
                                           "signed and archived", consult_id=args.id):
            write_output(args.out, pdf)
        echo(f"Copy: {args.out}")
    return 0


def _problems(exc: ValidationError) -> int:
    print("consult-aid: the consult is not ready to sign:", file=sys.stderr)
    for problem in exc.problems:
        echo(f"  {problem.field}: {problem.message}", file=sys.stderr)
    return 2


# -- verify ----------------------------------------------------------------------------------
def run_verify(args: argparse.Namespace) -> int:
    pdf = read_input_file(args.file, max_bytes=MAX_PDF_BYTES, what="PDF")
    data: DataFolder = args.data
    if not data.database.is_file():  # no archive to look in: nothing to sign in to
        report = verify_document(pdf, data)
    else:  # the archive is looked up: by a signed-in account only, and audited
        with open_store(data.archive, read_only=args.read_only) as db:
            db.account = signed_in(db, now=datetime.now().astimezone())
            permit(db, Permission.VIEW_CONSULTS)
            report = verify_document(pdf, data)
            record_verified(db, f"{report.verdict.name.lower()}; {report.kind.value}",
                            consult_id=report.archive_record.id if report.archive_record else None)
    for line in describe(report, args.file):
        echo(line)
    return int(report.verdict)


HEADLINES = {
    Verdict.VALID: "VALID: signed by {who}, unchanged since",
    Verdict.UNKNOWN_SIGNER: "SIGNATURE INTACT, BUT BY A SIGNER THIS CLINIC DOES NOT KNOW",
    Verdict.INVALID: "INVALID: changed since signing, or the signature is broken",
    Verdict.UNREADABLE: "NOT A READABLE PDF",
}
KINDS = {
    DocumentKind.SUMMARY: "a signed consult summary made by Consult Aid",
    DocumentKind.ADDENDUM: "an addendum to a signed consult (it adds a note; the consult's "
                           "summary is its own file)",
    DocumentKind.OTHER: "a PDF that names no Consult Aid record",
}


def describe(report: VerifyReport, path: Path) -> list[str]:
    """The verification, in plain words (one fact per line).

    Never calls a signer the clinic on the strength of the name in its certificate (anyone can
    make one with any name): only the clinic's pinned certificate or one it trusted is. An
    invalid file is never said to be unchanged."""
    v = report.verification
    verdict = report.verdict
    who = ("this clinic" if report.signer_role is CertificateRole.OWN
           else "a certificate this clinic trusts")
    lines = [f"{path}: {HEADLINES[verdict].format(who=who)}"]
    if verdict is Verdict.UNREADABLE:
        return [*lines, *(f"  {p}" for p in v.problems)]
    lines.append(f"  Document: {KINDS[report.kind]}.")
    if v.ok:
        lines.append("  Unchanged: the signature is intact and covers the entire file.")
    else:
        lines += [f"  Problem: {p}" for p in v.problems]
        lines.append("  Do not rely on this file: it is not the file that was signed, or "
                     "its signature cannot be checked.")
    for sig in v.signatures:
        lines.append(f"  Signer, as its certificate claims: {sig.signer}"
                     + ("; the certificate is self-issued" if sig.self_issued
                        else f"; certificate issued by {sig.issuer}"))
        lines.append(f"  Signed at: {moment(sig.signed_at)} (as reported by the signer's "
                     "computer)")
        if sig.timestamped_at is not None:
            state = "valid" if sig.timestamp_ok else "NOT valid"
            lines.append(f"  Timestamp: {moment(sig.timestamped_at)} ({state}, from a "
                         "timestamp authority)")
        lines.append(f"  Certificate SHA-256: {sig.fingerprint}")
    lines.append("  Signer: " + _standing(report))
    lines.append("  Archive: " + _archive(report))
    lines.append(f"  File SHA-256: {v.sha256}")
    return lines


def _standing(report: VerifyReport) -> str:
    if report.verification.last is None:
        return "no signature."
    if report.signer_role is CertificateRole.OWN:
        return "this clinic's own signing certificate (pinned in this data folder)."
    if report.signer_role is CertificateRole.TRUSTED:
        return "a certificate this clinic trusted explicitly (consult-aid trust list)."
    known = ("" if report.clinic_known
             else " (this data folder has no signing identity or trusted certificate)")
    return ("NOT a certificate this clinic knows" + known + ". Anyone can make a certificate "
            "with any name in it, so the name above is only a claim. Ask the sender for their "
            "certificate by a route you trust, compare its SHA-256 with the one above, and "
            "only then: consult-aid trust add CERT.pem")


def _archive(report: VerifyReport) -> str:
    if not report.archive_checked:
        return "this data folder has no archive to compare with (a copy checked elsewhere)."
    record = report.archive_record
    if record is None:
        return "no consult in this data folder's archive has this exact file."
    what = "the archived addendum to" if report.kind is DocumentKind.ADDENDUM \
        else "the archived summary of"
    return (f"matches {what} consult {record.id} ({record.pack_id} "
            f"{record.pack_version}, {record.status.value}, consult of "
            f"{record.created_at.date().isoformat()}).")


__all__ = ["DEMO_PASSWORD", "DEMO_USER", "PASSWORD_ENV", "no_one_can_sign_in", "register"]



# -- check -----------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    data: DataFolder = args.data
    why_not = None if data.server is not None else no_one_can_sign_in(data)
    if why_not is None:  # read-only: `check` writes nothing, so a backup is checked in place
        with open_store(data.archive, read_only=True) as db:
            db.account = signed_in(db, now=datetime.now().astimezone())
            permit(db, Permission.VIEW_CONSULTS)
    else:
        print(f"consult-aid: note: checked without signing in: {why_not}.", file=sys.stderr)
    report = (check_server(data.server, data.identity) if data.server is not None
              else check_database(data.database, data.identity))
    for finding in report.findings:
        echo(finding.line())
    if report.ok:
        echo(f"OK: {report.consults} consults and {report.documents} signed summaries "
             "checked; the database is intact and every signed record matches its PDF.")
        return 0
    print(f"{len(report.findings)} problem(s) found.", file=sys.stderr)
    return 1


def no_one_can_sign_in(data: DataFolder) -> str | None:
    """Why no account can sign in to ``data`` (its database, which holds the accounts, is
    missing, damaged or has none yet), or None when one can and must."""
    if not data.database.is_file():
        return "the data folder has no database"
    if not quick_check(data.database, data.identity).ok:
        return "the database fails its quick check, and it holds the accounts"
    try:
        with open_store(data.archive, read_only=True) as db:
            return None if has_accounts(db) else "the data folder has no accounts yet"
    except KnownError:
        return "the database cannot be read, and it holds the accounts"

