"""``list``, ``search``, ``import`` and ``export``: the consult records from the command line.

``list`` and ``search`` import only what they read with; the JSON, FHIR and signing code is
imported by ``import`` and ``export`` themselves (issue 16: start-up).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from consult_aid.cli.auth import SIGN_IN_HELP, signed_store
from consult_aid.cli.output import limit, output_file, write_output
from consult_aid.domain import ConsultStatus
from consult_aid.errors import InputError, KnownError
from consult_aid.services import consults
from consult_aid.terminal import echo, safe, safe_json

if TYPE_CHECKING:
    from consult_aid.domain import Consult, ConsultSummary

LIMIT_HELP = "how many to show, 1 to 10,000 (default 50); other values are refused"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("list", help="list consults, newest first",
                       description="List consults: id, patient, date, procedure, status.",
                       epilog=f"{SIGN_IN_HELP} Any role.")
    p.add_argument("--limit", type=limit, default=50, help=LIMIT_HELP)
    p.add_argument("--status", choices=("draft", "signed", "amended"))
    p.set_defaults(handler=run_list)

    p = sub.add_parser("search", help="find consults by patient, MRN, diagnosis or any text",
                       description="Find consults whose patient name, MRN, diagnosis or free "
                                   "text contain every word given (accents ignored).",
                       epilog=f"{SIGN_IN_HELP} Any role.")
    p.add_argument("text", nargs="+", help="words to look for")
    p.add_argument("--limit", type=limit, default=50, help=LIMIT_HELP)
    p.set_defaults(handler=run_search)

    p = sub.add_parser("import", help="store a consult from its JSON form",
                       description="Store a consult from its JSON form (docs/consult-json.md): "
                                   "a draft as a draft; a signed consult together with its signed "
                                   "PDF, and each addendum with its own signed PDF. Each must "
                                   "verify and be signed by this clinic or by a certificate it "
                                   "trusts (`consult-aid trust add`). Exit code 2 on bad input; "
                                   "nothing is written then.",
                       epilog=f"{SIGN_IN_HELP} A clinician or an administrator.")
    p.add_argument("file", type=Path, help="the consult's JSON file")
    p.add_argument("--pdf", type=Path,
                   help="the signed summary PDF (default: FILE with .pdf, for a signed consult)")
    p.add_argument("--addendum-pdf", type=Path, action="append", default=[], metavar="PDF",
                   help="an addendum's signed PDF (repeat for each; default: the files "
                        "FILE.addendum-*.pdf beside the JSON)")
    p.set_defaults(handler=run_import)

    p = sub.add_parser("export", help="write a consult's JSON form, or a FHIR R4 Bundle",
                       description="Write a consult's JSON form to standard output or a file "
                                   "(--json), or a signed consult as an HL7 FHIR R4 Bundle for "
                                   "the EHR (--fhir FILE.json, docs/fhir-export.md).",
                       epilog=f"{SIGN_IN_HELP} Any role.")
    p.add_argument("id", help="the consult id (see `consult-aid list`)")
    form = p.add_mutually_exclusive_group(required=True)
    form.add_argument("--json", action="store_true",
                      help="export the consult's JSON form (docs/consult-json.md)")
    form.add_argument("--fhir", type=Path, metavar="FILE.json",
                      help="write a signed consult as a FHIR R4 Bundle (Patient, Practitioner, "
                           "Consent, a DocumentReference per signed PDF, Provenance) to "
                           "FILE.json, readable by you only (0600); a draft is refused")
    p.add_argument("--out", type=Path, help="with --json: file to write (default: standard "
                                            "output); a signed consult's PDFs (summary and "
                                            "addenda) are written beside it; all readable by "
                                            "you only (0600)")
    p.set_defaults(handler=run_export)


def _print_table(rows: list[ConsultSummary]) -> None:
    if not rows:
        echo("No consults found.")
        return
    echo(f"{'ID':<32}  {'PATIENT':<28}  {'DATE':<10}  {'PROCEDURE':<24}  STATUS")
    for r in rows:
        echo(f"{safe(r.id):<32}  {_fit(r.patient_name, 28):<28}  "
             f"{r.created_at.date().isoformat():<10}"
             f"  {_fit(f'{r.pack_id} {r.pack_version}', 24):<24}  {r.status.value}")


def _fit(text: str, width: int) -> str:
    """One cell: made safe (one line, nothing a terminal obeys), cut to ``width``."""
    text = " ".join(safe(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        status = ConsultStatus(args.status) if args.status else None
        _print_table(consults.summaries(db, limit=args.limit, status=status))
    return 0


def run_search(args: argparse.Namespace) -> int:
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        _print_table(consults.search(db, " ".join(args.text), limit=args.limit))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from consult_aid.exchange.consult_json import consult_from_json
    from consult_aid.input_files import MAX_CONSULT_JSON_BYTES, MAX_PDF_BYTES
    from consult_aid.services.consults import import_json, read_input_file

    text = read_input_file(args.file, max_bytes=MAX_CONSULT_JSON_BYTES, what="consult JSON file")
    pdf_path = args.pdf
    parsed = consult_from_json(text)
    if pdf_path is None and parsed.is_locked:
        candidate = args.file.with_suffix(".pdf")
        pdf_path = candidate if candidate.exists() else None
    _require_known_pack_ids(args, parsed)
    pdf = read_input_file(pdf_path, max_bytes=MAX_PDF_BYTES, what="PDF") if pdf_path else None
    addendum_paths = list(args.addendum_pdf) or (
        sorted(args.file.parent.glob(f"{args.file.stem}.addendum-*.pdf")) if parsed.addenda
        else [])
    addendum_pdfs = [read_input_file(p, max_bytes=MAX_PDF_BYTES, what="PDF")
                     for p in addendum_paths]
    with signed_store(args.data.archive) as db:
        consult = import_json(db, text, pdf=pdf, addendum_pdfs=addendum_pdfs)
    echo(f"Imported consult {consult.id} ({consult.status.value}).")
    if not parsed.is_locked and parsed.signatures:
        echo(f"Not imported: {len(parsed.signatures)} pad signature(s). Signatures in a file "
             "were not drawn in this program; they are drawn again on the pads before "
             "signing.")
    return 0


def _require_known_pack_ids(args: argparse.Namespace, consult: Consult) -> None:
    """Every checklist item, benefit or risk, red flag and measure the consult names must be
    its pack's, when that pack is installed here (a consult signed elsewhere with a clinic's
    own pack comes in on the strength of its signed PDF alone)."""
    from consult_aid.content import load_catalog
    from consult_aid.content.errors import UnknownPackError
    from consult_aid.exchange.consult_json import require_known_pack_ids

    try:
        pack = load_catalog(args.data.packs).find(consult.pack.id,
                                                  content_hash=consult.pack.content_hash)
    except UnknownPackError:
        return
    require_known_pack_ids(consult, pack)


def run_export(args: argparse.Namespace) -> int:
    if args.fhir is not None:
        return _run_export_fhir(args)
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        exported = consults.export_json(db, args.id)
        if args.out is None:
            sys.stdout.write(safe_json(exported.text))
            return 0
        files = [(args.out, exported.text.encode("utf-8"))]
        if exported.summary_pdf is not None:
            files.append((args.out.with_suffix(".pdf"), exported.summary_pdf))
        files += [(args.out.with_name(f"{args.out.stem}.addendum-{addendum_id}.pdf"), pdf)
                  for addendum_id, pdf in exported.addendum_pdfs]
        try:
            for path, _ in files:
                output_file(path)
            for path, data in files:
                write_output(path, data)
                echo(f"Wrote {path}")
        except (OSError, KnownError) as exc:  # recorded as exported above: say it failed
            consults.export_failed(db, args.id, exc)
            raise
    return 0


def _run_export_fhir(args: argparse.Namespace) -> int:
    if args.out is not None:
        raise InputError("--out goes with --json; --fhir names the file to write itself")
    from consult_aid.services.fhir import export_fhir

    path = output_file(args.fhir, "--fhir")
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        text = export_fhir(db, args.id, now=datetime.now().astimezone())
        try:
            write_output(path, text.encode("utf-8"))
        except (OSError, KnownError) as exc:  # recorded as exported above: say it failed
            consults.export_failed(db, args.id, exc)
            raise
    echo(f"Wrote {path}")
    return 0
