"""A 100-person icon array: how many in 100 people are affected, drawn, not only said.

Each person is a simple head-and-shoulders figure in a 10 × 10 grid, filled row by row; a
fraction (0.4 in 100) fills part of one figure. Colour is never the only cue: affected figures
are solid, the others are outlined.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GRID = 10
AFFECTED = QColor("#b3541e")
BENEFIT = QColor("#2f6f4f")
OTHERS = QColor("#8a94a0")


class IconArray(QWidget):
    def __init__(self, per_100: float = 0.0, *, benefit: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._per_100 = max(0.0, min(100.0, per_100))
        self._colour = BENEFIT if benefit else AFFECTED
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_value(self, per_100: float, *, benefit: bool = False) -> None:
        self._per_100 = max(0.0, min(100.0, per_100))
        self._colour = BENEFIT if benefit else AFFECTED
        self.update()

    @property
    def per_100(self) -> float:
        return self._per_100

    def _cell(self) -> float:
        return self.fontMetrics().height() * 1.05

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        side = math.ceil(self._cell() * GRID)
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = min(self.width(), self.height()) / GRID
        whole = int(self._per_100)
        part = self._per_100 - whole
        for index in range(GRID * GRID):
            row, col = divmod(index, GRID)
            rect = QRectF(col * cell, row * cell, cell, cell).adjusted(1, 1, -1, -1)
            figure = _person(rect)
            if index < whole:
                painter.fillPath(figure, self._colour)
            elif index == whole and part > 0:
                painter.save()
                painter.setClipRect(QRectF(rect.left(), rect.top(), rect.width() * part,
                                           rect.height()))
                painter.fillPath(figure, self._colour)
                painter.restore()
                painter.setPen(QPen(self._colour, 1))
                painter.drawPath(figure)
            else:
                painter.setPen(QPen(OTHERS, 1))
                painter.drawPath(figure)
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
