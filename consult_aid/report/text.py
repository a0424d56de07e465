"""The one way user text reaches a PDF: :func:`literal`.

reportlab's ``Paragraph`` reads its input as markup: an unclosed ``<b>`` aborts the whole PDF,
``<img src=...>`` embeds a local file, ``<a href=...>`` adds a live link, newlines collapse.
Everything typed by a person (names, the patient's own words, notes) and everything read from a
pack file goes through :func:`literal`, which returns markup that shows the text exactly as typed.

Right-to-left text (Hebrew, Arabic) is put into visual order here, because reportlab lays out
left to right only: Arabic letters are shaped (arabic-reshaper) and each line is reordered with
the Unicode bidi algorithm (python-bidi). Reordering a paragraph and then letting reportlab wrap
it would put its lines in the wrong order, so such a line is first wrapped here, in logical
order, into short lines of at most :data:`RTL_LINE_CHARS` characters, each reordered alone.

Characters the embedded fonts cannot draw (in both faces user text is set in, plain and bold;
CJK, for example) are never dropped or shown as a silent box: each run of
them is printed as a marked placeholder naming the code points, and :data:`UNPRINTABLE_NOTE`
explains it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache

import arabic_reshaper
from bidi.algorithm import get_display  # the implementation that mirrors brackets (L4)

from consult_aid.report.fonts import register_fonts

UNPRINTABLE_COLOUR = "#9a3b00"
UNPRINTABLE_NOTE = (
    "Text marked [not printable: U+…] uses a script this PDF's font cannot print; the code "
    "points are shown instead, and the full text is kept in the consult record."
)
_MAX_CODES_SHOWN = 6
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_LINE_BREAKS = {"\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"}
_FIRST_RTL = "\u0590"  # no right-to-left letters below the Hebrew block
# Shapes Arabic letters but keeps the vowel marks (harakat) the default reshaper deletes: what
# was typed is what is printed, a mark the font cannot draw becomes a placeholder instead.
_RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


_ESCAPE_TABLE = str.maketrans(_ESCAPES)
# Results are memoised (a summary shows the same pack text every time it is rendered); the
# functions are pure once the fonts are registered, and lru_cache is thread-safe.
_MEMO_SIZE = 8192


def literal(text: object) -> str:
    """Paragraph markup that shows ``text`` literally: escaped, line breaks kept.

    ``None`` becomes "". Control characters are removed, tabs become spaces, the text is
    NFC-normalised (so a decomposed "é" uses the font's precomposed glyph).
    """
    if text is None:
        return ""
    return _literal(str(text))


@lru_cache(maxsize=_MEMO_SIZE)
def _literal(text: str) -> str:
    out: list[str] = []
    for kind, chunk in _chunks(clean(text)):
        if kind == "text":
            out.append(chunk.translate(_ESCAPE_TABLE))
        elif kind == "break":
            out.append("<br/>")
        else:
            out.append(_placeholder(chunk))
    return "".join(out)


@cache
def _kept_as_is() -> frozenset[str]:
    """The characters :func:`clean` keeps unchanged: "\\n", and those drawable that are neither
    a control, surrogate, private-use or unassigned character, nor another line break or a tab."""
    return frozenset({"\n", *(
        c for c in map(chr, register_fonts().drawable)
        if c not in _LINE_BREAKS and c != "\t"
        and unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn"))})


@cache
def _left_to_right() -> frozenset[str]:
    """The characters :func:`printable` accepts that are not right-to-left letters."""
    return frozenset(c for c in map(chr, register_fonts().drawable)
                     if not (c >= _FIRST_RTL and unicodedata.bidirectional(c) in ("R", "AL")))


def clean(text: str) -> str:
    """``text`` normalised to NFC with control characters removed and line breaks unified."""
    fonts = register_fonts()
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if _kept_as_is().issuperset(text):  # the usual case: nothing to remove or replace
        return text
    kept: list[str] = []
    for char in text:
        if char in _LINE_BREAKS:
            kept.append("\n")
        elif char == "\t":
            kept.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            continue
        elif fonts.can_draw(char):
            kept.append(char)
        elif unicodedata.category(char) == "Zs":
            kept.append(" ")  # an exotic space the font lacks: an ordinary space
        elif unicodedata.category(char) != "Cf":
            kept.append(char)  # zero-width format characters the font lacks draw nothing anyway
    return "".join(kept)


@lru_cache(maxsize=_MEMO_SIZE)
def has_unprintable(text: str) -> bool:
    """True when :func:`literal` would show part of ``text`` as a placeholder."""
    return any(kind == "unprintable" for kind, _ in _chunks(clean(text)))


def printable(char: str, drawable: frozenset[int] | None = None) -> bool:
    if char == "\n":
        return True
    if drawable is None:
        drawable = register_fonts().drawable
    if char >= _FIRST_RTL and unicodedata.bidirectional(char) in ("R", "AL"):
        return False
    return ord(char) in drawable


RTL_LINE_CHARS = 40
"""Right-to-left text is wrapped at this many characters: narrow enough for every column of
the summary at body size, so reportlab never wraps (and so misorders) a reordered line."""


def _has_rtl(line: str) -> bool:
    return any(c >= _FIRST_RTL and unicodedata.bidirectional(c) in ("R", "AL") for c in line)


def _visual_lines(line: str, drawable: frozenset[int]) -> list[str] | None:
    """``line`` with right-to-left text as visual-order lines, or None to keep it as it is.

    None when the line has no right-to-left letter, or when the font cannot draw a character
    even after shaping (then the placeholders apply).
    """
    if not _has_rtl(line):
        return None
    rows: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > RTL_LINE_CHARS:  # a very long word: split it
            if current:
                rows.append(current)
                current = ""
            rows.append(word[:RTL_LINE_CHARS])
            word = word[RTL_LINE_CHARS:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) > RTL_LINE_CHARS and current:
            rows.append(current)
            current = word
        else:
            current = candidate
    if current:
        rows.append(current)
    visual = [get_display(_RESHAPER.reshape(row)) for row in rows]
    if not all(ord(c) in drawable for row in visual for c in row if c != " "):
        return None
    return visual


def _chunks(text: str) -> Iterator[tuple[str, str]]:
    """Split into ("text" | "break" | "unprintable", chunk) runs, line by line.

    A line with right-to-left text comes out in visual order (see the module's docstring).
    """
    drawable = register_fonts().drawable
    left_to_right = _left_to_right()
    for number, line in enumerate(text.split("\n")):
        if number:
            yield "break", "\n"
        if left_to_right.issuperset(line):  # the usual case: all printable, no RTL letter
            if line:
                yield "text", line
            continue
        visual = _visual_lines(line, drawable)
        if visual is None:
            yield from _line_chunks(line, drawable)
            continue
        for index, row in enumerate(visual):
            if index:
                yield "break", "\n"
            yield "text", row


def _line_chunks(text: str, drawable: frozenset[int]) -> Iterator[tuple[str, str]]:
    """Split one line into ("text" | "unprintable", chunk) runs.

    Spaces between two unprintable characters stay inside the unprintable run, so a Chinese
    or Arabic name becomes one placeholder, not one per word.
    """
    kind = ""
    run: list[str] = []
    pending_space: list[str] = []
    for char in text:
        if char == " " and kind == "unprintable":
            pending_space.append(char)
            continue
        else:
            char_kind = "text" if printable(char, drawable) else "unprintable"
        if char_kind == "unprintable" and kind == "unprintable":
            run.extend(pending_space)
            pending_space.clear()
        if char_kind != kind:
            if run:
                yield kind, "".join(run)
            if pending_space:
                yield "text", "".join(pending_space)
                pending_space.clear()
            kind, run = char_kind, []
        run.append(char)
    if run:
        yield kind, "".join(run)
    if pending_space:
        yield "text", "".join(pending_space)


def _placeholder(run: str) -> str:
    codes = [f"U+{ord(c):04X}" for c in run if c != " "]
    shown = " ".join(codes[:_MAX_CODES_SHOWN])
    if len(codes) > _MAX_CODES_SHOWN:
        shown += f" … {len(codes)} characters"
    return f'<font color="{UNPRINTABLE_COLOUR}">[not printable: {shown}]</font>'
