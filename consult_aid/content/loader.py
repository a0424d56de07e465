"""Load one pack file (TOML) into a :class:`Pack`, or raise :class:`PackError` with every problem.

The file format is described in ``docs/content-packs.md``. Reading happens in two passes: this
module turns tables into dataclasses (types, required fields, ranges); :mod:`.checks` then
checks the pack as a whole (ids unique, references exist and are cited, answers complete...).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date
from pathlib import Path

from consult_aid.content.checks import check_pack
from consult_aid.content.errors import PackError, PackProblem
from consult_aid.content.fields import Reader, Table, join
from consult_aid.content.model import (
    ChecklistItem,
    ComparisonQuestion,
    Condition,
    Frequency,
    Handout,
    HandoutSection,
    Item,
    ItemKind,
    Option,
    Pack,
    RedFlag,
    Reference,
)

SOURCES = ("built-in", "clinic")
_NO_DATE = date.min  # stands in for a missing date; the pack is then rejected anyway
DENOMINATORS = (100, 1000, 10_000)
SEVERITIES = ("serious", "moderate", "minor")
VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

TOP_KEYS = ("id", "title", "version", "published", "next_review", "authors", "funding",
            "update_policy", "decision", "denominator", "conditions", "options", "comparison",
            "checklist", "red_flags", "handout", "references")
OPTION_KEYS = ("id", "name", "summary", "steps", "benefits", "risks", "living_with", "answers",
               "status_quo", "references")
CONDITION_KEYS = ("id", "name", "description", "references")
HANDOUT_KEYS = ("title", "sections", "warning_signs", "warning_references")
SECTION_KEYS = ("heading", "paragraphs", "references")
ITEM_KEYS = ("id", "title", "text", "frequency", "not_quantified", "uncertainty", "references",
             "teach_back", "severity")
FREQUENCY_KEYS = ("count", "denominator", "timeframe", "low", "high")


def load_pack(path: Path, source: str = "built-in") -> Pack:
    """Read, parse and validate one pack file; ``source`` is "built-in" or "clinic"."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise PackError(file, [PackProblem(file, "(file)",
                                           f"cannot be read: {exc.strerror or exc}")]) from exc
    data = parse(raw, file)
    reader = Reader(file)
    pack = build(reader, data, content_hash=hashlib.sha256(raw).hexdigest(), source=source)
    check_pack(reader, pack, data)
    if reader.problems:
        raise PackError(file, reader.problems)
    return pack


