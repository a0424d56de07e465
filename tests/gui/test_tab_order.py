"""Tab follows reading order on every step: each Tab moves down the page, or right along the
same row, never back up (a person reading the page and pressing Tab sees the focus move on)."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain.steps import STEP_IDS
from consult_aid.ui.main_window import MainWindow

from .helpers import add_patient_and_start

ROW = 6  # px: widgets whose tops are this close are on one row
TABS = 40


def top_left(widget: QWidget, page: QWidget) -> QPoint:
    return widget.mapTo(page, QPoint(0, 0))


def test_tab_moves_down_or_right_on_every_step(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    backwards: dict[str, list[str]] = {}
    for step in STEP_IDS:
        view.go_to(step)
        page = view.page(step)
        page.focus_first()
        seen: list[QWidget] = []
        for _ in range(TABS):
            widget = QApplication.focusWidget()
            if widget is None or not page.isAncestorOf(widget) or widget in seen:
                break
            seen.append(widget)
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
        wrong = []
        for before, after in pairwise(seen):
            a, b = top_left(before, page), top_left(after, page)
            if b.y() + ROW < a.y() or (abs(b.y() - a.y()) <= ROW and b.x() < a.x()):
                wrong.append(f"{before.accessibleName() or type(before).__name__} -> "
                             f"{after.accessibleName() or type(after).__name__}")
        if wrong:
            backwards[step] = wrong[:4]
        assert seen, step  # a radio group is one Tab stop: the options step has one
    assert backwards == {}
