"""Checks on a pack as a whole: unique ids, references, sourced figures, comparison answers,
red flags, placeholders.

Key paths follow the file's order (``options[1].risks[2]``), so they point at the table the
clinician has to edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from consult_aid.content.facts import known_fact_keys
from consult_aid.content.fields import Reader, Table
from consult_aid.content.model import Pack
from consult_aid.content.placeholders import PLACEHOLDERS, placeholders_in
from consult_aid.content.readability import handout_texts, patient_texts

REQUIRED_HANDOUT_PLACEHOLDER = "clinic_phone"
# A figure as a patient reads it, with its unit and range: quoted in the problem message.
_NUMBER = r"\d[\d.,]*%?(?:\s+(?!to\b)[A-Za-z]+)?"  # "6 hours", "50%", "2,932 people"
FIGURE = re.compile(rf"{_NUMBER}(?:\s*(?:to|-|–)\s*{_NUMBER})?")  # "6 weeks to 6 months"
# Which table cites the figures of a patient-facing text: the text's key path, up to the table.
CITING_TABLES = (
    re.compile(r"^conditions\[\d+\](?=\.)"),  # name and description
    re.compile(r"^options\[\d+\]\.(?:benefits|risks)\[\d+\](?=\.)"),  # the item
    re.compile(r"^options\[\d+\](?=\.)"),  # summary, steps, living_with, answers
    re.compile(r"^handout\.sections\[\d+\](?=\.)"),  # heading and paragraphs
    re.compile(r"^handout(?=\.warning_signs\[)"),  # warning signs: warning_references
)


def check_pack(r: Reader, pack: Pack, data: Table) -> None:
    check_unique_ids(r, pack)
    check_references(r, pack)
    check_figures_are_sourced(r, pack)
    check_answers(r, pack)
    check_red_flags(r, pack)
    check_placeholders(r, pack)
    if len(pack.options) < 2 and isinstance(data.get("options"), list):
        r.problem("options", "a decision needs at least two options (include keeping current "
                             "care)")


def item_paths(pack: Pack) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(key path, id, references) of every benefit and risk."""
    for o, option in enumerate(pack.options):
        for group, items in (("benefits", option.benefits), ("risks", option.risks)):
            for i, item in enumerate(items):
                yield f"options[{o}].{group}[{i}]", item.id, item.references


