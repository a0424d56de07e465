"""reportlab's ``Paragraph``, parsed and laid out once per process for the same text.

reportlab parses a paragraph's markup when it is made and breaks it into lines on every
``wrap``; a table wraps each cell several times for one page (to size its rows, to split across
pages, to draw), and most of a summary is the same every render (the pack's wording, the
program's labels): parsing and breaking lines were two thirds of rendering a summary.

A paragraph made from markup with one of the program's styles is looked up by what decides its
layout: ``(markup, style, bullet text)``, then the width it is wrapped to. The first paragraph
with that text parses it and breaks its lines as reportlab does, and keeps the result; later
ones (in this render or the next) take those parsed fragments and lines instead of computing
them again. This is safe because:

- the key is everything the parse and the line breaking read: the markup, the style object
  (by identity: the styles are made once and never changed, :func:`consult_aid.report.styles.
  styles`), the bullet text and the width; the fonts they name are registered once and never
  change (:mod:`consult_aid.report.fonts`);
- reportlab only reads the fragments and lines while it wraps and draws; the one step that
  changes them, splitting a paragraph across pages, is given its own fresh copy here
  (:meth:`Paragraph.split` parses and lays out again first);
- the cache holds at most :data:`CACHE_ENTRIES` texts (least recently used dropped first) and
  :data:`WIDTHS_PER_TEXT` widths each, in this process's memory only (the markup of patient text
  is in it, as it is in the PDF being made; nothing is written anywhere), and
  :func:`clear_cache` empties it.

Paragraphs made from fragments (the two halves of a split) are laid out as reportlab does, with
their lines kept for their last width.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import Paragraph as _ReportlabParagraph

from consult_aid.report.fonts import EmbeddedFont, texts_written

CACHE_ENTRIES = 2048
"""Texts kept: a summary has about 500 different ones, a handout about 100."""
WIDTHS_PER_TEXT = 4
"""Widths kept per text (A4 and Letter, a cell and a full line)."""
DRAWN_PER_TEXT = 3
"""Drawn codes kept per text and width: a document whose font subsets gave some character
another code (a name with "é" before the first "✓") needs its own."""

# What reportlab's wrap (and breakLines) leave on a paragraph: kept per width, handed back.
_WRAP_STATE = ("blPara", "_wrapWidths", "height", "frags", "_width_max",
               "_splitLongWordCount", "_hyphenations")


_Key = tuple[str, ParagraphStyle, str | None]
# per font: its name in the document and the subset code of each character drawn in it
_Needs = tuple[tuple[EmbeddedFont, str, frozenset[tuple[int, int]]], ...]


class _Entry:
    """One text's parse (what reportlab's ``_setup`` leaves) and its layouts by width."""

    __slots__ = ("bullet", "drawn", "frags", "key", "layouts", "style", "text")

    def __init__(self, key: _Key, text: str, style: ParagraphStyle, frags: Any,
                 bullet: Any) -> None:
        self.key = key  # the markup, style and bullet text it was made from
        self.text, self.style, self.frags, self.bullet = text, style, frags, bullet
        self.layouts: dict[float, tuple[Any, ...]] = {}
        # what drawing it wrote, by width and the canvas's text state when it began, with the
        # font subset codes that code relies on (see Paragraph.drawPara)
        self.drawn: dict[tuple[Any, ...], tuple[tuple[tuple[str, ...], _Needs], ...]] = {}


_lock = threading.Lock()
_cache: OrderedDict[_Key, _Entry] = OrderedDict()


def clear_cache() -> None:
    """Forget every parsed and laid-out text (e.g. in tests, or to free the memory)."""
    with _lock:
        _cache.clear()


def cache_size() -> int:
    """How many texts the cache holds now."""
    return len(_cache)


def _key(text: object, style: object, bullet: object, frags: object, case_sensitive: object,
         encoding: object) -> _Key | None:
    """The cache key of a paragraph, or None when it is not one the cache serves."""
    if (frags is not None or type(text) is not str or not isinstance(style, ParagraphStyle)
            or case_sensitive != 1 or encoding != "utf8"
            or style.wordWrap in ("RTL", "LTR", "CJK")):  # reportlab reorders those lines
        return None
    bullet = bullet or getattr(style, "bulletText", None)
    if bullet is not None and type(bullet) is not str:
        return None
    return text, style, bullet


class Paragraph(_ReportlabParagraph):
    _entry: _Entry | None = None  # the cached text this paragraph was made from
    _shared = False  # this paragraph's fragments and lines are the cache's (read only)
    _laid_out: tuple[float, tuple[Any, ...]] | None = None  # not cached: its last layout
    blPara: Any  # noqa: N815 - reportlab's lines, set by wrap

    def __init__(self, text: Any, style: Any = None, bulletText: Any = None,  # noqa: N803
                 frags: Any = None, caseSensitive: int = 1,  # noqa: N803
                 encoding: str = "utf8") -> None:
        key = _key(text, style, bulletText, frags, caseSensitive, encoding)
        if key is None:
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            return
        with _lock:
            entry = _cache.get(key)
            if entry is not None:
                _cache.move_to_end(key)
        if entry is not None:
            self.caseSensitive, self.encoding, self.debug = caseSensitive, encoding, 0
            self.text, self.style, self.bulletText = entry.text, entry.style, entry.bullet
            self.frags = entry.frags
            self._entry, self._shared = entry, True
            return
        super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
        entry = _Entry(key, self.text, self.style, self.frags, self.bulletText)
        with _lock:
            _cache[key] = entry
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
        self._entry, self._shared = entry, True

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        entry = self._entry
        if entry is None:  # made from fragments: keep the lines of its last width
            laid_out = self._laid_out
            if laid_out is not None and laid_out[0] == availWidth:
                self.width = availWidth
                self._restore(laid_out[1])
                return self.width, self.height
            width, height = super().wrap(availWidth, availHeight)
            if getattr(self, "blPara", None) is not None and width == availWidth:
                self._laid_out = (availWidth, self._state())
            return width, height
        state = entry.layouts.get(availWidth) if self._shared else None
        if state is not None:
            self.width = availWidth
            self._restore(state)
            return self.width, self.height
        if self._shared:
            # reportlab only reads the parsed fragments while it breaks lines (the split, which
            # changes them, gets its own copy): lay out from them, keep the result
            self.frags = entry.frags
        width, height = super().wrap(availWidth, availHeight)
        if (self._shared and getattr(self, "blPara", None) is not None
                and width == availWidth):
            with _lock:
                if len(entry.layouts) < WIDTHS_PER_TEXT:
                    entry.layouts[availWidth] = self._state()
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Any]:  # noqa: N803
        entry = self._entry
        if entry is not None and self._shared:
            # splitting changes the lines' fragments in place: this paragraph parses its text
            # and breaks its lines again, on its own copies, and leaves the cache's alone
            # (at the width it was last wrapped to: reportlab splits the lines it has)
            wrapped = "blPara" in self.__dict__
            self._shared = False
            self._entry = None
            for name in _WRAP_STATE:
                self.__dict__.pop(name, None)
            text, style, bullet = entry.key
            _ReportlabParagraph.__init__(self, text, style, bullet, None, self.caseSensitive,
                                         self.encoding)
            if wrapped:
                super().wrap(self.width, availHeight)
        return super().split(availWidth, availHeight)

    def drawPara(self, debug: int = 0) -> None:  # noqa: N802 - reportlab's name
        """Draw as reportlab does; a paragraph drawn before with the same lines, on a canvas in
        the same text state, writes the same page code again without working it out.

        The code reportlab writes for a paragraph depends on its lines, the canvas's current
        font and leading, and, for each character, the code the document's font subset gave it
        and the subset's name in the document (both given in order of first use). The code is
        reused only when this document gives every character drawn the same code and every
        font the same name; otherwise (and for a paragraph with links, underlines, images or
        backgrounds, which add more than page code) it is drawn afresh.
        """
        entry = self._entry
        if entry is None or not self._shared or debug:
            super().drawPara(debug)
            return
        canvas: Any = self.canv  # reportlab's page code and text state (private, unstubbed)
        found = self._drawn_before(canvas)
        if found is not None:
            canvas._code.extend(found)
            return
        page = canvas._code
        start = len(page)
        with texts_written() as written:
            super().drawPara(debug)
        key = self._drawn_key(canvas)
        drawn = entry.drawn.get(key, ())
        if (len(drawn) < DRAWN_PER_TEXT and (drawn or len(entry.drawn) < WIDTHS_PER_TEXT)
                and _plain(self)):
            needs = _needs(written, canvas._doc)
            if needs is not None:
                with _lock:
                    entry.drawn[key] = (*entry.drawn.get(key, ()), (tuple(page[start:]), needs))

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        """reportlab's drawOn (save the state, move to x, y, draw, restore), written directly
        for a paragraph drawn before (see :meth:`drawPara`): its code changes no state."""
        found = (self._drawn_before(canvas)
                 if self._entry is not None and self._shared and not self.debug
                 and not getattr(self, "_showBoundary", False) else None)
        flowable: Any = super()  # reportlab's own (its stubs lack _sW and _hAlignAdjust)
        if found is None:
            flowable.drawOn(canvas, x, y, _sW)
            return
        x = flowable._hAlignAdjust(x, _sW)
        code = canvas._code
        code.append("q")  # canvas.saveState()
        code.append(f"{fp_str(1, 0, 0, 1, x, y)} cm")  # canvas.translate(x, y) after a "q"
        code.extend(found)
        code.append("Q")  # canvas.restoreState()

    def _drawn_key(self, canvas: Any) -> tuple[Any, ...]:
        return (self.width, canvas._fontname, canvas._fontsize, canvas._leading,
                canvas.bottomup, self.bulletText)

    def _drawn_before(self, canvas: Any) -> tuple[str, ...] | None:
        """The code drawn before for this paragraph that is right for ``canvas``'s document."""
        entry = self._entry
        assert entry is not None
        for code, needs in entry.drawn.get(self._drawn_key(canvas), ()):
            if _same_codes(needs, canvas._doc):
                return code
        return None

    def _state(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name, None) for name in _WRAP_STATE)

    def _restore(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(_WRAP_STATE, state, strict=True):
            setattr(self, name, value)


def _same_codes(needs: _Needs, doc: Any) -> bool:
    """True when ``doc`` names each font and codes each character as ``needs`` says."""
    for font, name, codes in needs:
        state: Any = font.state.get(doc)
        if state is None or state.internalName != name or not codes <= state.assignments.items():
            return False
    return True


def _needs(written: list[tuple[EmbeddedFont, Any]], doc: Any) -> _Needs | None:
    """The fonts and codes the text just written relies on (None: not only our fonts).

    A character the font has no glyph for is written as code 0 in every document (and never
    given a code of its own), so it needs nothing."""
    chars: dict[EmbeddedFont, set[int]] = {}
    for font, text in written:
        if type(text) is not str:
            return None
        chars.setdefault(font, set()).update(0x20 if c == 0xA0 else c for c in map(ord, text))
    needs = []
    for font, used in chars.items():
        state: Any = font.state.get(doc)
        if state is None or state.internalName is None:
            return None
        assignments = state.assignments
        glyphs = font.face.charToGlyph
        if any(c not in assignments for c in used if c in glyphs):
            return None
        needs.append((font, state.internalName,
                      frozenset((c, assignments[c]) for c in used if c in glyphs)))
    return tuple(needs)


def _plain(paragraph: Paragraph) -> bool:
    """Only text in our embedded fonts: no link, underline, strike, background, image or
    callback, which write more than the page's code (annotations, images)."""
    para = paragraph.blPara
    words = ([para] if para.kind == 0 else [w for line in para.lines for w in line.words])
    fonts = {paragraph.style.bulletFontName} if paragraph.bulletText else set()
    for word in words:
        if (getattr(word, "link", None) or getattr(word, "us_lines", None)
                or getattr(word, "backColor", None) or hasattr(word, "cbDefn")):
            return False
        fonts.add(word.fontName)
    style = paragraph.style
    if style.backColor or style.borderWidth or getattr(style, "endDots", None):
        return False
    return all(isinstance(getFont(name), EmbeddedFont) for name in fonts)


__all__ = ["CACHE_ENTRIES", "Paragraph", "cache_size", "clear_cache"]
