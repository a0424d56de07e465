"""Building blocks for the story of a PDF. User text always goes through :func:`literal`.

``Story`` collects flowables and remembers whether any text needed the unprintable-script
placeholder, so the document can explain it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
    Table,
)

from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import (
    WARNING_BG,
    WARNING_EDGE,
    field_table_style,
    grid_table_style,
    styles,
    table_style,
)
from consult_aid.report.text import UNPRINTABLE_NOTE, has_unprintable, literal

SPLIT_IN_ROW = 36  # a row taller than a page (pages of typed text) may split, in 36 pt pieces
LONG_CELL = 1500  # characters of markup in one cell that might not fit on one page


def split_in_row(rows: Sequence[Sequence[str]]) -> int:
    """Let rows split inside only when a cell is long enough to need it (else rows stay whole)."""
    return SPLIT_IN_ROW if any(len(cell or "") > LONG_CELL for row in rows for cell in row) else 0


class Story:
    """The flowables of one document, with the page's usable width."""

    def __init__(self, width: float) -> None:
        self.width = width
        self.flowables: list[Flowable] = []
        self.unprintable = False
        self.s = styles()

    # -- text ---------------------------------------------------------------------------------
    def lit(self, text: object) -> str:
        """User or pack text as markup that shows it literally (the only way in)."""
        markup = literal(text)
        if not self.unprintable and text is not None and has_unprintable(str(text)):
            self.unprintable = True
        return markup

    def para(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph from markup that is already safe (program text or :meth:`lit`)."""
        return Paragraph(markup, style or self.s.body)

    def text(self, text: object, style: ParagraphStyle | None = None) -> Paragraph:
        return self.para(self.lit(text), style)

    def quoted(self, text: str) -> str:
        """The patient's own words, in quotation marks."""
        return f"“{self.lit(text.strip())}”"

    # -- adding -------------------------------------------------------------------------------
    def add(self, *flowables: Flowable) -> None:
        self.flowables.extend(flowables)

    # A heading moves to the next page unless this much room is left below it, so it never
    # stands alone at a page foot; what follows it then flows (and tables split) normally,
    # instead of being kept together with it, which leaves half-empty pages.
    HEADING_ROOM = 64

    def heading(self, markup: str) -> None:
        self.add(CondPageBreak(self.HEADING_ROOM), self.para(markup, self.s.h1))

    def subheading(self, markup: str, style: ParagraphStyle | None = None) -> None:
        self.add(CondPageBreak(self.HEADING_ROOM - 20), self.para(markup, style or self.s.h2))

    def body(self, markup: str) -> None:
        self.add(self.para(markup))

    def muted(self, markup: str) -> None:
        self.add(self.para(markup, self.s.muted))

    def gap(self, height: float = 6) -> None:
        self.add(Spacer(1, height))

    def bullets(self, items: Iterable[str], style: ParagraphStyle | None = None) -> None:
        """One bullet per markup string."""
        for markup in items:
            self.add(Paragraph(markup, style or self.s.bullet, bulletText="•"))

    def fields(self, rows: Sequence[tuple[str, str]], *, label_width: float = 0.3,
               compact: bool = False) -> None:
        """Label/value rows (label: program text; value: markup). ``compact``: the clinician's
        notes in 10 pt (what the patient reads stays at 11 pt or more)."""
        if not rows:
            return
        label_style, cell_style = ((self.s.note_label, self.s.note) if compact
                                   else (self.s.label, self.s.cell))
        data = [[self.para(label, label_style), self.para(value or "—", cell_style)]
                for label, value in rows]
        table = Table(data, colWidths=[self.width * label_width, self.width * (1 - label_width)],
                      splitInRow=split_in_row(rows))
        table.setStyle(field_table_style())
        self.add(table)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float]) -> None:
        """A table with a header row that repeats across pages; ``widths`` as fractions."""
        data = [[self.para(h, self.s.cell_head) for h in header]]
        data += [[self.para(cell or "—", self.s.cell) for cell in row] for row in rows]
        table = Table(data, colWidths=[self.width * w for w in widths], repeatRows=1,
                      splitInRow=split_in_row(rows))
        table.setStyle(grid_table_style())
        self.add(table)

    def callout(self, markup: str | list[Flowable], *,
                style: ParagraphStyle | None = None, background: Color | None = None,
                edge: Color | None = None) -> None:
        """A shaded box that draws the eye (a flag, a warning): markup or flowables.

        ``background`` and ``edge`` change the colours (default: the warning's orange), e.g.
        red for the handout's "call emergency services now" box.
        """
        content = self.para(markup, style or self.s.callout) if isinstance(markup, str) \
            else markup
        box = Table([[content]], colWidths=[self.width])
        box.setStyle(table_style([
            ("BACKGROUND", (0, 0), (-1, -1), background or WARNING_BG),
            ("LINEBEFORE", (0, 0), (0, -1), 3, edge or WARNING_EDGE),
            ("LEFTPADDING", (0, 0), (-1, -1), 9),
            ("RIGHTPADDING", (0, 0), (-1, -1), 9),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]))
        self.add(box)

    def keep(self, flowables: list[Flowable]) -> None:
        self.add(KeepTogether(flowables))

    def finish(self, note_at: int = 0) -> list[Flowable]:
        """The flowables, with the unprintable-script note at ``note_at`` when it is needed."""
        flowables = list(self.flowables)
        if self.unprintable:
            flowables.insert(note_at, self.para(UNPRINTABLE_NOTE, self.s.muted))
        return flowables
