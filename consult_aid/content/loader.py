"""Load one pack file (TOML) into a :class:`Pack`, or raise :class:`PackError` with every problem.

The file format is described in ``docs/content-packs.md``. Reading happens in two passes: this
module turns tables into dataclasses (types, required fields, ranges); :mod:`.checks` then
checks the pack as a whole (ids unique, references exist and are cited, answers complete...).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from consult_aid.content import safe_toml
from consult_aid.content.checks import check_pack
from consult_aid.content.errors import PackError, PackProblem
from consult_aid.content.fields import Reader, Table, join
from consult_aid.content.library import Library, LibrarySession, builtin_library
from consult_aid.content.model import (
    AFTER_TRIAL_HEADING,
    DENOMINATORS,
    UNITS,
    AfterTrial,
    ChecklistItem,
    ComparisonQuestion,
    Condition,
    Frequency,
    Handout,
    HandoutSection,
    Item,
    ItemKind,
    Measure,
    Medicine,
    Option,
    Pack,
    RedFlag,
    Reference,
)
from consult_aid.domain import limits as lim
from consult_aid.domain.consult import MEASURE_ID
from consult_aid.domain.limits import Text, text_problems
from consult_aid.input_files import MAX_PACK_BYTES, InputFileError, read_input

SOURCES = ("built-in", "clinic")
_NO_DATE = date.min  # stands in for a missing date; the pack is then rejected anyway
SEVERITIES = ("serious", "moderate", "minor")
VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

TOP_KEYS = ("id", "title", "version", "published", "next_review", "authors", "funding",
            "update_policy", "decision", "denominator", "conditions", "options", "comparison",
            "checklist", "red_flags", "handout", "references", "measures", "pain_scores",
            "carer_handout")
MEASURE_KEYS = ("id", "label", "choices", "required", "hint", "references")
PAIN_SCORES = ("required", "optional")
OPTION_KEYS = ("id", "name", "summary", "steps", "benefits", "expect", "risks", "living_with",
               "answers", "status_quo", "references", "medicines", "has_trial")
CONDITION_KEYS = ("id", "name", "description", "references")
HANDOUT_KEYS = ("title", "sections", "emergency_signs", "emergency_references", "clinic_signs",
                "clinic_references", "after_trial")
OLD_HANDOUT_KEYS = ("warning_signs", "warning_references")  # before version 1.1.0 of the format
AFTER_TRIAL_KEYS = ("heading", "who", "how_long", "watch", "references")
SECTION_KEYS = ("heading", "paragraphs", "references", "applies_to")
ITEM_KEYS = ("id", "title", "text", "frequency", "not_quantified", "uncertainty", "references",
             "teach_back", "severity", "applies_to", "medicines", "key")
FREQUENCY_KEYS = ("count", "denominator", "timeframe", "group", "low", "high", "rest", "unit")
MEDICINE_KEYS = ("name", "status", "references")


def load_pack(path: Path, source: str = "built-in", library: Library | None = None) -> Pack:
    """Read, parse and validate one pack file; ``source`` is "built-in" or "clinic".

    Options and conditions written as ``use = "stimulator"`` come from the shared
    ``library`` (the built-in one by default), so every pack describing the stimulator
    describes the same one. The content hash covers the pack file and each library file it
    uses, so a change to either is a change to the pack.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    file = str(path)
    raw = read_pack_file(Path(path))
    data = parse(raw, file)
    reader = Reader(file)
    used = (library or builtin_library()).session()
    pack = build(reader, data, content_hash="", source=source, library=used)
    digest = hashlib.sha256(raw)
    for name, body in used.files():
        digest.update(b"\0" + name.encode() + b"\0" + body)
    pack = replace(pack, content_hash=digest.hexdigest())
    check_pack(reader, pack, data)
    check_recorded_values(reader, pack)
    check_applies(reader, pack, used.condition_ids())
    problems = [*reader.problems, *used.problems()]
    if problems:
        raise PackError(file, problems)
    return pack


def read_pack_file(path: Path) -> bytes:
    """The bytes of a pack or library file: a regular file of at most MAX_PACK_BYTES (a named
    pipe or a device in ``packs/`` is refused at once, never waited on); else PackError."""
    try:
        return read_input(path, max_bytes=MAX_PACK_BYTES, what="pack file")
    except InputFileError as exc:
        raise PackError(str(path), [PackProblem(str(path), "(file)", exc.reason)]) from None


