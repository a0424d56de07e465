"""Page layout shared by every PDF: paper size, running header, "page X of Y", metadata."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Table
from reportlab.platypus.doctemplate import LayoutError

from consult_aid.errors import KnownError
from consult_aid.report.fonts import register_fonts
from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import ACCENT, MUTED, RULE, WATERMARK, styles, table_style


class Paper(StrEnum):
    A4 = "a4"
    LETTER = "letter"

    @property
    def size(self) -> tuple[float, float]:
        return A4 if self is Paper.A4 else LETTER

    @classmethod
    def parse(cls, value: str | Paper) -> Paper:
        """'A4', 'a4', 'letter', 'US Letter', 'us-letter' -> Paper."""
        key = str(value).strip().lower().replace("-", " ").removeprefix("us ").strip()
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"paper must be 'a4' or 'letter', not {value!r}") from None


SIDE_MARGIN = 18 * mm
TOP_MARGIN = 12 * mm
BOTTOM_MARGIN = 16 * mm
HEADER_GAP = 6 * mm
PRODUCER = "Consult Aid"

log = logging.getLogger(__name__)

# Compressed streams as binary, not ASCII85 text on top of the compression (reportlab's
# default): a quarter smaller, and encoding them took a tenth of rendering a summary.
rl_config.useA85 = 0


@dataclass(frozen=True, slots=True)
class RunningHeader:
    """What every page repeats at the top; both sides are Paragraph markup (already escaped).

    ``footer_left`` is plain program text (drawn as is), never user input.
    """

    left: str
    right: str
    footer_left: str = ""
    watermark: str = ""  # program text drawn across every page ("DRAFT — NOT SIGNED")


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str
    author: str
    subject: str
    keywords: tuple[str, ...] = ()
    lang: str = "en"


def build_pdf(story: Sequence[Flowable], *, paper: Paper, header: RunningHeader,
              metadata: Metadata) -> bytes:
    """Lay ``story`` out on ``paper`` with the running header on every page; return the PDF."""
    fonts = register_fonts()
    width, height = paper.size
    header_table = _header_table(header, width - 2 * SIDE_MARGIN)
    _, header_height = header_table.wrap(width - 2 * SIDE_MARGIN, height)
    top = TOP_MARGIN + header_height + HEADER_GAP
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(width, height), leftMargin=SIDE_MARGIN, rightMargin=SIDE_MARGIN,
        topMargin=top, bottomMargin=BOTTOM_MARGIN + 6 * mm,
        title=metadata.title, author=metadata.author, subject=metadata.subject,
        keywords=list(metadata.keywords), creator=PRODUCER, producer=PRODUCER,
        lang=metadata.lang, initialFontName=fonts.regular, displayDocTitle=1, pageCompression=1,
    )

    # Every page begins in the same state and the header is the same on every page: the code
    # drawn for it on the first page is written again on the others (its characters all have
    # their font codes in this document by then).
    drawn: list[tuple[tuple[object, ...], list[str]]] = []

    def draw_header(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        code: list[str] = canvas._code  # type: ignore[attr-defined]  # reportlab's page code
        state = (canvas._fontname, canvas._fontsize, canvas._leading,  # type: ignore[attr-defined]
                 canvas._fillColorObj, canvas._strokeColorObj, canvas._lineWidth,  # type: ignore[attr-defined]
                 canvas._currentMatrix, len(canvas.state_stack))  # type: ignore[attr-defined]
        if drawn and drawn[0][0] == state:
            code.extend(drawn[0][1])
            return
        start = len(code)
        canvas.saveState()
        header_table.wrapOn(canvas, width - 2 * SIDE_MARGIN, header_height)
        header_table.drawOn(canvas, SIDE_MARGIN, height - TOP_MARGIN - header_height)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.8)
        y = height - TOP_MARGIN - header_height - 2 * mm
        canvas.line(SIDE_MARGIN, y, width - SIDE_MARGIN, y)
        canvas.restoreState()
        if not drawn:
            drawn.append((state, code[start:]))

    frame = Frame(SIDE_MARGIN, doc.bottomMargin, width - 2 * SIDE_MARGIN,
                  height - top - doc.bottomMargin, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=draw_header)])

    footer_left, watermark = header.footer_left, header.watermark

    def canvas_maker(*args: Any, **kwargs: Any) -> Canvas:
        return _NumberedCanvas(*args, footer_left=footer_left, watermark=watermark, **kwargs)

    try:
        doc.build(list(story), canvasmaker=canvas_maker)
    except LayoutError:
        # reportlab's message quotes the text that did not fit: never pass it on (patient data)
        log.warning("PDF layout failed: a block did not fit on a page")
        raise KnownError("The PDF could not be laid out: one entry is too long to fit on a "
                         "page. Shorten the longest free-text entry and try again.") from None
    return buffer.getvalue()


def _header_table(header: RunningHeader, width: float) -> Table:
    s = styles()
    table = Table([[Paragraph(header.left, s.header), Paragraph(header.right, s.header_right)]],
                  colWidths=[width * 0.55, width * 0.45])
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


# What reportlab's escapePDF writes for each byte of a text string (its pure-Python fallback
# is a loop per byte; str.translate gives the same text in one call).
_PDF_ESCAPES = {c: (f"\\{c:03o}" if c < 32 or c >= 127 else "\\" + chr(c) if chr(c) in "\\()"
                    else chr(c)) for c in range(256)}


class _NumberedCanvas(Canvas):
    """Defers each page until the end so the footer can say "page X of Y"."""

    # Canvas's own (private) page size and page start, which reportlab's stubs leave out.
    _pagesize: tuple[float, float]
    _startPage: Callable[[], None]  # noqa: N815 - reportlab's name

    def __init__(self, *args: Any, footer_left: str = "", watermark: str = "",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer_left = footer_left
        self._watermark = watermark
        self._pages: list[dict[str, object]] = []

    def _escape(self, s: bytes | str) -> str:
        if type(s) is bytes:
            return s.decode("latin-1").translate(_PDF_ESCAPES)
        return str(escapePDF(s))  # what Canvas._escape does

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            if self._watermark:
                self._draw_watermark()
            super().showPage()
        super().save()

    def _draw_watermark(self) -> None:
        """Across the page, over the content, translucent so the text stays readable."""
        fonts = register_fonts()
        width, height = self._pagesize
        self.saveState()
        self.setFillColor(WATERMARK)
        self.setFillAlpha(0.16)
        self.translate(width / 2, height / 2)
        self.rotate(52)
        size = 64.0
        while size > 20 and self.stringWidth(self._watermark, fonts.bold, size) > height * 0.9:
            size -= 2
        self.setFont(fonts.bold, size)
        self.drawCentredString(0, -size / 3, self._watermark)
        self.restoreState()

    def _draw_footer(self, number: int, total: int) -> None:
        fonts = register_fonts()
        width, _ = self._pagesize
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(SIDE_MARGIN, BOTTOM_MARGIN + 3.5 * mm, width - SIDE_MARGIN,
                  BOTTOM_MARGIN + 3.5 * mm)
        self.setFillColor(MUTED)
        self.setFont(fonts.regular, 8)
        if self._footer_left:
            self.drawString(SIDE_MARGIN, BOTTOM_MARGIN, self._footer_left)
        self.setFont(fonts.bold, 8.5)
        self.drawRightString(width - SIDE_MARGIN, BOTTOM_MARGIN, f"Page {number} of {total}")
        self.restoreState()
