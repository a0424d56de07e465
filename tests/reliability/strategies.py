"""Hypothesis strategies for hostile input: consult JSON documents derived from the demo consult
(fields mutated, retyped, resized, deleted, duplicated; unicode, control and bidi characters,
huge and non-finite numbers, deep nesting) and raw junk; procedure pack TOML derived from the
built-in packs, mutated in its tables or in its text.

Both serialisers here write what the standard ones cannot or will not: a key twice in one JSON
object, a number literal of any length, NaN, a lone surrogate, nesting of any depth.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import tomllib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from consult_aid.resources import resource_path


# -- values that say what they are when printed ---------------------------------------------------
@dataclass(frozen=True)
class Raw:
    """Text written into the document verbatim (a 5,000-digit number, deep nesting)."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """A JSON object written with exactly these (possibly repeated) keys."""

    items: tuple[tuple[str, Any], ...]


def to_json(value: Any, *, ascii_only: bool = True) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=ascii_only)}: "
                               f"{to_json(v, ascii_only=ascii_only)}"
                               for k, v in value.items) + "}"
    if isinstance(value, dict):
        return to_json(Pairs(tuple(value.items())), ascii_only=ascii_only)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_json(v, ascii_only=ascii_only) for v in value) + "]"
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=ascii_only)  # NaN and Infinity as Python writes them


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)  # a lone surrogate stays: encoded with surrogatepass, not UTF-8
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return _toml_string(str(key))


def to_toml_value(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{_toml_key(k)} = {to_toml_value(v)}"
                               for k, v in value.items) + "}"
    if isinstance(value, dict):
        return to_toml_value(Pairs(tuple(value.items())))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_toml_value(v) for v in value) + "]"
    if value is None:
        return '""'  # TOML has no null
    raise TypeError(type(value))


def to_toml(document: dict[str, Any] | Pairs) -> bytes:
    """One ``key = value`` line per top-level key (tables written inline)."""
    items = document.items if isinstance(document, Pairs) else tuple(document.items())
    text = "".join(f"{_toml_key(k)} = {to_toml_value(v)}\n" for k, v in items)
    return text.encode("utf-8", errors="surrogatepass")


# -- the sources ---------------------------------------------------------------------------------
@cache
def demo_text() -> str:
    return resource_path("demo", "demo-consult.json").read_text(encoding="utf-8")


def demo_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(demo_text())
    return document


@cache
def pack_files() -> tuple[Path, ...]:
    folder = resource_path("procedures")
    return tuple(sorted(folder.glob("*.toml")))


@cache
def _pack_document(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def pack_document(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_pack_document(path))


def paths(node: Any, prefix: tuple[Any, ...] = (), *, per_list: int = 3) -> list[tuple[Any, ...]]:
    """Every path to a value in ``node`` (only the first few elements of each list)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key), per_list=per_list)
    elif isinstance(node, list):
        for i, value in enumerate(node[:per_list]):
            found.append((*prefix, i))
            found += paths(value, (*prefix, i), per_list=per_list)
    return found


@cache
def demo_paths() -> tuple[tuple[tuple[Any, ...], ...], ...]:
    """The demo's paths grouped by section (patient, condition, understanding...), so that a
    section with many entries is not chosen more often than a small one."""
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for path in paths(demo_document()):
        section = str(path[1]) if path[0] == "consult" and len(path) > 1 else str(path[0])
        groups.setdefault(section, []).append(path)
    return tuple(tuple(group) for group in groups.values())


def demo_path() -> st.SearchStrategy[tuple[Any, ...]]:
    return st.sampled_from(demo_paths()).flatmap(st.sampled_from)


@cache
def demo_text_paths() -> tuple[tuple[Any, ...], ...]:
    """Paths to the demo's strings that are free text (not ids, dates, enums or hashes)."""
    document = demo_document()
    skip = {"id", "item_id", "status", "format", "created_at", "updated_at", "signed_at",
            "date_of_birth", "sex", "content_hash", "version", "pdf_sha256", "last_step",
            "decider", "level", "psych_evaluation", "choice", "option_id", "role",
            "diagnosis_id", "scope", "given_at", "pack_id", "follow_up", "meaning", "medicine"}
    found = []
    for path in paths(document):
        value = _get(document, path)
        if isinstance(value, str) and not any(str(p) in skip for p in path[-1:]) \
                and "signatures" not in path and "pack" not in path:
            found.append(path)
    return tuple(found)


@cache
def pack_paths(path: Path) -> tuple[tuple[Any, ...], ...]:
    return tuple(paths(_pack_document(path)))


def _value_at(node: Any, path: tuple[Any, ...]) -> Any:
    try:
        return _get(node, path)
    except (KeyError, IndexError, TypeError):
        return None


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


