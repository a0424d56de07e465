"""Parse JSON from outside the program, refusing before any deep work what no real file holds.

Python's ``json`` reads anything: a document nested 100,000 deep (RecursionError), an integer of
a million digits (seconds of CPU, or a ValueError past 4,300), ``NaN`` and ``Infinity`` (not
JSON at all), a key given twice (the last one silently wins), a lone surrogate from a
``"\\ud800"`` escape (text that cannot be written as UTF-8 again), and millions of values (a
gigabyte of Python objects). :func:`loads` refuses each with an :class:`InputError` (exit code
2) that says what and, where it can, where:

1. before parsing, a scan of the text without its strings (so brackets inside text do not
   count) bounds the nesting depth, the number of lists and objects, and the number of values;
   it runs at the speed of ``re`` and ``str.count`` and cannot recurse;
2. while parsing, hooks refuse long integers, non-finite or over-long numbers, ``NaN`` and
   ``Infinity``, and note objects with a key given twice;
3. after parsing, one iterative walk names the place of a duplicate key or a lone surrogate.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from consult_aid.errors import InputError

MAX_DEPTH = 32  # a consult's JSON form nests 8 deep (document, consult, signatures, strokes...)
MAX_CONTAINERS = 100_000  # lists and objects: a consult at every limit has about 30,000
# every value, containers included (about 110,000 at every limit), and every text and key
# (about 85,000 at every limit)
MAX_VALUES = 400_000
MAX_INTEGER_DIGITS = 20  # a consult's numbers are scores, minutes, months: a few digits
MAX_NUMBER_CHARS = 40  # a number written with more characters is not a measurement

# A JSON string: quote, runs of ordinary characters and escapes, quote. Possessive, and a
# string left open runs to the end of the text, so no input makes the scan worse than linear.
_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+(?:"|\\?\Z)')
_BRACKETS = re.compile(r"[\[\]{}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


class _Refused(Exception):  # noqa: N818 - an internal signal out of json's hooks
    pass


def loads(text: str, *, what: str = "JSON") -> Any:
    """The value the JSON ``text`` holds, or InputError (see the module text for what is
    refused). ``what`` names the document in messages ("not a consult: ...")."""
    scan(text, what=what)
    duplicates: dict[int, str] = {}
    try:
        document = json.loads(text, object_pairs_hook=_pairs_hook(duplicates),
                              parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None
    except _Refused as exc:
        raise InputError(f"{what}: {exc}") from None
    except RecursionError:  # not expected after the scan; never a traceback
        raise InputError(f"{what}: the JSON is nested far too deep") from None
    screen(document, duplicates)
    return document


def scan(text: str, *, what: str = "JSON") -> None:
    """Refuse text whose structure is too deep or too large, without parsing it."""
    texts = text.count('"') // 2  # keys and text values (escaped quotes make it more)
    if texts > MAX_VALUES:  # before the strings are blanked: that costs memory per string
        raise InputError(f"{what}: the JSON holds about {texts:,} texts and keys; at most "
                         f"{MAX_VALUES:,} are read")
    bare = _STRING.sub('""', text)
    containers = bare.count("[") + bare.count("{")
    if containers > MAX_CONTAINERS:
        raise InputError(f"{what}: the JSON holds {containers:,} lists and objects; at most "
                         f"{MAX_CONTAINERS:,} are read")
    values = containers + bare.count(",") + 1
    if values > MAX_VALUES:
        raise InputError(f"{what}: the JSON holds about {values:,} values; at most "
                         f"{MAX_VALUES:,} are read")
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(bare):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                raise InputError(f"{what}: the JSON is nested more than {MAX_DEPTH} levels "
                                 "deep")


def _pairs_hook(duplicates: dict[int, str]) -> Any:
    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    duplicates[id(obj)] = key
                    break
                seen.add(key)
        return obj
    return build


def _integer(text: str) -> int:
    digits = len(text) - (text[0] == "-")
    if digits > MAX_INTEGER_DIGITS:
        raise _Refused(f"a number in the JSON has {digits:,} digits; at most "
                       f"{MAX_INTEGER_DIGITS} are read")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number in the JSON is written with {len(text):,} characters; at "
                       f"most {MAX_NUMBER_CHARS} are read")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("a number in the JSON is too large to be a number (it overflows to "
                       "infinity)")
    return value


def _constant(text: str) -> Any:
    raise _Refused(f"{text} is not a number JSON allows (JSON has no NaN or Infinity)")


def screen(document: Any, duplicates: dict[int, str] | None = None) -> None:
    """Refuse a key given twice (``duplicates``: from the pairs hook, by object id) and text
    with a lone surrogate anywhere in ``document``, naming the place. Iterative: no recursion."""
    duplicates = duplicates or {}
    stack: list[tuple[Any, tuple[Any, ...] | None]] = [(document, None)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            _refuse_surrogate(node, where, "the text")
        elif isinstance(node, dict):
            if id(node) in duplicates:
                key = duplicates[id(node)]
                raise InputError(f"{path_text(where)}: the key {describe_key(key)} is given "
                                 "twice (which one would count?)")
            for key, value in node.items():
                _refuse_surrogate(key, where, "a key")
                stack.append((value, (where, key)))
        elif isinstance(node, list):
            stack.extend((value, (where, i)) for i, value in enumerate(node))


def _refuse_surrogate(text: str, where: tuple[Any, ...] | None, what: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise InputError(f"{path_text(where)}: {what} is not valid Unicode: it holds half a "
                         f"character (U+{ord(found.group()):04X}, a lone surrogate)")


def path_text(where: tuple[Any, ...] | None) -> str:
    """``consult.signatures[0].strokes`` from the linked (parent, key) pairs of :func:`screen`."""
    parts: list[str] = []
    while where is not None:
        where, part = where
        parts.append(f"[{part}]" if isinstance(part, int) else describe_key(part, quoted=False))
    text = ""
    for part in reversed(parts):
        text += part if part.startswith("[") else (f".{part}" if text else part)
    return text or "(top level)"


def describe_key(key: str, *, quoted: bool = True) -> str:
    """A key as a message may show it: plain keys as they are, others in quotes, escaped and
    cut short (a key can be a megabyte of anything)."""
    if _PLAIN_KEY.fullmatch(key):
        return f"'{key}'" if quoted else key
    shown = key[:40].encode("unicode_escape").decode("ascii").replace("'", "\\'")
    return f"'{shown}{'…' if len(key) > 40 else ''}'"