def parse(raw: bytes, file: str) -> Table:
    """TOML text to tables, bounded (:mod:`.safe_toml`); a syntax error becomes a problem
    located by line and column."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = PackProblem(file, f"byte {exc.start}",
                              "the file is not UTF-8 text; save it as UTF-8")
        raise PackError(file, [problem]) from exc
    return safe_toml.loads(text, file)


def build(r: Reader, data: Table, *, content_hash: str, source: str,
          library: LibrarySession | None = None) -> Pack:
    r.known_keys(data, "", TOP_KEYS)
    pack_id = r.text(data, "id", "")
    if pack_id and not ID.match(pack_id):
        r.problem("id", f"'{pack_id}' must be lower-case letters, digits and hyphens")
    version = read_version(r, data)
    published = r.day(data, "published", "")
    next_review = r.day(data, "next_review", "")
    if published and next_review and next_review <= published:
        r.problem("next_review", f"{next_review} must be after the publication date {published}")
    denominator = r.integer(data, "denominator", "", default=100)
    if denominator not in DENOMINATORS:
        r.problem("denominator", f"{denominator:,} is not allowed; use "
                                 f"{' or '.join(f'{d:,}' for d in DENOMINATORS)} (1,000 when "
                                 "a risk is under 1 in 100)")
    used = library if library is not None else builtin_library().session()
    conditions = tuple(
        used.condition(r, p, t, read_condition) if "use" in t else read_condition(r, p, t)
        for p, t in r.tables(data, "conditions", ""))
    options = tuple(used.option(r, p, t, denominator, read_option) if "use" in t
                    else read_option(r, p, t, denominator)
                    for p, t in r.tables(data, "options", ""))
    references = tuple(read_reference(r, p, t) for p, t in r.tables(data, "references", ""))
    return Pack(
        id=pack_id,
        title=r.text(data, "title", ""),
        version=version,
        published=published or _NO_DATE,
        next_review=next_review or _NO_DATE,
        authors=r.texts(data, "authors", ""),
        funding=r.text(data, "funding", ""),
        update_policy=r.text(data, "update_policy", ""),
        decision=r.text(data, "decision", ""),
        conditions=conditions,
        options=options,
        comparison=tuple(read_question(r, p, t) for p, t in r.tables(data, "comparison", "")),
        checklist=tuple(read_checklist_item(r, p, t)
                        for p, t in r.tables(data, "checklist", "")),
        red_flags=tuple(read_red_flag(r, p, t) for p, t in r.tables(data, "red_flags", "")),
        handout=read_handout(r, data),
        carer_handout=read_handout(r, data, "carer_handout") if "carer_handout" in data else None,
        measures=tuple(read_measure(r, p, t)
                       for p, t in r.tables(data, "measures", "", required=False)),
        pain_scores_required=read_pain_scores(r, data),
        references=used.merged_references(r, references),
        content_hash=content_hash,
        source=source,
    )


def read_version(r: Reader, data: Table) -> str:
    value = data.get("version")
    if isinstance(value, int | float) and not isinstance(value, bool):
        r.problem("version", f"write the version in quotes, like \"{value}\"")
        return str(value)
    version = r.text(data, "version", "")
    if version and not VERSION.match(version):
        r.problem("version", f"'{version}' is not a version number like \"1.2.0\"")
    return version


def version_key(version: str) -> tuple[int, ...]:
    """Order versions numerically: 1.10.0 comes after 1.9.2."""
    return tuple(int(part) for part in version.split(".")) if VERSION.match(version) else ()


def read_condition(r: Reader, path: str, t: Table) -> Condition:
    r.known_keys(t, path, CONDITION_KEYS)
    return Condition(id=r.text(t, "id", path), name=r.text(t, "name", path),
                     description=r.text(t, "description", path),
                     references=r.texts(t, "references", path, required=False,
                                        allow_empty=True))


def read_question(r: Reader, path: str, t: Table) -> ComparisonQuestion:
    r.known_keys(t, path, ("id", "question"))
    return ComparisonQuestion(id=r.text(t, "id", path), question=r.text(t, "question", path))


def read_option(r: Reader, path: str, t: Table, denominator: int) -> Option:
    r.known_keys(t, path, OPTION_KEYS)
    answers_table = r.table(t, "answers", path) or {}
    answers: dict[str, str] = {}
    for key in answers_table:
        text = r.text(answers_table, key, join(path, "answers"))
        answers[key] = text
    status_quo = read_flag(r, t, "status_quo", path)
    has_trial = read_flag(r, t, "has_trial", path)
    if status_quo and has_trial:
        r.problem(join(path, "has_trial"), "the keep-current-care option has no trial")
    details = read_medicines(r, t, path)
    medicines = tuple(m.name for m in details)
    seen: set[str] = set()
    for n, medicine in enumerate(medicines):
        if medicine.casefold() in seen:
            r.problem(join(path, f"medicines[{n}]"), f"'{medicine}' is listed twice")
        seen.add(medicine.casefold())
    return Option(
        id=r.text(t, "id", path),
        name=r.text(t, "name", path),
        summary=r.text(t, "summary", path),
        steps=r.texts(t, "steps", path),
        benefits=tuple(read_item(r, p, i, ItemKind.BENEFIT, denominator)
                       for p, i in r.tables(t, "benefits", path)),
        risks=tuple(read_item(r, p, i, ItemKind.RISK, denominator)
                    for p, i in r.tables(t, "risks", path)),
        expect=tuple(read_item(r, p, i, ItemKind.EXPECT, denominator)
                     for p, i in r.tables(t, "expect", path, required=False)),
        living_with=r.text(t, "living_with", path),
        answers=answers,
        status_quo=status_quo,
        references=r.texts(t, "references", path, required=False, allow_empty=True),
        medicines=medicines,
        has_trial=has_trial,
        medicine_details=details,
    )


def read_medicines(r: Reader, t: Table, path: str) -> tuple[Medicine, ...]:
    """``medicines = ["Morphine", ...]`` (names only) or ``[[medicines]]`` tables with each
    medicine's regulatory ``status`` and the ``references`` that state it."""
    value = t.get("medicines")
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, dict) for v in value) and value:
        out = []
        for p, m in r.tables(t, "medicines", path):
            r.known_keys(m, p, MEDICINE_KEYS)
            status = r.text(m, "status", p)
            refs = r.texts(m, "references", p, required=False, allow_empty=True)
            if status and not refs:
                r.problem(join(p, "references"), "cite the source of the regulatory status")
            out.append(Medicine(r.text(m, "name", p), status, refs))
        return tuple(out)
    return tuple(Medicine(name) for name in r.texts(t, "medicines", path, required=False,
                                                     allow_empty=True))


