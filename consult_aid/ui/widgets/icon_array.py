"""An icon array: how many of 100 (or 1,000) people, drawn, not only said.

It draws a :class:`consult_aid.content.figures.IconPicture`, the same picture the record
prints: whole people only, filled row by row from the top left; a range as its low end (solid),
up to the best estimate (a middle tone) and up to its high end (a light tone). Colour is never
the only cue: people outside the figure are outlined, not filled. 100 people are drawn as
head-and-shoulders figures, 1,000 as small squares.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from consult_aid.content.figures import IconPicture

AFFECTED = QColor("#b3541e")
BENEFIT = QColor("#2f6f4f")
OTHERS = QColor("#8a94a0")


def _tones(colour: QColor) -> tuple[QColor, QColor, QColor]:
    middle, light = QColor(colour), QColor(colour)
    middle.setAlphaF(0.6)
    light.setAlphaF(0.28)
    return colour, middle, light


def _hundred(count: int) -> IconPicture:
    count = max(0, min(100, count))
    return IconPicture(100, 10, count, count, count)


class IconArray(QWidget):
    def __init__(self, picture: IconPicture | int | None = None, *, benefit: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture = self._as_picture(picture)
        self._colour = BENEFIT if benefit else AFFECTED
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    @staticmethod
    def _as_picture(picture: IconPicture | int | None) -> IconPicture:
        if picture is None:
            return _hundred(0)
        if isinstance(picture, int):
            return _hundred(picture)
        return picture

    def set_value(self, picture: IconPicture | int | None, *, benefit: bool = False) -> None:
        self._picture = self._as_picture(picture)
        self._colour = BENEFIT if benefit else AFFECTED
        self.updateGeometry()
        self.update()

    @property
    def picture(self) -> IconPicture:
        return self._picture

    def _cell(self) -> float:
        side = self.fontMetrics().height() * 1.05 * 10  # 100 people: ten text lines square
        return side / self._picture.columns

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        cell = self._cell()
        return QSize(math.ceil(cell * self._picture.columns), math.ceil(cell * self._picture.rows))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = self._picture
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = min(self.width() / p.columns, self.height() / p.rows)
        solid, middle, light = _tones(self._colour)
        figures = p.denominator <= 100
        for index in range(p.denominator):
            row, col = divmod(index, p.columns)
            rect = QRectF(col * cell, row * cell, cell, cell)
            fill = (solid if index < p.low else middle if index < p.count else
                    light if index < p.high else None)
            if figures:
                shape = _person(rect.adjusted(1, 1, -1, -1))
            else:
                shape = QPainterPath()
                inset = cell * 0.12
                shape.addRect(rect.adjusted(inset, inset, -inset, -inset))
            if fill is not None:
                painter.fillPath(shape, fill)
            elif figures:
                painter.setPen(QPen(OTHERS, 1))
                painter.drawPath(shape)
            else:
                painter.fillPath(shape, QColor("#dde1e5"))
        painter.end()


def _person(rect: QRectF) -> QPainterPath:
    path = QPainterPath()
    w, h = rect.width(), rect.height()
    head_r = w * 0.18
    centre = QPointF(rect.center().x(), rect.top() + h * 0.24)
    path.addEllipse(centre, head_r, head_r)
    body = QRectF(rect.left() + w * 0.2, rect.top() + h * 0.46, w * 0.6, h * 0.52)
    path.addRoundedRect(body, w * 0.22, w * 0.22)
    return path
