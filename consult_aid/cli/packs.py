"""``packs``: list the procedure packs, check one pack file, print a pack's IPDAS self-audit."""

from __future__ import annotations

import argparse
from pathlib import Path

from consult_aid.content import PackError, load_catalog, load_pack
from consult_aid.content.audit import audit
from consult_aid.content.catalog import CatalogEntry
from consult_aid.terminal import echo, safe

EXIT_INVALID = 2
EXIT_AUDIT_FAILED = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "packs", help="list procedure packs, check a pack file, audit a pack",
        description="Without options: list the built-in and clinic procedure packs with id, "
                    "version, source and status. --check FILE validates one pack file and "
                    "prints every problem (exit 0 valid, 2 invalid). --audit ID prints the "
                    "IPDAS self-audit of a pack (exit 0 all criteria met, 1 otherwise). "
                    "Clinic packs live in the data folder's packs/ folder; see "
                    "docs/content-packs.md.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--check", metavar="FILE", type=Path, help="validate one pack file")
    what.add_argument("--audit", metavar="ID", help="print the IPDAS self-audit of a pack")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.check is not None:
        return check(args.check)
    catalog = load_catalog(args.data.packs)
    if args.audit is not None:
        report = audit(catalog.get(args.audit))
        for line in report.text().split("\n"):
            echo(line)
        return 0 if report.passed else EXIT_AUDIT_FAILED
    print_listing(catalog.entries(), args.data.packs)
    return 0


def check(path: Path) -> int:
    try:
        pack = load_pack(path, source="clinic")
    except PackError as exc:
        count = len(exc.problems)
        echo(f"{path}: invalid, {count} problem{'s' if count != 1 else ''}:")
        for problem in exc.problems:
            echo(f"  {problem}")
        return EXIT_INVALID
    report = audit(pack)
    met = sum(c.passed for c in report.criteria)
    echo(f"{path}: valid: {pack.id} {pack.version}, {len(pack.options)} options, "
         f"{len(pack.items())} benefits and risks, sha256 {pack.content_hash}")
    echo(f"IPDAS self-audit: {met} of {len(report.criteria)} criteria met"
         + ("" if report.passed else f" (see `consult-aid packs --audit {pack.id}` once "
                                     "installed)"))
    return 0


def print_listing(entries: list[CatalogEntry], clinic_dir: Path) -> None:
    echo(f"{'ID':<28}  {'VERSION':<9}  {'SOURCE':<8}  {'STATUS':<10}  FILE")
    for e in entries:
        echo(f"{safe(e.pack_id)[:28]:<28}  {safe(e.version or '-')[:9]:<9}  "
             f"{safe(e.source):<8}  {safe(e.status):<10}  {safe(e.path.name)}")
    invalid = [e for e in entries if e.pack is None]
    for e in invalid:
        echo()
        echo(f"{e.path} is invalid ({len(e.problems)} problems); first: {e.problems[0]}"
             if e.problems else f"{e.path} is invalid")
    if invalid:
        echo("Run `consult-aid packs --check FILE` to see every problem.")
    echo()
    echo(f"Clinic packs folder: {clinic_dir}")