def read_flag(r: Reader, t: Table, key: str, path: str) -> bool:
    """An optional true/false key (false when absent)."""
    value = t.get(key, False)
    if not isinstance(value, bool):
        r.problem(join(path, key), "must be true or false")
        return False
    return value


def read_item(r: Reader, path: str, t: Table, kind: ItemKind, denominator: int) -> Item:
    r.known_keys(t, path, ITEM_KEYS)
    frequency_table = r.table(t, "frequency", path, required=False)
    reason = r.text(t, "not_quantified", path, required=False)
    frequency = None
    if frequency_table is not None:
        frequency = read_frequency(r, join(path, "frequency"), frequency_table, denominator)
        if reason:
            r.problem(join(path, "not_quantified"),
                      "give either a frequency or a not_quantified reason, not both")
    elif not reason and kind is not ItemKind.EXPECT:  # what to expect may be a plain fact
        r.problem(join(path, "frequency"),
                  "missing; give a frequency, or say why there is none with not_quantified = "
                  "\"...\" (never guess a number)")
    references = r.texts(t, "references", path, required=False, allow_empty=True)
    if frequency_table is not None and not references:
        r.problem(join(path, "references"), "a quantified item must cite at least one reference")
    severity = r.text(t, "severity", path, required=False)
    key = read_flag(r, t, "key", path)
    if key and frequency_table is None:
        r.problem(join(path, "key"), "only an item with a frequency can be a key figure")
    if frequency is not None and frequency.rest and kind is not ItemKind.EXPECT:
        r.problem(join(join(path, "frequency"), "rest"),
                  "only a what-to-expect item ([[expect]]) frames its figure both ways")
    if severity and kind is not ItemKind.RISK:
        r.problem(join(path, "severity"), "only risks have a severity")
    elif severity and severity not in SEVERITIES:
        r.problem(join(path, "severity"),
                  f"'{severity}' is not one of: {', '.join(SEVERITIES)}")
    return Item(
        id=r.text(t, "id", path),
        kind=kind,
        title=r.text(t, "title", path),
        text=r.text(t, "text", path),
        frequency=frequency,
        uncertainty=r.text(t, "uncertainty", path),
        references=references,
        teach_back=r.text(t, "teach_back", path),
        not_quantified_reason=reason,
        severity=severity,
        applies_to=r.texts(t, "applies_to", path, required=False),
        medicines=r.texts(t, "medicines", path, required=False),
        key=key,
    )