# -- hostile values ------------------------------------------------------------------------------
SPECIAL_TEXT = (
    "", " ", "\t\n", "\x00", "\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\u202eevil\u202c",
    "\u2066isolate", "\ufeff", "\u200b", "\ud800", "\udfff", "a\ud83d", "\U0001f600" * 50,
    "../../../../tmp/pwned", "/etc/passwd", "C:\\Windows\\system32", "abc\ndef", "abc\rdef",
    "%s%n%x", "{0}{1}", "<script>alert(1)</script>", "'; DROP TABLE consults; --",
    "<b>bold</b><font size=99>", "&amp;&#x202E;", "e\u0301" * 200, "ﷺ" * 100, "𒐫" * 300,
    "مرحبا بالعالم", "שלום עולם", "Łukasz Øster-Müller", "NaN", "Infinity", "null", "true",
    "2026-02-30", "0000-01-01", "9999-12-31T23:59:59+14:00", "2026-11-27T10:00:00",
    "yesterday", "1e308", "-0", "0x10",
)


# characters a terminal, a PDF or a UTF-8 encoder may trip over
AWKWARD = ("\ud800", "\udbff", "\udc00", "\udfff", "\x00", "\x1b", "\x7f", "\x85", "\x9b",
           "\u2028", "\u2029", "\u202e", "\u2066", "\u200f", "\ufeff", "\ufffe", "\uffff",
           "\U0010ffff", "\U0001f4a9", "\u0301", "\t", "\r", "\n", "\x0c")


def hostile_text(max_repeat: int) -> st.SearchStrategy[str]:
    any_char = st.characters(categories=None, exclude_categories=())  # surrogates too
    plain = st.text(max_size=30)
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT),
        plain,
        st.text(any_char, max_size=40),
        st.builds(lambda a, odd, b: a + odd + b, plain, st.sampled_from(AWKWARD), plain),
        st.builds(lambda s, n: s * n, st.text(any_char, min_size=1, max_size=12),
                  st.integers(1, max_repeat)),
    )


def huge_number() -> st.SearchStrategy[Raw]:
    return st.builds(lambda n, sign, frac: Raw(sign + "9" * n + frac),
                     st.integers(300, 6000), st.sampled_from(["", "-"]),
                     st.sampled_from(["", ".5", "e999", "e-999"]))


def deep_nesting() -> st.SearchStrategy[Raw]:
    return st.builds(lambda n, open_, close: Raw(open_ * n + close * n),
                     st.sampled_from([30, 200, 1000, 5000, 50_000]),
                     st.just("["), st.just("]")) | st.builds(
        lambda n: Raw('{"a": ' * n + "1" + "}" * n), st.sampled_from([30, 200, 1000, 20_000]))


def hostile_value(max_repeat: int = 2000) -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.none(), st.booleans(),
        st.integers(), st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**30]),
        st.floats(), st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324]),
        hostile_text(max_repeat), huge_number(),
    )
    return st.one_of(
        scalar,
        st.lists(scalar, max_size=5),
        st.dictionaries(hostile_text(5), scalar, max_size=4),
        deep_nesting(),
    )


# -- mutating a parsed document -----------------------------------------------------------------
MAX_LIST = 20_000
# "same" keeps the value's type (a string for a string...), so the document still passes the
# schema and the value reaches the code behind it; the others break the shape.
OPERATIONS = ("same", "same", "same", "same", "replace", "replace", "delete", "add_key",
              "duplicate_key", "grow", "retype")


def same_type(current: Any, max_repeat: int) -> st.SearchStrategy[Any]:
    """A hostile value of the type ``current`` has."""
    if isinstance(current, bool):
        return st.booleans()
    if isinstance(current, int):
        return st.one_of(st.integers(-(2**63), 2**63), st.sampled_from([0, -1, 10**30]),
                         huge_number())
    if isinstance(current, float):
        return st.one_of(st.floats(), st.sampled_from([math.nan, math.inf, 1e308]))
    if isinstance(current, str):
        return hostile_text(max_repeat)
    if isinstance(current, dt.date):
        return st.dates()
    if isinstance(current, list):
        return st.lists(hostile_text(20), max_size=3)
    return hostile_value(max_repeat)


