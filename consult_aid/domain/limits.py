"""Limits on everything a consult holds, declared beside each field and checked in one walk.

Every text field, list and mapping of the domain's dataclasses declares its limit in the field's
metadata (``field(default="", metadata=line("patient's name", NAME))``): how long, which
characters, how many items, which range. One walk, :func:`limit_problems`, checks them

- on a consult object: what the window stores (``Consult.problems``, run on every save), and
- on a consult's JSON data *before* it becomes objects or meets the JSON Schema: what an import
  reads (``consult_aid.exchange.consult_json``), so 450,000 questions are refused by counting,
  not after minutes of work;

and ``consult_aid.exchange.typed_json`` writes the same figures into the JSON Schema. A test
checks that every text, list and mapping field of the consult has a limit.

Single-line fields (names, ids, numbers, the medical record number) refuse every control
character, line and paragraph separators, and the bidi override and isolate characters
(U+202A-U+202E, U+2066-U+2069), which can make a name read backwards in a list or a terminal.
Free text allows tab and line breaks (LF, CR, CRLF: text pasted from any system) and no other
control character. Lone surrogates (half a character) are refused everywhere: they cannot be
written as UTF-8.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from consult_aid.domain.validation import Problem, text_rules

# -- text lengths, in characters --------------------------------------------------------------
NAME = 200  # a person's or a clinic's name
SHORT = 100  # a relationship, a language, a registration or ID number
PHONE = 64
MRN = 64
EMAIL = 254  # RFC 5321
ADDRESS = 500
LINE = 500  # one line of free text: where the pain is, a treatment tried
PACK_ID = 100  # an id from a pack: its own, a benefit's or risk's, a checklist item's
VERSION = 32
HASH = 64  # a SHA-256 in hex
MEANING = 500  # the program's own sentence under a signature (about 200 characters)
WORDS = 2000  # the patient's own words: a teach-back, a goal, a question
NOTE = 4000  # a clinician's note: function, medicines, comorbidities, next steps
ADDENDUM = 20_000  # an addendum (as services.addenda.MAX_ADDENDUM_LENGTH)

# -- counts ------------------------------------------------------------------------------------
# The built-in packs have at most 56 benefits and risks, 9 checklist items and 13 red flags.
MAX_TREATMENTS = 50
MAX_QUESTIONS = 100
MAX_UNDERSTANDING = 500
MAX_CHECKLIST = 100
MAX_RED_FLAGS = 100
MAX_SIGNATURES = 5  # one per signer role
MAX_HANDOUTS = 100
MAX_ADDENDA = 100
# A drawn signature: the demo's have 190 points; a pen at 200 Hz gives 1,000 in five seconds.
MAX_STROKES = 500
MAX_POINTS = 5000  # in one signature, all strokes together (so also in one stroke)

# -- ids -----------------------------------------------------------------------------------------
# The program's own ids are uuid4 hex (32 characters); an id is also a folder name and a word
# on a command line, so nothing that could be read as a path or split a line.
ID = 64
ID_RULE = "1 to 64 letters, digits, hyphens or underscores, starting with a letter or digit"
CONSULT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
OPTIONAL_ID = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9_-]{0,63})?")

LIMIT = "consult_aid.limit"  # the metadata key


@dataclass(frozen=True, slots=True)
class Text:
    """A text field: at most ``max_chars``; one line or free text; an id syntax if any."""

    label: str  # "patient's name": "The patient's name is too long ..."
    max_chars: int
    single_line: bool
    pattern: re.Pattern[str] | None = None  # the whole text must match (re.fullmatch)
    rule: str = ""  # the pattern in words


@dataclass(frozen=True, slots=True)
class Items:
    """A list or mapping: at most ``max_items``; its keys and text items as ``key``/``value``;
    ``total`` = (attribute of each item that is a list, most items over all of them)."""

    label: str  # "questions": "Too many questions ..."
    max_items: int
    key: Text | None = None
    value: Text | None = None
    total: tuple[str, int, str] | None = None  # (attribute, limit, label)


@dataclass(frozen=True, slots=True)
class Span:
    """A number from ``low`` to ``high`` (finite)."""

    label: str
    low: float
    high: float


Limit = Text | Items | Span


def line(label: str, max_chars: int, *, pattern: re.Pattern[str] | None = None,
         rule: str = "") -> dict[str, Limit]:
    """Metadata of a single-line text field."""
    return {LIMIT: Text(label, max_chars, True, pattern, rule)}


def prose(label: str, max_chars: int) -> dict[str, Limit]:
    """Metadata of a free-text field (tabs and line breaks allowed)."""
    return {LIMIT: Text(label, max_chars, False)}


def items(label: str, max_items: int, *, key: Text | None = None, value: Text | None = None,
          total: tuple[str, int, str] | None = None) -> dict[str, Limit]:
    """Metadata of a list or mapping field."""
    return {LIMIT: Items(label, max_items, key, value, total)}


def span(label: str, low: float, high: float) -> dict[str, Limit]:
    """Metadata of a number field with a range."""
    return {LIMIT: Span(label, low, high)}


def pack_key(label: str) -> Text:
    """The keys of a mapping by pack id (checklist items, benefits and risks, red flags)."""
    return Text(label, PACK_ID, True)


def limit_of(f: dataclasses.Field[Any]) -> Limit | None:
    limit = f.metadata.get(LIMIT)
    return limit if isinstance(limit, Text | Items | Span) else None


# -- checking ------------------------------------------------------------------------------------
def text_problems(field: str, value: str, limit: Text) -> list[Problem]:
    """What is wrong with one text value (at most one problem: the first that applies)."""
    return text_rules(field, value, label=limit.label, max_length=limit.max_chars,
                      single_line=limit.single_line, pattern=limit.pattern, rule=limit.rule)


def limit_problems(cls: type, data: Any, prefix: str, *, first_only: bool = False,
                   skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Every declared limit that ``data`` breaks: ``data`` is an instance of the dataclass
    ``cls`` or its JSON data (a dict; values of the wrong type are left to the schema).

    ``prefix`` starts each field path ("" or "consult"); fields named in ``skip`` are not
    walked. In each list only the first item with a problem is reported, so a list of 50,000
    bad points gives one problem. With ``first_only`` the walk stops at the first problem.
    """
    walk = _walk(cls, data, prefix, skip)
    if first_only:
        first = next(walk, None)
        return [first] if first is not None else []
    return list(walk)


