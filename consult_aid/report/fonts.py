"""The embedded Unicode fonts every PDF uses (DejaVu Sans, vendored in ``resources/fonts``).

Registration is idempotent and thread-safe: the first call registers the four faces with
reportlab, makes DejaVu Sans the canvas base font (so no non-embedded Helvetica is left in a
page's preamble) and freezes the set of characters all four faces can draw. Nothing is changed
afterwards, so rendering can run on any thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

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
                font = TTFont(face, str(resource_path("fonts", f"{face}.ttf")))
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