def parse(raw: bytes, file: str) -> Table:
    """TOML text to tables; a syntax error becomes a problem located by line and column."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = PackProblem(file, f"byte {exc.start}",
                              "the file is not UTF-8 text; save it as UTF-8")
        raise PackError(file, [problem]) from exc
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        key_path = f"line {where.group(1)}, column {where.group(2)}" if where else "(syntax)"
        text = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise PackError(file, [PackProblem(file, key_path, f"TOML syntax error: {text}")]) from exc


def build(r: Reader, data: Table, *, content_hash: str, source: str) -> Pack:
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
        r.problem("denominator", f"{denominator} is not allowed; use one of "
                                 f"{', '.join(f'{d:,}' for d in DENOMINATORS)}")
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
        conditions=tuple(read_condition(r, p, t) for p, t in r.tables(data, "conditions", "")),
        options=tuple(read_option(r, p, t, denominator)
                      for p, t in r.tables(data, "options", "")),
        comparison=tuple(read_question(r, p, t) for p, t in r.tables(data, "comparison", "")),
        checklist=tuple(read_checklist_item(r, p, t)
                        for p, t in r.tables(data, "checklist", "")),
        red_flags=tuple(read_red_flag(r, p, t) for p, t in r.tables(data, "red_flags", "")),
        handout=read_handout(r, data),
        references=tuple(read_reference(r, p, t) for p, t in r.tables(data, "references", "")),
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
    status_quo = t.get("status_quo", False)
    if not isinstance(status_quo, bool):
        r.problem(join(path, "status_quo"), "must be true or false")
        status_quo = False
    return Option(
        id=r.text(t, "id", path),
        name=r.text(t, "name", path),
        summary=r.text(t, "summary", path),
        steps=r.texts(t, "steps", path),
        benefits=tuple(read_item(r, p, i, ItemKind.BENEFIT, denominator)
                       for p, i in r.tables(t, "benefits", path)),
        risks=tuple(read_item(r, p, i, ItemKind.RISK, denominator)
                    for p, i in r.tables(t, "risks", path)),
        living_with=r.text(t, "living_with", path),
        answers=answers,
        status_quo=status_quo,
        references=r.texts(t, "references", path, required=False, allow_empty=True),
    )


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
    elif not reason:
        r.problem(join(path, "frequency"),
                  "missing; give a frequency, or say why there is none with not_quantified = "
                  "\"...\" (never guess a number)")
    references = r.texts(t, "references", path, required=False, allow_empty=True)
    if frequency_table is not None and not references:
        r.problem(join(path, "references"), "a quantified item must cite at least one reference")
    severity = r.text(t, "severity", path, required=False)
    if severity and kind is ItemKind.BENEFIT:
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
    )


def read_frequency(r: Reader, path: str, t: Table, pack_denominator: int) -> Frequency | None:
    r.known_keys(t, path, FREQUENCY_KEYS)
    count = r.number(t, "count", path)
    denominator = r.integer(t, "denominator", path, required=False, default=pack_denominator)
    timeframe = r.text(t, "timeframe", path)
    low = r.number(t, "low", path, required=False)
    high = r.number(t, "high", path, required=False)
    if denominator != pack_denominator:
        r.problem(join(path, "denominator"),
                  f"{denominator:,} differs from the pack's denominator {pack_denominator:,}; "
                  "use one denominator throughout a pack")
    if denominator <= 0:
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
    if ok and count is not None:
        if low is not None and low > count:
            r.problem(join(path, "low"), f"the low end {low:g} is above the count {count:g}")
        if high is not None and high < count:
            r.problem(join(path, "high"), f"the high end {high:g} is below the count {count:g}")
    if count is None:
        return None
    return Frequency(count=count, denominator=denominator, timeframe=timeframe, low=low,
                     high=high)


def read_checklist_item(r: Reader, path: str, t: Table) -> ChecklistItem:
    r.known_keys(t, path, ("id", "text", "references"))
    return ChecklistItem(id=r.text(t, "id", path), text=r.text(t, "text", path),
                         references=r.texts(t, "references", path))


def read_red_flag(r: Reader, path: str, t: Table) -> RedFlag:
    r.known_keys(t, path, ("id", "fact", "prompt", "references", "equals", "at_least"))
    equals = t.get("equals")
    at_least = r.number(t, "at_least", path, required=False)
    if (equals is None) == (at_least is None):
        r.problem(path, "give exactly one rule: equals = ... or at_least = ...")
    if equals is not None and not isinstance(equals, bool | int | float | str):
        r.problem(join(path, "equals"), "must be true/false, a number or text")
    return RedFlag(id=r.text(t, "id", path), fact=r.text(t, "fact", path),
                   prompt=r.text(t, "prompt", path),
                   references=r.texts(t, "references", path, required=False, allow_empty=True),
                   equals=equals, at_least=at_least)


def read_handout(r: Reader, data: Table) -> Handout:
    t = r.table(data, "handout", "") or {}
    r.known_keys(t, "handout", HANDOUT_KEYS)
    sections = []
    for path, s in r.tables(t, "sections", "handout"):
        r.known_keys(s, path, SECTION_KEYS)
        sections.append(HandoutSection(
            heading=r.text(s, "heading", path),
            paragraphs=r.texts(s, "paragraphs", path),
            references=r.texts(s, "references", path, required=False, allow_empty=True)))
    return Handout(title=r.text(t, "title", "handout") if t else "",
                   sections=tuple(sections),
                   warning_signs=r.texts(t, "warning_signs", "handout") if t else (),
                   warning_references=r.texts(t, "warning_references", "handout",
                                              required=False, allow_empty=True))


def read_reference(r: Reader, path: str, t: Table) -> Reference:
    r.known_keys(t, path, ("id", "citation", "year", "url"))
    year = r.integer(t, "year", path, required=False)
    if year and not 1900 <= year <= 2100:
        r.problem(join(path, "year"), f"{year} is not a plausible publication year")
    return Reference(id=r.text(t, "id", path), citation=r.text(t, "citation", path), year=year,
                     url=r.text(t, "url", path, required=False))
