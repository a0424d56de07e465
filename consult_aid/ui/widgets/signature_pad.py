"""A signature pad for mouse, pen (with pressure) and touch.

Strokes are kept in pad units (0..1000 wide, 0..300 high, the domain's :class:`Point`), so the
same signature draws the same at any window size and in the PDF. The pad keeps a 10:3 shape.

Signals: ``changed()`` after each finished stroke and after clearing.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from consult_aid.domain import Point, Stroke
from consult_aid.domain.limits import MAX_POINTS, MAX_STROKES
from consult_aid.domain.signature import PAD_HEIGHT, PAD_WIDTH

MOUSE_PRESSURE = 0.5
INK = QColor("#14213d")


class SignaturePad(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._current: list[Point] | None = None
        self._read_only = False
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    # --- data ---------------------------------------------------------------------------------
    def strokes(self) -> tuple[Stroke, ...]:
        return tuple(self._strokes)

    def set_strokes(self, strokes: tuple[Stroke, ...]) -> None:
        self._strokes = list(strokes)
        self._current = None
        self.update()

    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self) -> None:
        if self._strokes:
            self._strokes.clear()
            self.update()
            self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.setCursor(Qt.CursorShape.ArrowCursor if read_only else Qt.CursorShape.CrossCursor)

    # --- geometry -----------------------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return int(width * PAD_HEIGHT / PAD_WIDTH)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        w = self.fontMetrics().horizontalAdvance("M") * 36
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        w = self.fontMetrics().horizontalAdvance("M") * 18
        return QSize(w, self.heightForWidth(w))

    def _area(self) -> QRectF:
        w = float(self.width())
        h = min(float(self.height()), w * PAD_HEIGHT / PAD_WIDTH)
        return QRectF(0, (self.height() - h) / 2, w, h)

    def _to_pad(self, pos: QPointF, pressure: float) -> Point:
        area = self._area()
        x = (pos.x() - area.left()) / max(area.width(), 1.0) * PAD_WIDTH
        y = (pos.y() - area.top()) / max(area.height(), 1.0) * PAD_HEIGHT
        return Point(round(min(max(x, 0.0), PAD_WIDTH), 1), round(min(max(y, 0.0), PAD_HEIGHT), 1),
                     round(min(max(pressure, 0.0), 1.0), 3))

    def _to_widget(self, p: Point) -> QPointF:
        area = self._area()
        return QPointF(area.left() + p.x / PAD_WIDTH * area.width(),
                       area.top() + p.y / PAD_HEIGHT * area.height())

    # --- input --------------------------------------------------------------------------------
    def _room(self) -> int:
        """How many more points the signature may hold (the limits a stored one must keep)."""
        used = sum(len(s.points) for s in self._strokes) + len(self._current or ())
        return MAX_POINTS - used

    def _begin(self, pos: QPointF, pressure: float) -> None:
        if self._read_only or len(self._strokes) >= MAX_STROKES or self._room() < 2:
            return  # a full pad takes no more ink (Clear starts again)
        self._current = [self._to_pad(pos, pressure)]
        self.update()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        point = self._to_pad(pos, pressure)
        if self._room() <= 0:  # full (a stroke begins only with room for a dot's two points)
            return
        if (point.x, point.y) != (self._current[-1].x, self._current[-1].y):
            self._current.append(point)
            self.update()

    def _end(self) -> None:
        if self._current is None:
            return
        points, self._current = self._current, None
        if len(points) == 1:  # a dot: keep it visible and countable
            p = points[0]
            points.append(Point(min(p.x + 1.0, PAD_WIDTH), p.y, p.pressure))
        self._strokes.append(Stroke(tuple(points)))
        self.update()
        self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), MOUSE_PRESSURE)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), MOUSE_PRESSURE)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position(), MOUSE_PRESSURE)
            self._end()
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletMove:
            self._extend(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end()
        event.accept()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QTouchEvent):
            points = event.points()
            if points:
                pt = points[0]
                pressure = pt.pressure() if pt.pressure() > 0 else MOUSE_PRESSURE
                kind = event.type()
                if kind == QTouchEvent.Type.TouchBegin:
                    self._begin(pt.position(), pressure)
                elif kind == QTouchEvent.Type.TouchUpdate:
                    self._extend(pt.position(), pressure)
                elif kind in (QTouchEvent.Type.TouchEnd, QTouchEvent.Type.TouchCancel):
                    self._end()
            event.accept()
            return True
        return super().event(event)

    # --- drawing ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self._area()
        painter.fillRect(area, QColor("#ffffff"))
        painter.setPen(QPen(QColor("#9aa5b1"), 1, Qt.PenStyle.DashLine))
        baseline = area.top() + area.height() * 0.78
        painter.drawLine(QPointF(area.left() + area.width() * 0.04, baseline),
                         QPointF(area.right() - area.width() * 0.04, baseline))
        painter.setPen(QPen(QColor("#c3ccd6"), 1))
        painter.drawRect(area.adjusted(0.5, 0.5, -0.5, -0.5))
        if self.hasFocus():
            painter.setPen(QPen(self.palette().highlight().color(), 2))
            painter.drawRect(area.adjusted(1, 1, -1, -1))
        scale = area.width() / PAD_WIDTH
        strokes = [s.points for s in self._strokes]
        if self._current:
            strokes.append(tuple(self._current))
        for points in strokes:
            for a, b in itertools.pairwise(points):
                width = max(1.0, (1.5 + 5.0 * (a.pressure + b.pressure) / 2) * scale * 1.6)
                pen = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                           Qt.PenJoinStyle.RoundJoin)
                painter.setPen(pen)
                painter.drawLine(self._to_widget(a), self._to_widget(b))
        painter.end()
