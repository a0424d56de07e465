"""The open consult with its pack: what every step page reads and edits.

Pages receive the session through their constructor (never from the window tree), write the
clinician's input into ``session.consult`` and call :meth:`edited`.

Signals: ``changed()`` after any edit; ``navigate(str)`` when a page asks to show a step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from consult_aid.content.model import Pack
from consult_aid.domain import Consult


class ConsultSession(QObject):
    changed = Signal()
    navigate = Signal(str)

    def __init__(self, consult: Consult, pack: Pack, clock: Callable[[], datetime],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.consult = consult
        self.pack = pack
        self.clock = clock

    @property
    def read_only(self) -> bool:
        return self.consult.is_locked

    def edited(self) -> None:
        if not self.read_only:
            self.changed.emit()

    def go_to(self, step_id: str) -> None:
        self.navigate.emit(step_id)
