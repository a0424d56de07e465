"""The embedded Unicode fonts every PDF uses (DejaVu Sans, vendored in ``resources/fonts``).

Registration is idempotent and thread-safe: the first call registers the four faces with
reportlab, makes DejaVu Sans the canvas base font (so no non-embedded Helvetica is left in a
page's preamble) and freezes the set of characters all four faces can draw. Nothing is changed
afterwards, so rendering can run on any thread.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from consult_aid.resources import resource_path

FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"
_FACES = (REGULAR, BOLD, ITALIC, BOLD_ITALIC)


@dataclass(frozen=True, slots=True)
class Fonts:
    """The registered faces and the characters every face has a glyph for."""

    regular: str
    bold: str
    italic: str
    bold_italic: str
    drawable: frozenset[int]

    def can_draw(self, char: str) -> bool:
        return ord(char) in self.drawable


_lock = threading.Lock()
_fonts: Fonts | None = None

WIDTHS_KEPT = 32768
"""Text widths remembered across renders (the same words and lines come back every render)."""


class EmbeddedFont(TTFont):
    """reportlab's ``TTFont`` with two shortcuts that give the same results, faster.

    - :meth:`stringWidth` remembers the width of a text at a size (reportlab adds up the
      glyph widths each time; a summary asks about 4,000 times a render, mostly for text it
      asked before). A face's widths never change once it is loaded.
    - :meth:`splitString`, which turns text into the codes of the document's font subset,
      translates text whose characters all have a code already in one call
      (``str.translate``) instead of a Python loop per character; a text with a character
      new to the document goes through reportlab's own code, which assigns it.
    """

    def stringWidth(self, text: Any, size: float,  # noqa: N802 - reportlab's name
                    encoding: str = "utf8") -> float:
        if type(text) is str:
            return _width(self, text, size)
        return TTFont.stringWidth(self, text, size, encoding)

    def splitString(self, text: Any, doc: Any,  # noqa: N802 - reportlab's name
                    encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        written = _written.texts
        if written is not None:
            written.append((self, text))
        state = self.state.get(doc) if type(text) is str and text else None
        if state is not None:
            known = _subset0_codes(state)
            if known[1].issuperset(text):
                return [(0, text.translate(known[0]).encode("latin-1"))]
        return TTFont.splitString(self, text, doc, encoding)


class _Written(threading.local):
    texts: list[tuple[EmbeddedFont, Any]] | None = None


_written = _Written()


@contextmanager
def texts_written() -> Iterator[list[tuple[EmbeddedFont, Any]]]:
    """Collects, on this thread, each (font, text) turned into subset codes in the block."""
    outer = _written.texts
    texts: list[tuple[EmbeddedFont, Any]] = []
    _written.texts = texts
    try:
        yield texts
    finally:
        _written.texts = outer
        if outer is not None:
            outer.extend(texts)


@lru_cache(maxsize=WIDTHS_KEPT)
def _width(font: EmbeddedFont, text: str, size: float) -> float:
    return TTFont.stringWidth(font, text, size)


def _subset0_codes(state: Any) -> tuple[dict[int, str], set[str]]:
    """The characters that have a code in the document's first subset, and what
    ``TTFont.splitString`` writes for each (a no-break space is written as a space, as there),
    brought up to date when reportlab has assigned more (it only ever adds, in order)."""
    assignments: dict[int, int] = state.assignments
    known: tuple[dict[int, str], set[str], list[int]] | None = getattr(
        state, "_consult_aid_codes", None)
    if known is None:
        known = state._consult_aid_codes = ({}, set(), [0])
    table, chars, seen = known
    if seen[0] != len(assignments):
        for code, n in itertools.islice(assignments.items(), seen[0], None):
            if n < 256:
                table[code] = chr(n)
                chars.add(chr(code))
                if code == 32:  # reportlab writes a no-break space as a space
                    table[0xA0] = chr(n)
                    chars.add("\xa0")
        seen[0] = len(assignments)
    return table, chars


# Faces user and pack text is set in (plain and bold). The oblique faces, which lack e.g. the
# shaped Arabic letters, are used only for the program's own labels (Latin text).
_TEXT_FACES = (REGULAR, BOLD)


def register_fonts() -> Fonts:
    """Register the embedded fonts once (safe to call from any thread, any number of times)."""
    global _fonts  # set exactly once, under the lock, then only read
    if _fonts is not None:
        return _fonts
    with _lock:
        if _fonts is None:
            drawable: set[int] | None = None
            for face in _FACES:
                font = EmbeddedFont(face, str(resource_path("fonts", f"{face}.ttf")))
                if face not in pdfmetrics.getRegisteredFontNames():
                    pdfmetrics.registerFont(font)
                if face in _TEXT_FACES:
                    chars = set(font.face.charToGlyph)
                    drawable = chars if drawable is None else drawable & chars
            pdfmetrics.registerFontFamily(  # type: ignore[call-arg]  # stub predates baseFontFor
                FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC,
                baseFontFor="canvas")
            _fonts = Fonts(REGULAR, BOLD, ITALIC, BOLD_ITALIC, frozenset(drawable or ()))
    return _fonts
