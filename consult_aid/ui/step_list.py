"""The list of steps beside the pages, each with its state: not started, incomplete or done.

State is shown by shape and words, not colour alone: an empty ring, a half-filled ring, a
filled disc with a tick.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from consult_aid.domain.steps import StepState

COLOURS = {StepState.NOT_STARTED: QColor("#8a94a0"), StepState.INCOMPLETE: QColor("#b7791f"),
           StepState.DONE: QColor("#2f6f4f")}


def state_icon(state: StepState, size: int) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = COLOURS[state]
    pen_w = max(1.5, size / 10)
    rect = QRectF(pen_w, pen_w, size - 2 * pen_w, size - 2 * pen_w)
    painter.setPen(QPen(colour, pen_w))
    if state is StepState.DONE:
        painter.setBrush(colour)
        painter.drawEllipse(rect)
        tick = QPainterPath(QPointF(size * 0.28, size * 0.52))
        tick.lineTo(size * 0.44, size * 0.68)
        tick.lineTo(size * 0.73, size * 0.34)
        painter.setPen(QPen(QColor("white"), pen_w * 1.3, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(tick)
    else:
        painter.drawEllipse(rect)
        if state is StepState.INCOMPLETE:
            half = QPainterPath()
            half.moveTo(rect.center())
            half.arcTo(rect, 90, 180)
            half.closeSubpath()
            painter.fillPath(half, colour)
    painter.end()
    return QIcon(pixmap)


class StepList(QListWidget):
    """Rows are steps in order; ``currentRowChanged`` tells which one to show."""

    def __init__(self, titles: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setAccessibleName(self.tr("Consult steps"))
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._titles = titles
        self._states: dict[str, StepState] = {}
        for step_id, title in titles:
            item = QListWidgetItem(title, self)
            item.setData(Qt.ItemDataRole.UserRole, step_id)
        self.set_states({sid: StepState.NOT_STARTED for sid, _ in titles})

    def state_text(self, state: StepState) -> str:
        return {StepState.NOT_STARTED: self.tr("Not started"),
                StepState.INCOMPLETE: self.tr("Incomplete"),
                StepState.DONE: self.tr("Done")}[state]

    def set_states(self, states: dict[str, StepState]) -> None:
        size = int(self.fontMetrics().height() * 1.2)
        self.setIconSize(QSize(size, size))
        for row, (step_id, title) in enumerate(self._titles):
            state = states.get(step_id, StepState.NOT_STARTED)
            if self._states.get(step_id) is state and self.item(row).icon().availableSizes() \
                    and self.iconSize().width() == size:
                continue
            item = self.item(row)
            item.setIcon(state_icon(state, size))
            item.setText(f"{row + 1}. {title}\n{self.state_text(state)}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{title}: {self.state_text(state)}")
            self._states[step_id] = state

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        width = max(self.fontMetrics().horizontalAdvance(f"9. {t}") for _, t in self._titles)
        return QSize(width + self.iconSize().width() + self.fontMetrics().height() * 3,
                     super().sizeHint().height())
