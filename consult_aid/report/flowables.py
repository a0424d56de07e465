"""Vector drawings placed in the text flow: icon arrays and drawn signatures."""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import fp_str
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
        colour, middle, light = self.colours
        if p.denominator > 100:
            # Each colour band is one dashed line per row, the dashes the squares (see
            # _square_rows): 4 colours and about 30 strokes instead of 1,000 rectangles with
            # 1,000 colour changes; made once per picture and size.
            inset = self.cell * 0.12
            side = self.cell - 2 * inset
            rows = _square_rows(p.denominator, p.columns, (p.low, p.count, p.high), self.cell,
                                self.height)
            canvas.saveState()
            canvas.setLineWidth(side)
            canvas.setLineCap(0)
            canvas.setDash([side, 2 * inset], 0)
            for fill, path in zip((colour, middle, light, NOT_AFFECTED), rows, strict=True):
                if path:
                    canvas.setStrokeColor(fill)
                    canvas.addLiteral(path)
            canvas.restoreState()
            return
        _define_person(canvas)
        for index in range(p.denominator):
            row, column = divmod(index, p.columns)
            x = column * self.cell
            y = self.height - (row + 1) * self.cell
            fill = (colour if index < p.low else middle if index < p.count else
                    light if index < p.high else NOT_AFFECTED)
            _person(canvas, x, y, self.cell, fill)


@lru_cache(maxsize=512)
def _square_rows(denominator: int, columns: int, bounds: tuple[int, int, int], cell: float,
                 height: float) -> tuple[str, str, str, str]:
    """The squares of each colour band (full colour up to ``low``, middle tone up to
    ``count``, light tone up to ``high``, grey after) as PDF path operators, "" when the band
    is empty; filled row by row from the top left, in the flowable's own coordinates.

    A run of squares in a row is one line through their middle, stroked as wide as a square
    with butt ends and dashed "square, gap" (the gap twice the 12 % inset): the caller sets
    that width and dash. The dash starts again at each line, so each run's first dash is its
    first square, exactly where a square drawn on its own would be.
    """
    inset = cell * 0.12
    ends = (*bounds, denominator)
    paths: list[str] = []
    start = 0
    for band_end in ends:
        stop = max(start, band_end)
        lines = []
        index = start
        while index < stop:
            row, column = divmod(index, columns)
            last = min(stop, (row + 1) * columns)  # this run ends at the band's or row's end
            y = height - (row + 1) * cell + cell / 2
            x0 = column * cell + inset
            x1 = (last - row * columns) * cell - inset
            lines.append(f"{fp_str(x0, y)} m {fp_str(x1, y)} l")
            index = last
        paths.append("n " + "\n".join(lines) + " S" if lines else "")
        start = stop
    return paths[0], paths[1], paths[2], paths[3]


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
        # The page code of canvas.setLineWidth and canvas.line for each segment, written as
        # one literal (the page's code is its parts joined by line breaks either way); each
        # number formatted once, as reportlab's fp_str does (a point ends one segment and
        # starts the next).
        numbers: dict[float, str] = {}

        def fp(value: float) -> str:
            text = numbers.get(value)
            if text is None:
                text = numbers[value] = fp_str(value)
            return text

        for stroke in self.strokes:
            points = [(_clamp(p.x, PAD_WIDTH) * scale,
                       self.height - _clamp(p.y, PAD_HEIGHT) * scale,
                       _clamp(p.pressure, 1.0)) for p in stroke.points]
            if len(points) == 1:
                x, y, pressure = points[0]
                c.circle(x, y, base * (0.4 + 0.8 * pressure), stroke=0, fill=1)
                continue
            segments = []
            for (x0, y0, p0), (x1, y1, p1) in itertools.pairwise(points):
                segments.append(f"{fp(base * (0.5 + 1.6 * (p0 + p1) / 2))} w\n"
                                f"n {fp(x0)} {fp(y0)} m {fp(x1)} {fp(y1)} l S")
            c.addLiteral("\n".join(segments))
        c.restoreState()


def _clamp(value: float, top: float) -> float:
    if not math.isfinite(value):
        return 0.0
    return min(max(value, 0.0), top)
