"""Autosave: every change to the open consult reaches the database within about a second.

Changes restart a short debounce timer on the GUI thread; when it fires, a snapshot of the
consult (a deep copy, so the window can go on editing) is handed to the single database writer,
which replaces any older snapshot of the same consult still waiting. The window never waits for
the disk.

Signals: ``saved(datetime)`` after a write, ``failed(str)`` with a calm message when one failed.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from consult_aid.domain import Consult
from consult_aid.errors import KnownError
from consult_aid.ui.worker import DatabaseWriter

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300

SaveFn = Callable[[Any, Consult], object]


class Autosaver(QObject):
    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, writer: DatabaseWriter, save: SaveFn, consult: Consult,
                 clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = writer
        self._save = save
        self._consult = consult
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self.last_saved: datetime | None = None

    def schedule(self) -> None:
        """A change was made: save soon (restarts the debounce timer)."""
        if not self._consult.is_locked:
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Hand the current state to the writer now."""
        self._timer.stop()
        if self._consult.is_locked:
            return
        self._consult.updated_at = self._clock()
        snapshot = copy.deepcopy(self._consult)
        save = self._save
        self._writer.submit(lambda db: save(db, snapshot), self._on_saved, self._on_failed,
                            key=f"consult:{snapshot.id}")

    def _on_saved(self, _result: object) -> None:
        self.last_saved = self._clock()
        self.saved.emit(self.last_saved)

    def _on_failed(self, error: BaseException) -> None:
        log.error("autosave failed", exc_info=error)
        if isinstance(error, KnownError):
            self.failed.emit(str(error))
        else:
            self.failed.emit(self.tr("Not saved yet: the last change could not be stored. "
                                     "It will be tried again with the next change."))