def read_frequency(r: Reader, path: str, t: Table, pack_denominator: int) -> Frequency | None:
    """``count`` in ``denominator`` ``group`` ``timeframe``, whole numbers only.

    Trevena et al. 2013 (REFERENCE.md, "Risk communication"): whole numbers in the one
    denominator of the pack; a risk under 1 in 100 goes in a pack of 1,000; a range is
    "between X and Y"; the people the figure comes from are named (``group``).
    """
    r.known_keys(t, path, FREQUENCY_KEYS)
    count = r.number(t, "count", path)
    denominator = r.integer(t, "denominator", path, required=False, default=pack_denominator)
    timeframe = r.text(t, "timeframe", path)
    group = r.text(t, "group", path)
    low = r.number(t, "low", path, required=False)
    high = r.number(t, "high", path, required=False)
    rest = r.text(t, "rest", path, required=False)
    unit = r.text(t, "unit", path, required=False) or "people"
    if unit not in UNITS:
        r.problem(join(path, "unit"), f"'{unit}' is not one of: {', '.join(UNITS)}")
    if denominator != pack_denominator:
        r.problem(join(path, "denominator"),
                  f"{denominator:,} differs from the pack's denominator {pack_denominator:,}; "
                  "use one denominator throughout a pack")
    if denominator not in DENOMINATORS:
        return None
    ok = True
    for key, value in (("count", count), ("low", low), ("high", high)):
        if value is None:
            continue
        if value < 0:
            r.problem(join(path, key), f"{value:g} is below 0")
            ok = False
        elif value > denominator:
            r.problem(join(path, key), f"{value:g} in {denominator:,} is over 100%; "
                                       f"the count cannot be more than the denominator")
            ok = False
        elif not value.is_integer():
            r.problem(join(path, key), _not_whole(value, denominator))
            ok = False
    if ok and count is not None and count < 1:
        r.problem(join(path, "count"),
                  f"{count:g} in {denominator:,}: a figure must be at least 1 in "
                  f"{denominator:,}; "
                  + ("put a risk under 1 in 100 in a pack with denominator = 1000"
                     if denominator == 100 else
                     "say it in words instead (\"fewer than 1 in 1,000\") in the text or "
                     "uncertainty, with not_quantified giving the reason"))
        ok = False
    if ok and count is not None:
        if low is not None and low > count:
            r.problem(join(path, "low"), f"the low end {low:g} is above the count {count:g}")
        if high is not None and high < count:
            r.problem(join(path, "high"), f"the high end {high:g} is below the count {count:g}")
    if (low is None) != (high is None):
        r.problem(join(path, "high" if high is None else "low"),
                  "give both ends of the range (low and high), or neither")
        ok = False
    if count is None or not ok:
        return None
    return Frequency(count=count, denominator=denominator, timeframe=timeframe, group=group,
                     low=low, high=high, rest=rest, unit=unit)


def _not_whole(value: float, denominator: int) -> str:
    """Why ``value`` is refused, with the whole number it rounds to."""
    message = (f"{value:g} is not a whole number; write whole numbers in {denominator:,} "
               f"(here {math.floor(value + 0.5)}) and give the source's exact figure in the "
               "uncertainty text")
    if denominator == 100:
        message += ", or use denominator = 1000 for the whole pack"
    return message


