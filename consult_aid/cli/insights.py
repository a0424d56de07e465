"""``insights``: which benefits and risks patients find hard, counted over signed consults."""

from __future__ import annotations

import argparse
import textwrap
from datetime import date

from consult_aid.cli.auth import SIGN_IN_HELP, signed_store
from consult_aid.content import load_catalog
from consult_aid.services.insights import (
    InsightsReport,
    denominator,
    filter_choices,
    insights,
    item_titles,
    percent,
)
from consult_aid.terminal import echo, safe


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a date as YYYY-MM-DD, not {safe(text)!r}") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "insights", help="which benefits and risks patients find hard (counts only)",
        description="Per benefit or risk, over signed and amended consults (drafts are not "
                    "counted): in how many it was discussed, marked partly or not yet "
                    "understood at the teach-back, and explained again. Hardest first. Counts "
                    "only: no patient names or consult ids.",
        epilog=f"{SIGN_IN_HELP} Any role.")
    p.add_argument("--pack", metavar="ID", help="only consults with this pack (see `packs`)")
    p.add_argument("--clinician", metavar="ID", help="only consults by this clinician's id")
    p.add_argument("--since", metavar="DATE", type=_day,
                   help="only consults on or after this day (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", type=_day,
                   help="only consults on or before this day (YYYY-MM-DD)")
    p.set_defaults(handler=run_insights, reads_only=True)


def run_insights(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.data.packs)
    packs = catalog.packs()
    with signed_store(args.data.archive, read_only=args.read_only) as db:
        report = insights(db, pack_id=args.pack, clinician_id=args.clinician,
                          since=args.since, until=args.until)
        choices = filter_choices(db)
    names = dict(choices.clinicians)
    print_report(report, {p.id: p.title for p in packs}, item_titles(packs),
                 names.get(args.clinician or "", ""))
    if report.empty and (args.pack or args.clinician):
        # where the ids to filter by are to be found (no other command lists clinicians)
        if choices.pack_ids:
            echo(f"Packs with signed consults: {', '.join(choices.pack_ids)}.")
        if choices.clinicians:
            echo("Clinicians with signed consults: "
                 + "; ".join(f"{i} ({n})" for i, n in choices.clinicians) + ".")
    return 0


def print_report(report: InsightsReport, pack_titles: dict[str, str],
                 titles: dict[tuple[str, str], str], clinician_name: str = "") -> None:
    if report.empty:
        echo("No signed consults match: nothing to count yet (drafts are not counted).")
        return
    several = len(report.consults_by_pack) > 1
    echo(f"What patients find hard, {denominator(report, pack_titles, clinician_name)}.")
    echo("Hardest first: the share of its discussions marked partly or not yet understood.")
    echo()
    width = 44
    pack_col = f"{'PACK':<24}  " if several else ""
    echo(f"{'BENEFIT OR RISK':<{width}}  {pack_col}{'DISCUSSED':>13}  {'PARTLY':>6}  "
         f"{'NOT YET':>7}  {'HARD':>5}  {'RE-EXPLAINED':>12}")
    for r in report.items:
        title = titles.get((r.pack_id, r.item_id), r.item_id)
        pack = f"{_fit(r.pack_id, 24):<24}  " if several else ""
        discussed = f"{r.discussed:,} of {r.consults:,}"
        echo(f"{_fit(title, width):<{width}}  {pack}{discussed:>13}  {r.partly:>6,}  "
             f"{r.not_yet:>7,}  {percent(r.hard, r.discussed):>5}  {r.re_explained:>12,}")
    if not report.items:
        echo("No benefit or risk was marked discussed in these consults.")
    echo()
    for line in textwrap.wrap(
            "DISCUSSED: in how many of the pack's consults it was discussed. HARD: of those, "
            "the share marked partly or not yet understood at signing. RE-EXPLAINED: explained "
            "again and checked (it may have ended understood).", 90):
        echo(line)


def _fit(text: str, width: int) -> str:
    text = " ".join(safe(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