_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    kind: str  # "text" | "list" | "map" | "object" | "number" | "other"
    limit: Limit | None
    inner: type | None  # the dataclass of an object, or of a list's or mapping's items


@cache
def _plan(cls: type) -> tuple[_Plan, ...]:
    hints = typing.get_type_hints(cls)
    return tuple(_plan_field(f.name, hints[f.name], limit_of(f)) for f in dataclasses.fields(cls))


def _plan_field(name: str, hint: Any, limit: Limit | None) -> _Plan:
    hint = _without_none(hint)
    origin = typing.get_origin(hint)
    if hint is str:
        return _Plan(name, "text", limit, None)
    if origin in (list, tuple):
        return _Plan(name, "list", limit, _dataclass_or_none(typing.get_args(hint)[0]))
    if origin is dict:
        return _Plan(name, "map", limit, _dataclass_or_none(typing.get_args(hint)[1]))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _Plan(name, "object", limit, hint)
    if hint in (int, float):
        return _Plan(name, "number", limit, None)
    return _Plan(name, "other", limit, None)


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0] if len(args) == 1 else hint
    return hint


def _dataclass_or_none(hint: Any) -> type | None:
    hint = _without_none(hint)
    return hint if isinstance(hint, type) and dataclasses.is_dataclass(hint) else None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _get(data: Any, name: str) -> Any:
    if isinstance(data, dict):
        return data.get(name, _MISSING)
    return getattr(data, name, _MISSING)


def _walk(cls: type, data: Any, prefix: str, skip: frozenset[str] = frozenset()
          ) -> Iterator[Problem]:
    if not isinstance(data, dict | cls):
        return  # the wrong type: the schema or the typed reader says so
    for plan in _plan(cls):
        if plan.name in skip:
            continue
        value = _get(data, plan.name)
        if value is _MISSING or value is None:
            continue
        path = _join(prefix, plan.name)
        if plan.kind == "text" and isinstance(value, str) and isinstance(plan.limit, Text):
            yield from text_problems(path, value, plan.limit)
        elif plan.kind == "number" and isinstance(plan.limit, Span):
            yield from _span_problems(path, value, plan.limit)
        elif plan.kind == "object" and plan.inner is not None:
            yield from _walk(plan.inner, value, path)
        elif plan.kind == "list" and isinstance(value, list | tuple):
            yield from _list(path, value, plan)
        elif plan.kind == "map" and isinstance(value, dict):
            yield from _map(path, value, plan)