def citing_paths(pack: Pack) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(key path of the reference list, references) of everything that may cite a reference.

    Conditions (for their name and description), options (for their own text), items,
    checklist items, red flags, handout sections and the handout's warning signs
    (``handout.warning_references``).
    """
    for c, cond in enumerate(pack.conditions):
        yield f"conditions[{c}].references", cond.references
    for o, option in enumerate(pack.options):
        yield f"options[{o}].references", option.references
    for path, _id, refs in item_paths(pack):
        yield f"{path}.references", refs
    for c, check in enumerate(pack.checklist):
        yield f"checklist[{c}].references", check.references
    for f, flag in enumerate(pack.red_flags):
        yield f"red_flags[{f}].references", flag.references
    for s, section in enumerate(pack.handout.sections):
        yield f"handout.sections[{s}].references", section.references
    yield "handout.warning_references", pack.handout.warning_references


def cited_ids(pack: Pack) -> set[str]:
    """Every reference id cited anywhere in the pack."""
    return {ref_id for _path, refs in citing_paths(pack) for ref_id in refs}


def check_unique_ids(r: Reader, pack: Pack) -> None:
    groups: list[tuple[str, Iterable[tuple[str, str]]]] = [
        ("condition", ((f"conditions[{i}]", c.id) for i, c in enumerate(pack.conditions))),
        ("option", ((f"options[{i}]", o.id) for i, o in enumerate(pack.options))),
        ("benefit or risk", ((p, i) for p, i, _refs in item_paths(pack))),
        ("comparison question", ((f"comparison[{i}]", q.id)
                                 for i, q in enumerate(pack.comparison))),
        ("checklist item", ((f"checklist[{i}]", c.id) for i, c in enumerate(pack.checklist))),
        ("red flag", ((f"red_flags[{i}]", f.id) for i, f in enumerate(pack.red_flags))),
        ("reference", ((f"references[{i}]", ref.id) for i, ref in enumerate(pack.references))),
    ]
    for label, entries in groups:
        seen: dict[str, str] = {}
        for path, ident in entries:
            if not ident:
                continue
            if ident in seen:
                r.problem(f"{path}.id", f"duplicate {label} id '{ident}'; already used at "
                                        f"{seen[ident]}")
            else:
                seen[ident] = path


def check_references(r: Reader, pack: Pack) -> None:
    known = {ref.id for ref in pack.references}
    cited: set[str] = set()
    for path, refs in citing_paths(pack):
        for n, ref_id in enumerate(refs):
            cited.add(ref_id)
            if ref_id not in known:
                r.problem(f"{path}[{n}]",
                          f"unknown reference '{ref_id}'; add it under [[references]] or fix "
                          "the id")
    for n, ref in enumerate(pack.references):
        if ref.id and ref.id not in cited:
            r.problem(f"references[{n}]", f"reference '{ref.id}' is never cited; cite it or "
                                          "remove it")


def check_figures_are_sourced(r: Reader, pack: Pack) -> None:
    """Every patient-facing text holding a digit sits in a table that cites a reference.

    The citing table is the condition for its name and description, the benefit or risk for
    its own texts, the option for its name, summary, steps, living_with and answers, the
    handout section for its heading and paragraphs, and ``handout.warning_references`` for the
    warning signs. Other texts (decision, comparison questions, handout title) have no
    reference list and are not checked here.
    """
    cites = {path.removesuffix(".references"): refs for path, refs in citing_paths(pack)}
    cites["handout"] = pack.handout.warning_references
    for path, text in patient_texts(pack):
        figure = FIGURE.search(text)
        if figure is None:
            continue
        owner = next((m.group(0) for m in (p.match(path) for p in CITING_TABLES) if m), None)
        if owner is None or cites.get(owner):
            continue
        where, key = (("handout", "warning_references") if owner == "handout"
                      else (owner, "references"))
        r.problem(path, f"contains a figure (\"{figure.group(0)}\") but {where} cites no "
                        f"reference; add {key} = [\"...\"] with the source of the figure, or "
                        "write the text without the number")


def check_answers(r: Reader, pack: Pack) -> None:
    questions = [q.id for q in pack.comparison if q.id]
    for o, option in enumerate(pack.options):
        for qid in questions:
            if qid not in option.answers:
                r.problem(f"options[{o}].answers.{qid}",
                          f"missing; option '{option.id}' must answer comparison question "
                          f"'{qid}'")
        for qid in option.answers:
            if qid not in questions:
                r.problem(f"options[{o}].answers.{qid}",
                          f"answers an unknown comparison question '{qid}'")


def check_red_flags(r: Reader, pack: Pack) -> None:
    known = known_fact_keys()
    for f, flag in enumerate(pack.red_flags):
        if flag.fact and flag.fact not in known:
            r.problem(f"red_flags[{f}].fact",
                      f"unknown consult fact '{flag.fact}'; known facts: "
                      f"{', '.join(sorted(known))}")


def check_placeholders(r: Reader, pack: Pack) -> None:
    handout = dict(handout_texts(pack))
    found: set[str] = set()
    for path, text in patient_texts(pack):
        for name in placeholders_in(text):
            if path not in handout:
                r.problem(path, f"placeholder {{{name}}} is only filled in the handout; write "
                                "the text out here")
            elif name not in PLACEHOLDERS:
                r.problem(path, f"unknown placeholder {{{name}}}; known: "
                                f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
            else:
                found.add(name)
    if pack.handout.sections and REQUIRED_HANDOUT_PLACEHOLDER not in found:
        r.problem("handout", "must tell patients whom to call: include "
                             f"{{{REQUIRED_HANDOUT_PLACEHOLDER}}} in a section")
