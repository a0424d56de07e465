"""Parse a pack or library file (TOML) from outside the program, bounded before ``tomllib``.

Python's ``tomllib`` is quadratic in the number of parts of one dotted key: a 200 KB file of
``a.a.a.… = 1`` takes 23 GB and minutes. It recurses once per level of nested arrays and inline
tables (a RecursionError at a few hundred), and an integer of more than 4,300 digits is a
ValueError. So before ``tomllib`` sees the text, a scan of it without its strings and comments
refuses

- a line longer than :data:`MAX_LINE_CHARS` (the built-in packs' longest is 598),
- a key of more than :data:`MAX_KEY_DOTS` dots (the built-in packs use at most 3),
- arrays and inline tables nested more than :data:`MAX_DEPTH` deep (the built-in packs: 2);

and after it, a walk of the values refuses an integer beyond :data:`MAX_NUMBER` and a float
that is not finite (``inf``, ``nan``), which no pack needs and which would break the checks
that format or round them. Every refusal is a :class:`PackError` naming the file and the line
or key; the file's size is bounded by whoever read it (``input_files.MAX_PACK_BYTES``).
"""

from __future__ import annotations

import math
import re
import tomllib
from typing import Any

from consult_aid.content.errors import PackError, PackProblem

MAX_LINE_CHARS = 10_000
MAX_KEY_DOTS = 8
MAX_DEPTH = 16
MAX_NUMBER = 1_000_000_000

# Strings and comments, each matched whole where it starts (the leftmost wins, as in TOML):
# multi-line basic strings (with escapes; up to two quotes before the closing three are text),
# multi-line literal strings, basic strings with escapes, literal strings, comments. Every
# quantifier is possessive and a string left open runs to the end of its line (or of the
# text), so no input makes the scan slower than linear; and a string ends exactly where tomllib
# ends it, so no key can hide from the scan inside what only looks like a string.
_STRING_OR_COMMENT = re.compile(
    r'"""(?:[^"\\]++|\\[\s\S]|"(?!""))*+(?:"{3,5}|\\?\Z)'
    r"|'''(?:[^']++|'(?!''))*+(?:'{3,5}|\Z)"
    r'|"(?:[^"\\\n]++|\\.)*+(?:"|(?=\\?(?:\n|\Z)))'
    r"|'[^'\n]*+(?:'|(?=\n|\Z))"
    r"|#[^\n]*+")
_KEY_PART = r"[A-Za-z0-9_-]++"
# A dotted key of more than MAX_KEY_DOTS dots (a quoted part is one placeholder character once
# the strings are blanked), matched only from the start of a part: linear, like the above.
_LONG_KEY = re.compile(
    rf"(?<![A-Za-z0-9_-]){_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{MAX_KEY_DOTS + 1},}}")
_BRACKETS = re.compile(r"[\[\]{}]")


def loads(text: str, file: str) -> dict[str, Any]:
    """The tables of the TOML ``text`` (from ``file``), or PackError with the one problem."""
    scan(text, file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        key_path = f"line {where.group(1)}, column {where.group(2)}" if where else "(syntax)"
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise _refused(file, key_path, f"TOML syntax error: {detail}") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise _refused(file, "(file)", "a number is far too long to be one a pack needs") \
            from None
    except (RecursionError, MemoryError):  # not expected after the scan; never a traceback
        raise _refused(file, "(file)", "the file is nested too deep or too large to "
                                       "read") from None
    check_numbers(data, file)
    return data


def scan(text: str, file: str) -> None:
    """Refuse what would make ``tomllib`` slow, memory-hungry or recurse (see module text)."""
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise _refused(file, f"line {number}", f"the line is {len(line):,} characters "
                                                   f"long; at most {MAX_LINE_CHARS:,} are read")
    code = _STRING_OR_COMMENT.sub(_blank, text)
    long_key = _LONG_KEY.search(code)
    if long_key is not None:
        parts = long_key.group().count(".") + 1
        raise _refused(file, f"line {_line_of(code, long_key.start())}",
                       f"a key of {parts:,} parts joined by dots; at most {MAX_KEY_DOTS + 1} "
                       "parts are read")
    depth = 0
    for bracket in _BRACKETS.finditer(code):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise _refused(file, f"line {_line_of(code, bracket.start())}",
                           f"arrays or inline tables nested more than {MAX_DEPTH} deep")


def check_numbers(data: Any, file: str) -> None:
    """Refuse integers beyond MAX_NUMBER and floats that are not finite, naming the key.
    Iterative: the depth of ``data`` is bounded by the scan, but a walk needs no recursion."""
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(value))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and abs(value) > MAX_NUMBER:
            raise _refused(file, path[:200] or "(file)",
                           f"the number is larger than a pack needs (at most {MAX_NUMBER:,})")
        elif isinstance(value, float) and not math.isfinite(value):
            raise _refused(file, path[:200] or "(file)",
                           "must be a finite number (not inf or nan)")


def _blank(match: re.Match[str]) -> str:
    """A string or comment reduced to one placeholder character, its line breaks kept (so
    positions still give line numbers, and a quoted key part still counts as one part)."""
    text = match.group()
    return ("" if text.startswith("#") else "s") + "\n" * text.count("\n")


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _refused(file: str, where: str, message: str) -> PackError:
    return PackError(file, [PackProblem(file, where, message)])