def read_checklist_item(r: Reader, path: str, t: Table) -> ChecklistItem:
    r.known_keys(t, path, ("id", "text", "references"))
    return ChecklistItem(id=r.text(t, "id", path), text=r.text(t, "text", path),
                         references=r.texts(t, "references", path))


def read_red_flag(r: Reader, path: str, t: Table) -> RedFlag:
    r.known_keys(t, path, ("id", "fact", "prompt", "references", "equals", "at_least",
                           "applies_to"))
    equals = t.get("equals")
    at_least = r.number(t, "at_least", path, required=False)
    if (equals is None) == (at_least is None):
        r.problem(path, "give exactly one rule: equals = ... or at_least = ...")
    if equals is not None and not isinstance(equals, bool | int | float | str):
        r.problem(join(path, "equals"), "must be true/false, a number or text")
    return RedFlag(id=r.text(t, "id", path), fact=r.text(t, "fact", path),
                   prompt=r.text(t, "prompt", path),
                   references=r.texts(t, "references", path, required=False, allow_empty=True),
                   equals=equals, at_least=at_least,
                   applies_to=r.texts(t, "applies_to", path, required=False))


def read_measure(r: Reader, path: str, t: Table) -> Measure:
    r.known_keys(t, path, MEASURE_KEYS)
    choices = r.texts(t, "choices", path, required=False)
    if len(set(choices)) != len(choices):
        r.problem(join(path, "choices"), "a choice is listed twice")
    return Measure(id=r.text(t, "id", path), label=r.text(t, "label", path), choices=choices,
                   required=read_flag(r, t, "required", path),
                   hint=r.text(t, "hint", path, required=False),
                   references=r.texts(t, "references", path, required=False, allow_empty=True))


def read_pain_scores(r: Reader, data: Table) -> bool:
    """``pain_scores = "optional"`` for a pack whose consult is not about pain."""
    value = r.text(data, "pain_scores", "", required=False) or "required"
    if value not in PAIN_SCORES:
        r.problem("pain_scores", f"'{value}' is not one of: {', '.join(PAIN_SCORES)}")
    return value != "optional"


def read_handout(r: Reader, data: Table, key: str = "handout") -> Handout:
    """``[handout]`` (the patient's sheet) or ``[carer_handout]`` (the carers'), same keys."""
    t = r.table(data, key, "") or {}
    r.known_keys(t, key, (*HANDOUT_KEYS, *OLD_HANDOUT_KEYS))
    for old in OLD_HANDOUT_KEYS:
        if old in t:
            new = old.replace("warning", "emergency") + " and " + old.replace("warning", "clinic")
            r.problem(join(key, old),
                      f"replaced by {new}: emergency_signs are the danger signs that send the "
                      "patient to emergency services now, clinic_signs the ones to call the "
                      "clinic about today (see docs/content-packs.md)")
    sections = []
    for path, s in r.tables(t, "sections", key):
        r.known_keys(s, path, SECTION_KEYS)
        sections.append(HandoutSection(
            heading=r.text(s, "heading", path),
            paragraphs=r.texts(s, "paragraphs", path),
            references=r.texts(s, "references", path, required=False, allow_empty=True),
            applies_to=r.texts(s, "applies_to", path, required=False)))
    if not t:
        return Handout(title="", sections=(), emergency_signs=(), clinic_signs=())
    return Handout(
        title=r.text(t, "title", key),
        sections=tuple(sections),
        emergency_signs=r.texts(t, "emergency_signs", key),
        clinic_signs=r.texts(t, "clinic_signs", key),
        emergency_references=r.texts(t, "emergency_references", key, required=False,
                                     allow_empty=True),
        clinic_references=r.texts(t, "clinic_references", key, required=False,
                                  allow_empty=True),
        after_trial=read_after_trial(r, t, key))


def read_after_trial(r: Reader, handout: Table, key: str = "handout") -> AfterTrial | None:
    """``[handout.after_trial]``: who stays with the patient, how long, what they watch for."""
    path = f"{key}.after_trial"
    t = r.table(handout, "after_trial", key, required=False)
    if t is None:
        return None
    r.known_keys(t, path, AFTER_TRIAL_KEYS)
    return AfterTrial(who=r.text(t, "who", path), how_long=r.text(t, "how_long", path),
                      watch=r.texts(t, "watch", path),
                      references=r.texts(t, "references", path, required=False,
                                         allow_empty=True),
                      heading=r.text(t, "heading", path, required=False) or AFTER_TRIAL_HEADING)


