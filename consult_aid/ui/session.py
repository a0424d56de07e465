"""The open consult with its pack: what every step page reads and edits.

Pages receive the session through their constructor (never from the window tree), write the
clinician's input into ``session.consult`` and call :meth:`edited`.

The session is read-only when the consult is locked (signed), while it is busy (signing
runs on the writer thread: nothing may change the consult meanwhile), and for good when the
window opened the database read-only (``database_read_only``: it failed its start-up check, or
``--read-only`` was asked): then the consult can be read and printed, never changed.

Signals: ``changed()`` after any edit; ``navigate(str)`` when a page asks to show a step;
``read_only_changed(bool)`` when the session becomes busy or free again; ``replaced()`` after
:meth:`replace_consult` put another consult object (the stored record) in place.
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
    read_only_changed = Signal(bool)
    replaced = Signal()

    def __init__(self, consult: Consult, pack: Pack, clock: Callable[[], datetime],
                 parent: QObject | None = None, *, database_read_only: bool = False) -> None:
        super().__init__(parent)
        self.consult = consult
        self.pack = pack
        self.clock = clock
        self._busy = False
        self.database_read_only = database_read_only  # fixed for the session's life
        self.may_sign = True  # the signed-in account's role allows signing (the window sets it)

    @property
    def read_only(self) -> bool:
        return self.consult.is_locked or self._busy or self.database_read_only

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        """While busy (signing), no page may edit the consult."""
        before = self.read_only
        self._busy = busy
        if self.read_only != before:
            self.read_only_changed.emit(self.read_only)

    def replace_consult(self, consult: Consult) -> None:
        """Show ``consult`` (the record as stored) instead of the one being edited."""
        before = self.read_only
        self.consult = consult
        self.replaced.emit()
        if self.read_only != before:
            self.read_only_changed.emit(self.read_only)

    def edited(self) -> None:
        if not self.read_only:
            self.changed.emit()

    def go_to(self, step_id: str) -> None:
        self.navigate.emit(step_id)