def mutate(document: Any, path: tuple[Any, ...], operation: str, value: Any, times: int) -> None:
    """Apply one mutation in place (nothing happens when ``path`` no longer exists)."""
    try:
        parent = _get(document, path[:-1])
        key = path[-1]
        current = parent[key]
    except (KeyError, IndexError, TypeError):
        return
    if not isinstance(parent, dict | list):
        return  # an earlier mutation made the parent a string or a number
    if operation in ("replace", "same"):
        parent[key] = value
    elif operation == "delete":
        del parent[key]
    elif operation == "add_key":
        target = current if isinstance(current, dict) else parent
        if isinstance(target, dict):
            target[f"unknown_{times}"] = value
    elif operation == "duplicate_key" and isinstance(parent, dict):
        items = list(parent.items())
        at = [k for k, _ in items].index(key)
        items.insert(at + 1, (key, value))
        parent_path = path[:-1]
        if not parent_path:
            return  # the root object: its replacement is the caller's (see mutated_json)
        _get(document, parent_path[:-1])[parent_path[-1]] = Pairs(tuple(items))
    elif operation == "grow":
        if isinstance(current, list) and current:
            n = max(min(times, MAX_LIST), 1)  # long lists are the hostile corpus's job
            parent[key] = (current * (n // len(current) + 1))[:n]
        elif isinstance(current, str):
            parent[key] = ((current or "x") * (times // max(len(current), 1) + 1))[:times]
        elif isinstance(current, int | float) and not isinstance(current, bool):
            parent[key] = current * times
    elif operation == "retype":
        parent[key] = (str(current) if not isinstance(current, str)
                       else [current] if times % 2 else {"value": current})


@st.composite
def mutated_consult(draw: st.DrawFn, *, max_mutations: int = 4,
                    max_repeat: int = 200_000) -> tuple[str, str]:
    """(description, JSON text) of the demo consult with a fresh id and a few mutations."""
    document = demo_document()
    document["consult"]["id"] = uuid.uuid4().hex  # unique: a repeated id is refused early
    if draw(st.booleans()):
        document["consult"]["signatures"] = []  # keep most documents small
    done = []
    root_dup = None
    for n in range(draw(st.integers(1, max_mutations))):
        path = draw(demo_path())
        operation = draw(st.sampled_from(OPERATIONS))
        value = draw(same_type(_value_at(document, path), max_repeat) if operation == "same"
                     else hostile_value())
        times = draw(st.sampled_from([0, 1, 2, 10, 100, 1000, 20_000, max_repeat]))
        if operation == "duplicate_key" and len(path) == 1:
            root_dup = (path[0], value)
        else:
            mutate(document, path, operation, value, times)
        done.append(f"{operation} {'.'.join(map(str, path))} ({n})")
    out: Any = document
    if root_dup is not None:
        out = Pairs((*document.items(), root_dup))
    return "; ".join(done), to_json(out, ascii_only=draw(st.booleans()))


@st.composite
def junk_json(draw: st.DrawFn) -> tuple[str, str | bytes]:
    """Raw junk, JSON of any shape, and documents that only look like a consult."""
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4),
        max_leaves=30)
    kind = draw(st.sampled_from(["bytes", "text", "json", "shaped", "nesting", "number",
                                 "truncated", "bom"]))
    if kind == "bytes":
        return kind, draw(st.binary(max_size=3000))
    if kind == "text":
        return kind, draw(st.text(st.characters(categories=None, exclude_categories=()),
                                  max_size=500))
    if kind == "json":
        return kind, to_json(draw(json_values))
    if kind == "shaped":
        shaped = {"format": draw(st.sampled_from(["consult-aid/consult", "", "x"])),
                  "version": draw(st.sampled_from([1, 0, 2, "1", None, -1, 2**70])),
                  "consult": draw(json_values)}
        return kind, to_json(shaped)
    if kind == "nesting":
        return kind, draw(deep_nesting()).text
    if kind == "number":
        return kind, draw(huge_number()).text
    text = demo_text()
    if kind == "truncated":
        return kind, text[:draw(st.integers(0, len(text)))]
    return kind, "\ufeff" + text  # a byte-order mark before the demo


def import_inputs() -> st.SearchStrategy[tuple[str, str | bytes]]:
    """Mostly broken documents; a quarter well-formed ones with unusual text (render_inputs),
    so that storing, listing and exporting what was accepted is exercised too."""
    return st.one_of(mutated_consult(), mutated_consult(), render_inputs(), junk_json())


SCRIPTS = (
    "مرحبا، هذا نص عربي طويل إلى حد ما للتحقق من الاتجاه", "שלום, זה טקסט בעברית עם 123 מספרים",
    "患者は痛みについて説明しました。", "환자는 통증이 있습니다", "रोगी को दर्द है",
    "Ελληνικά κείμενα", "Кириллица и ещё", "ไทย ภาษา", "e\u0301e\u0301e\u0301 a\u0308",
    "\U0001f600\U0001f44d\U0001f3fd\u200d\U0001f9d1", "ﬁﬂ ß ẞ İ ı", "Zalgo z\u0335\u0336\u0337",
    "mixed English עברית and العربية in one line", "\u202eRTL override\u202c then plain",
    "<b>not markup</b> & <font color=red>", "wordwithoutanyspaces" * 40, "line\nbreaks\nhere",
    "tab\tseparated", "    leading and trailing spaces    ",
)


def render_text() -> st.SearchStrategy[str]:
    """Text a clinician or a patient could type, in any script (no control characters,
    mostly), sometimes long."""
    printable = st.characters(exclude_categories=("Cs", "Cc"))
    typed = st.text(printable, min_size=1, max_size=80)
    scripts = st.sampled_from(SCRIPTS)
    return st.one_of(
        typed, typed, typed, scripts, scripts, scripts,
        st.builds(lambda s, n: (s * n)[:3000], st.text(printable, min_size=1, max_size=12),
                  st.integers(1, 400)),
        hostile_text(50),
    )


def demo_draft_json(*, patient_words: str) -> str:
    """The demo draft with a fresh id and the first item's patient's words set."""
    document = demo_document()
    document["consult"]["id"] = uuid.uuid4().hex
    first = next(iter(document["consult"]["understanding"].values()))
    first["patient_words"] = patient_words
    return to_json(document, ascii_only=False)


@st.composite
def render_inputs(draw: st.DrawFn) -> tuple[str, str]:
    """The demo draft with its free text (and some numbers) changed but still well-typed, so
    most documents import and are rendered."""
    document = demo_document()
    document["consult"]["id"] = uuid.uuid4().hex  # unique: a repeated id is refused early
    if draw(st.booleans()):
        document["consult"]["signatures"] = []
    done = []
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(demo_text_paths()))
        value = draw(render_text())
        mutate(document, path, "replace", value, 0)
        done.append(".".join(map(str, path)))
    condition = document["consult"]["condition"]
    if draw(st.booleans()):
        condition["pain_duration_months"] = draw(st.integers(0, 1200))
        condition["opioid_mme_per_day"] = draw(st.floats(0, 10_000))
        done.append("numbers")
    if draw(st.booleans()):
        tried = condition["treatments_tried"]
        condition["treatments_tried"] = (tried * draw(st.integers(1, 12)))
        done.append("treatments")
    return "; ".join(done), to_json(document, ascii_only=draw(st.booleans()))


# -- packs ---------------------------------------------------------------------------------------
def _dotted(n: int) -> str:
    return ".".join(["a"] * n) + " = 1\n"


JUNK_LINES = ("[[options]]", "[handout]", "id = 5", "version = 2.0.0", "x = [", "= 1",
              '"unterminated', "[[]]", "a.b.c = 1", 'published = "soon"', "denominator = 0",
              "denominator = -1000", "key = \x00", "\ufeff", "[references]")


@st.composite
def pack_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    """A built-in pack file mutated in its tables or in its text, or junk."""
    path = draw(st.sampled_from(pack_files()))
    kind = draw(st.sampled_from(["tables", "tables", "text", "text", "junk"]))
    if kind == "tables":
        document = pack_document(path)
        done = []
        for n in range(draw(st.integers(1, 4))):
            where = draw(st.sampled_from(pack_paths(path)))
            operation = draw(st.sampled_from(OPERATIONS))
            value = draw((same_type(_value_at(document, where), 500) if operation == "same"
                          else hostile_value(500)).filter(lambda v: v is not None))
            times = draw(st.sampled_from([0, 1, 2, 10, 100, 1000]))
            if operation == "duplicate_key" and len(where) == 1:
                operation = "replace"  # a repeated top-level key is a text mutation below
            mutate(document, where, operation, value, times)
            done.append(f"{operation} {'.'.join(map(str, where))} ({n})")
        return f"{path.name} tables: " + "; ".join(done), to_toml(document)
    if kind == "text":
        lines = path.read_bytes().split(b"\n")
        done = []
        for _ in range(draw(st.integers(1, 5))):
            at = draw(st.integers(0, len(lines)))
            how = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "flip",
                                        "dotted"]))
            if how == "delete" and at < len(lines):
                del lines[at]
            elif how == "duplicate" and at < len(lines):
                lines.insert(at, lines[at])
            elif how == "insert":
                junk = draw(st.sampled_from(JUNK_LINES) | st.text(max_size=60))
                lines.insert(at, junk.encode("utf-8", errors="surrogatepass"))
            elif how == "truncate":
                lines = lines[:at]
            elif how == "flip" and at < len(lines) and lines[at]:
                i = draw(st.integers(0, len(lines[at]) - 1))
                line = bytearray(lines[at])
                line[i] = draw(st.integers(0, 255))
                lines[at] = bytes(line)
            elif how == "dotted":
                lines.insert(at, _dotted(draw(st.integers(2, 2000))).encode())
            done.append(f"{how} at line {at + 1}")
        return f"{path.name} text: " + "; ".join(done), b"\n".join(lines)
    junk = draw(st.binary(max_size=2000) | st.text(max_size=500).map(
        lambda t: t.encode("utf-8", errors="surrogatepass")))
    return "junk", junk