def read_reference(r: Reader, path: str, t: Table) -> Reference:
    r.known_keys(t, path, ("id", "citation", "year", "url"))
    year = r.integer(t, "year", path, required=False)
    if year and not 1900 <= year <= 2100:
        r.problem(join(path, "year"), f"{year} is not a plausible publication year")
    return Reference(id=r.text(t, "id", path), citation=r.text(t, "citation", path), year=year,
                     url=r.text(t, "url", path, required=False))


def check_recorded_values(r: Reader, pack: Pack) -> None:
    """What a consult records from the pack fits the consult's own limits
    (:mod:`consult_aid.domain.limits`): its id and version, the ids of conditions, options,
    benefits and risks, checklist items, red flags and measures, medicine names and handout
    titles. Else a consult on this pack could never be saved (the window) or imported."""
    def fits(path: str, value: str, limit: Text) -> None:
        for problem in text_problems(path, value, limit):
            r.problem(path, problem.message)

    fits("id", pack.id, Text("pack id", lim.PACK_ID, True))
    fits("version", pack.version, Text("version", lim.VERSION, True))
    ids = [(f"conditions[{i}].id", c.id) for i, c in enumerate(pack.conditions)]
    ids += [(f"checklist[{i}].id", c.id) for i, c in enumerate(pack.checklist)]
    ids += [(f"red_flags[{i}].id", f.id) for i, f in enumerate(pack.red_flags)]
    for o, option in enumerate(pack.options):
        ids.append((f"options[{o}].id", option.id))
        for group, items in (("benefits", option.benefits), ("expect", option.expect),
                             ("risks", option.risks)):
            ids += [(f"options[{o}].{group}[{i}].id", item.id) for i, item in enumerate(items)]
        for m, medicine in enumerate(option.medicines):
            fits(f"options[{o}].medicines[{m}]", medicine, Text("medicine's name", 200, True))
    for path, ident in ids:
        fits(path, ident, Text("id", lim.PACK_ID, True))
    for m, measure in enumerate(pack.measures):
        fits(f"measures[{m}].id", measure.id,
             Text("measure's id", 40, True, MEASURE_ID, "lower-case letters, digits and "
                                                       "hyphens, starting with one of the two"))
    for key, handout in pack.handouts():
        fits(f"{key}.title", handout.title, Text("handout's title", 300, True))


def check_applies(r: Reader, pack: Pack, library_conditions: frozenset[str]) -> None:
    """``applies_to`` names known conditions; ``medicines`` on an item names one of its
    option's medicines (else the item could never be shown, or shown to the wrong patient)."""
    known = library_conditions | {c.id for c in pack.conditions}
    others = [(f"red_flags[{f}]", flag.applies_to) for f, flag in enumerate(pack.red_flags)]
    others += [(f"{key}.sections[{s}]", section.applies_to)
               for key, handout in pack.handouts()
               for s, section in enumerate(handout.sections)]
    for path, applies_to in others:
        for n, cid in enumerate(applies_to):
            if cid not in known:
                r.problem(f"{path}.applies_to[{n}]",
                          f"unknown condition '{cid}'; known: {', '.join(sorted(known))}")
    for o, option in enumerate(pack.options):
        names = {m.casefold() for m in option.medicines}
        groups = (("benefits", option.benefits), ("expect", option.expect),
                  ("risks", option.risks))
        for group, items in groups:
            for i, item in enumerate(items):
                path = f"options[{o}].{group}[{i}]"
                for n, cid in enumerate(item.applies_to):
                    if cid not in known:
                        r.problem(f"{path}.applies_to[{n}]",
                                  f"unknown condition '{cid}'; known: {', '.join(sorted(known))}")
                for n, name in enumerate(item.medicines):
                    if name.casefold() not in names:
                        r.problem(f"{path}.medicines[{n}]",
                                  f"'{name}' is not one of option '{option.id}''s medicines")
