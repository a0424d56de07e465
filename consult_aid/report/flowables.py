"""Vector drawings placed in the text flow: icon arrays and drawn signatures."""

from __future__ import annotations

import itertools
import math

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from consult_aid.content.figures import IconPicture
from consult_aid.domain.signature import PAD_HEIGHT, PAD_WIDTH, Stroke
from consult_aid.report.styles import NOT_AFFECTED, RISK, RISK_MIDDLE, RISK_RANGE, RULE


class IconArray(Flowable):
    """An icon array of whole people (:class:`consult_aid.content.figures.IconPicture`),
    ``width`` wide: the low end of a range in full colour, up to the best estimate in a middle
    tone, up to the high end in a light tone, everyone else grey. Filled row by row from the
    top left, so they can be counted. 100 people are drawn as pictograms; 1,000 as small
    squares (a pictogram that small is noise)."""

    def __init__(self, picture: IconPicture, *, width: float = 84.0, colour: Color = RISK,
                 middle: Color = RISK_MIDDLE, light: Color = RISK_RANGE) -> None:
        super().__init__()
        self.picture = picture
        self.cell = width / picture.columns
        self.width = width
        self.height = self.cell * picture.rows
        self.colours = (colour, middle, light)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        p = self.picture
        canvas = self.canv
        pictograms = p.denominator <= 100
        if pictograms:
            _define_person(canvas)
        colour, middle, light = self.colours
        for index in range(p.denominator):
            row, column = divmod(index, p.columns)
            x = column * self.cell
            y = self.height - (row + 1) * self.cell
            fill = (colour if index < p.low else middle if index < p.count else
                    light if index < p.high else NOT_AFFECTED)
            if pictograms:
                _person(canvas, x, y, self.cell, fill)
            else:
                canvas.setFillColor(fill)
                inset = self.cell * 0.12
                canvas.rect(x + inset, y + inset, self.cell - 2 * inset, self.cell - 2 * inset,
                            stroke=0, fill=1)


PERSON_FORM = "ConsultAidPerson"


def _define_person(c: Canvas) -> None:
    """The pictogram once per document, as a form in a 1 x 1 cell (it takes the fill colour
    of where it is placed), so 100 people cost 100 short references, not 100 drawings."""
    if c.hasForm(PERSON_FORM):
        return
    c.beginForm(PERSON_FORM, 0, 0, 1, 1)
    c.circle(0.5, 0.77, 0.17, stroke=0, fill=1)
    c.roundRect(0.22, 0.06, 0.56, 0.52, 0.16, stroke=0, fill=1)
    c.endForm()


def _person(c: Canvas, x: float, y: float, cell: float, colour: Color) -> None:
    """One whole pictogram person in the cell at (x, y)."""
    c.saveState()
    c.setFillColor(colour)
    c.transform(cell, 0, 0, cell, x, y)
    c.doForm(PERSON_FORM)
    c.restoreState()


class SignatureDrawing(Flowable):
    """A drawn signature as vector strokes, scaled from pad units (1000 x 300) to ``width``.

    Pad coordinates run top-down (as the pen pad records them); the PDF's run bottom-up. Line
    width follows pen pressure. A light line marks where the signer signed.
    """

    def __init__(self, strokes: tuple[Stroke, ...], *, width: float = 190.0,
                 ink: Color | None = None) -> None:
        super().__init__()
        self.strokes = strokes
        self.width = width
        self.height = width * PAD_HEIGHT / PAD_WIDTH
        self.ink = ink or Color(0.05, 0.12, 0.35)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        scale = self.width / PAD_WIDTH
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(0, self.height * 0.18, self.width, self.height * 0.18)
        c.setStrokeColor(self.ink)
        c.setFillColor(self.ink)
        c.setLineCap(1)
        c.setLineJoin(1)
        base = max(self.width / 190.0, 0.3)
        for stroke in self.strokes:
            points = [(_clamp(p.x, PAD_WIDTH) * scale,
                       self.height - _clamp(p.y, PAD_HEIGHT) * scale,
                       _clamp(p.pressure, 1.0)) for p in stroke.points]
            if len(points) == 1:
                x, y, pressure = points[0]
                c.circle(x, y, base * (0.4 + 0.8 * pressure), stroke=0, fill=1)
                continue
            for (x0, y0, p0), (x1, y1, p1) in itertools.pairwise(points):
                c.setLineWidth(base * (0.5 + 1.6 * (p0 + p1) / 2))
                c.line(x0, y0, x1, y1)
        c.restoreState()


def _clamp(value: float, top: float) -> float:
    if not math.isfinite(value):
        return 0.0
    return min(max(value, 0.0), top)