def _span_problems(path: str, value: Any, limit: Span) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if not (math.isfinite(value) and limit.low <= value <= limit.high):
        yield Problem(path, f"The {limit.label} must be from {limit.low:g} to {limit.high:g}.")


def _too_many(path: str, limit: Items, count: int) -> Problem:
    return Problem(path, f"Too many {limit.label} ({count:,}; the limit is {limit.max_items:,}).")


def _list(path: str, value: list[Any] | tuple[Any, ...], plan: _Plan) -> Iterator[Problem]:
    limit = plan.limit if isinstance(plan.limit, Items) else None
    if limit is not None and len(value) > limit.max_items:
        yield _too_many(path, limit, len(value))
        return
    if limit is not None and limit.total is not None:
        attribute, most, label = limit.total
        count = sum(len(inner) for item in value
                    if isinstance(inner := _get(item, attribute), list | tuple))
        if count > most:
            yield Problem(path, f"Too many {label} ({count:,}; the limit is {most:,}).")
            return
    spans = _number_spans(plan.inner) if plan.inner is not None else None
    # a list of plain numbers' records (a stroke's points): checked inline, and walked item
    # by item only to name the first one out of range
    if spans is not None and (_all_within(value, plan.inner, spans)
                              or all(_within(item, spans) for item in value)):
        return
    for i, item in enumerate(value):
        found = list(_item(f"{path}[{i}]", item, plan, limit))
        if found:
            yield from found
            return


@cache
def _number_spans(cls: type) -> tuple[tuple[str, float, float], ...] | None:
    """(field, low, high) of a dataclass whose fields are all numbers with a :class:`Span`;
    None for any other."""
    plans = _plan(cls)
    if not plans or not all(p.kind == "number" and isinstance(p.limit, Span) for p in plans):
        return None
    return tuple((p.name, p.limit.low, p.limit.high) for p in plans
                 if isinstance(p.limit, Span))


_NUMBER_TYPES = frozenset({int, float})


def _all_within(value: list[Any] | tuple[Any, ...], cls: type | None,
                spans: tuple[tuple[str, float, float], ...]) -> bool:
    """True when every item is a ``cls`` object whose numbers are all in range, proved column
    by column at C speed (a signature's thousands of points on every autosave, issue 16);
    False when that cannot be proved cheaply (dicts, a None, a NaN ...): :func:`_within` then
    looks at each item."""
    if cls is None or not value or set(map(type, value)) != {cls}:
        return False
    for name, low, high in spans:
        column = list(map(operator.attrgetter(name), value))
        if not set(map(type, column)) <= _NUMBER_TYPES or not math.isfinite(sum(column)):
            return False  # a None, a bool, a NaN or an infinity: item by item
        if min(column) < low or max(column) > high:
            return False
    return True


def _within(item: Any, spans: tuple[tuple[str, float, float], ...]) -> bool:
    for name, low, high in spans:
        value = _get(item, name)
        if value is _MISSING or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue  # the wrong type: the schema or the typed reader says so
        if not (math.isfinite(value) and low <= value <= high):
            return False
    return True


def _map(path: str, value: Mapping[Any, Any], plan: _Plan) -> Iterator[Problem]:
    limit = plan.limit if isinstance(plan.limit, Items) else None
    if limit is not None and len(value) > limit.max_items:
        yield _too_many(path, limit, len(value))
        return
    for key, item in value.items():
        if limit is not None and limit.key is not None and isinstance(key, str):
            bad_key = text_problems(path, key, limit.key)
            if bad_key:
                yield bad_key[0]
                return
        found = list(_item(f"{path}.{key}", item, plan, limit))
        if found:
            yield from found
            return


def _item(path: str, item: Any, plan: _Plan, limit: Items | None) -> Iterator[Problem]:
    if plan.inner is not None:
        yield from _walk(plan.inner, item, path)
    elif isinstance(item, str) and limit is not None and limit.value is not None:
        yield from text_problems(path, item, limit.value)
