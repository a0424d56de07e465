"""Checks on a pack as a whole: unique ids, references, sourced figures, whole-number
figures, comparison answers, red flags, placeholders, where danger signs send the patient.

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

# A figure as a patient reads it, with its unit and range: quoted in the problem message.
_NUMBER = r"\d[\d.,]*%?(?:\s+(?!to\b)[A-Za-z]+)?"  # "6 hours", "50%", "2,932 people"
FIGURE = re.compile(rf"{_NUMBER}(?:\s*(?:to|-|–)\s*{_NUMBER})?")  # "6 weeks to 6 months"
# Which table cites the figures of a patient-facing text: the text's key path, up to the table.
CITING_TABLES = (
    re.compile(r"^conditions\[\d+\](?=\.)"),  # name and description
    re.compile(r"^options\[\d+\]\.(?:benefits|expect|risks)\[\d+\](?=\.)"),  # the item
    re.compile(r"^options\[\d+\](?=\.)"),  # summary, steps, living_with, answers
    re.compile(r"^(?:carer_)?handout\.sections\[\d+\](?=\.)"),  # heading and paragraphs
    re.compile(r"^(?:carer_)?handout\.after_trial(?=\.)"),  # who, how long, what to watch for
    re.compile(r"^(?:carer_)?handout\.emergency(?=_signs\[)"),  # emergency_references
    re.compile(r"^(?:carer_)?handout\.clinic(?=_signs\[)"),  # clinic signs: clinic_references
)
# A rate with decimals in patient text: "38.9 in 1,000", "2.3 of 100", "3.89%" (Trevena et al.
# 2013, REFERENCE.md "Risk communication": whole numbers in the chosen denominator).
DECIMAL_RATE = re.compile(
    r"\b\d+\.\d+\s*(?:%|per ?cent\b|(?:in|of|out of)\s+(?:every\s+)?\d[\d,]*)", re.IGNORECASE)
# Text that makes emergency help wait for the clinic: "if you cannot reach us ... emergency".
EMERGENCY_AFTER_CLINIC = re.compile(
    r"(?:cannot|can't|can not|unable to|fail to)\s+(?:reach|get through to|contact)\b"
    r"[^.]*\bemergenc|\bemergenc[^.]*\bonly if\b", re.IGNORECASE)


def check_pack(r: Reader, pack: Pack, data: Table) -> None:
    check_unique_ids(r, pack)
    check_references(r, pack)
    check_figures_are_sourced(r, pack)
    check_whole_numbers(r, pack)
    check_emergency_routing(r, pack)
    check_answers(r, pack)
    check_red_flags(r, pack)
    check_placeholders(r, pack)
    if len(pack.options) < 2 and isinstance(data.get("options"), list):
        r.problem("options", "a decision needs at least two options (include keeping current "
                             "care)")


def item_paths(pack: Pack) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(key path, id, references) of every benefit and risk."""
    for o, option in enumerate(pack.options):
        for group, items in (("benefits", option.benefits), ("expect", option.expect),
                             ("risks", option.risks)):
            for i, item in enumerate(items):
                yield f"options[{o}].{group}[{i}]", item.id, item.references


def citing_paths(pack: Pack) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(key path of the reference list, references) of everything that may cite a reference.

    Conditions (for their name and description), options (for their own text), items,
    checklist items, red flags, handout sections, the handout's emergency and clinic signs
    (``handout.emergency_references``, ``handout.clinic_references``) and what happens after
    the trial (``handout.after_trial.references``).
    """
    for c, cond in enumerate(pack.conditions):
        yield f"conditions[{c}].references", cond.references
    for o, option in enumerate(pack.options):
        yield f"options[{o}].references", option.references
        for m, medicine in enumerate(option.medicine_details):
            yield f"options[{o}].medicines[{m}].references", medicine.references
    for path, _id, refs in item_paths(pack):
        yield f"{path}.references", refs
    for c, check in enumerate(pack.checklist):
        yield f"checklist[{c}].references", check.references
    for f, flag in enumerate(pack.red_flags):
        yield f"red_flags[{f}].references", flag.references
    for key, handout in pack.handouts():
        for s, section in enumerate(handout.sections):
            yield f"{key}.sections[{s}].references", section.references
        yield f"{key}.emergency_references", handout.emergency_references
        yield f"{key}.clinic_references", handout.clinic_references
        if handout.after_trial is not None:
            yield f"{key}.after_trial.references", handout.after_trial.references
    for m, measure in enumerate(pack.measures):
        yield f"measures[{m}].references", measure.references


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
    handout section for its heading and paragraphs, ``handout.after_trial`` for its texts,
    and ``handout.emergency_references`` / ``handout.clinic_references`` for the two lists of
    signs. Other texts (decision, comparison questions, handout title) have no reference list
    and are not checked here.
    """
    cites = {path.removesuffix(".references"): refs for path, refs in citing_paths(pack)}
    for key, handout in pack.handouts():
        cites[f"{key}.emergency"] = handout.emergency_references
        cites[f"{key}.clinic"] = handout.clinic_references
    for path, text in patient_texts(pack):
        figure = FIGURE.search(text)
        if figure is None:
            continue
        owner = next((m.group(0) for m in (p.match(path) for p in CITING_TABLES) if m), None)
        if owner is None or cites.get(owner):
            continue
        signs = owner.rsplit(".", 1)
        where, key = ((signs[0], signs[1] + "_references")
                      if signs[-1] in ("emergency", "clinic") and signs[0].endswith("handout")
                      else (owner, "references"))
        r.problem(path, f"contains a figure (\"{figure.group(0)}\") but {where} cites no "
                        f"reference; add {key} = [\"...\"] with the source of the figure, or "
                        "write the text without the number")


def check_whole_numbers(r: Reader, pack: Pack) -> None:
    """No rate with decimals in patient-facing text ("38.9 in 1,000", "2.3%").

    The frequencies themselves are whole numbers (checked when read); this catches the same
    figure written out in an item's text or uncertainty, or in the handout.
    """
    for path, text in patient_texts(pack):
        found = DECIMAL_RATE.search(text)
        if found:
            r.problem(path, f"contains a figure with decimals (\"{found.group(0)}\"); write "
                            f"whole numbers in {denominator_words(pack)}, or words such as "
                            "\"fewer than 1 in 100\"")


def denominator_words(pack: Pack) -> str:
    denominators = {i.frequency.denominator for i in pack.items() if i.frequency is not None}
    return f"{denominators.pop():,}" if len(denominators) == 1 else "the pack's denominator"


def check_emergency_routing(r: Reader, pack: Pack) -> None:
    """Danger signs go to emergency services first, never only when the clinic cannot be
    reached (REFERENCE.md, neuraxial opioids and breathing)."""
    for path, text in handout_texts(pack):
        if EMERGENCY_AFTER_CLINIC.search(text):
            r.problem(path, "makes emergency help wait for the clinic; danger signs belong in "
                            "emergency_signs, which tell the patient to call emergency "
                            "services now")


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
    for path, text in patient_texts(pack):
        for name in placeholders_in(text):
            if path not in handout:
                r.problem(path, f"placeholder {{{name}}} is only filled in the handout; write "
                                "the text out here")
            elif name not in PLACEHOLDERS:
                r.problem(path, f"unknown placeholder {{{name}}}; known: "
                                f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
