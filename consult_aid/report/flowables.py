"""Vector drawings placed in the text flow: the 100-person icon array and drawn signatures."""

from __future__ import annotations

import itertools
import math

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from consult_aid.domain.signature import PAD_HEIGHT, PAD_WIDTH, Stroke
from consult_aid.report.styles import NOT_AFFECTED, RISK, RISK_RANGE, RULE

ICONS_PER_ROW = 10
ICON_COUNT = 100


class IconArray(Flowable):
    """100 little people, ``affected`` of them filled (a fraction fills part of one person).

    ``up_to`` (same scale, per 100) shades the people between ``affected`` and ``up_to`` in the
    lighter range colour: "it could be as many as this". People are filled row by row from the
    top left, so they can be counted.
    """

    def __init__(self, affected: float, *, up_to: float | None = None, size: float = 90.0,
                 colour: Color = RISK, range_colour: Color = RISK_RANGE) -> None:
        super().__init__()
        if not math.isfinite(affected) or affected < 0:
            raise ValueError(f"affected must be a number from 0 to 100, not {affected!r}")
        self.affected = min(float(affected), ICON_COUNT)
        self.up_to = None if up_to is None else min(max(float(up_to), self.affected), ICON_COUNT)
        self.size = size
        self.colour = colour
        self.range_colour = range_colour
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        cell = self.size / ICONS_PER_ROW
        canvas = self.canv
        _define_person(canvas)
        for index in range(ICON_COUNT):
            row, column = divmod(index, ICONS_PER_ROW)
            x = column * cell
            y = self.size - (row + 1) * cell
            _person(canvas, x, y, cell, NOT_AFFECTED)
            if self.up_to is not None and index < math.ceil(self.up_to):
                _person(canvas, x, y, cell, self.range_colour,
                        fraction=min(1.0, self.up_to - index))
            if index < math.ceil(self.affected):
                _person(canvas, x, y, cell, self.colour, fraction=min(1.0, self.affected - index))


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


def _person(c: Canvas, x: float, y: float, cell: float, colour: Color,
            fraction: float = 1.0) -> None:
    """One pictogram person in the cell at (x, y); only the left ``fraction`` of it painted."""
    if fraction <= 0:
        return
    c.saveState()
    if fraction < 1.0:
        clip = c.beginPath()
        clip.rect(x, y, cell * (0.22 + 0.56 * fraction), cell)
        c.clipPath(clip, stroke=0, fill=0)
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
