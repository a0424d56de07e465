"""One key per answer: press 1, 2 or 3 (or Y / N) on a choice and go on.

With a patient beside them, the clinician feels every key. An :class:`AnswerKeys` filter on a
:class:`ChoiceGroup`'s buttons (and any other widgets of the same row) turns a plain key into
that answer, then calls ``after(value)`` so the page can move the focus to where the next
answer is wanted. Keys with Ctrl or Alt are left alone, and text fields never get the filter
(digits typed there are text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from consult_aid.ui.widgets.fields import ChoiceGroup

IGNORED = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
           | Qt.KeyboardModifier.MetaModifier)


class AnswerKeys(QObject):
    """Keys that answer ``choices`` from the widgets it watches."""

    def __init__(self, choices: ChoiceGroup, keys: Mapping[Qt.Key, object],
                 after: Callable[[object], None], watched: Iterable[QWidget] = ()) -> None:
        super().__init__(choices)
        self.choices = choices
        self.keys = dict(keys)
        self.after = after
        for widget in (*choices.buttons(), *watched):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & IGNORED:
            return False
        value = self.keys.get(Qt.Key(event.key()), _NONE)
        if value is _NONE or not self.choices.isEnabled():
            return False
        button = self.choices.button(value)
        if not button.isEnabled():
            return False
        button.setChecked(True)
        self.after(value)
        return True


_NONE = object()
