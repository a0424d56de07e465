"""Autosave: every change to the open consult reaches the database within about a second.

Changes restart a short debounce timer on the GUI thread; when it fires, a snapshot of the
consult (a deep copy, so the window can go on editing) is handed to the single database writer,
which replaces any older snapshot of the same consult still waiting. The window never waits for
the disk.

A field that breaks a rule is held back at its last saved value (see :func:`savable_copy`)
until the clinician corrects it; the rest of the consult is saved.

Signals: ``saved(datetime)`` after a write, ``held_back(list[str])`` with the fields not saved
because they break a rule, ``failed(str)`` with a calm message when a write failed.

The saver knows whether the database holds the latest state (:attr:`Autosaver.dirty`) and what
went wrong with the last write (:attr:`Autosaver.last_error`). Leaving a consult or closing the
window calls :meth:`Autosaver.finish`, which writes and waits, so a last write that failed is
known while the window can still say so.
"""

from __future__ import annotations

import copy
import logging
import re
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
MAX_REVERTS = 8
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


def savable_copy(current: Consult, last_saved: Consult) -> tuple[Consult, list[str]]:
    """A copy of ``current`` that the store accepts, and the fields held back.

    Storage refuses a draft that breaks a rule (a pain score of 12, a future date of birth).
    Rather than lose every other change, each field with a problem goes back to its last saved
    value; the window keeps showing the clinician's input with the message beside it.
    """
    snapshot = copy.deepcopy(current)
    held: list[str] = []
    for _ in range(MAX_REVERTS):
        problems = snapshot.problems()
        if not problems:
            return snapshot, held
        for problem in problems:
            if not _revert(snapshot, last_saved, problem.field):
                _revert(snapshot, last_saved, problem.field.split(".")[0].split("[")[0])
            held.append(problem.field)
    return snapshot, held


def _revert(target: object, source: object, path: str) -> bool:
    """Copy the value at dotted ``path`` (``signatures[0].strokes``) from source to target."""
    steps = path.split(".")
    try:
        for step in steps[:-1]:
            target, source = _child(target, step), _child(source, step)
        match = _STEP.fullmatch(steps[-1])
        if match is None:
            return False
        name, index = match.group(1), match.group(2)
        if index is None:
            setattr(target, name, copy.deepcopy(getattr(source, name)))
        else:
            getattr(target, name)[int(index)] = copy.deepcopy(getattr(source, name)[int(index)])
    except (AttributeError, IndexError, TypeError):
        return False
    return True


def _child(obj: object, step: str) -> object:
    match = _STEP.fullmatch(step)
    if match is None:
        raise AttributeError(step)
    value = getattr(obj, match.group(1))
    if value is None:
        raise AttributeError(step)
    return value if match.group(2) is None else value[int(match.group(2))]


class Autosaver(QObject):
    saved = Signal(object)
    held_back = Signal(list)
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
        self.last_error: str | None = None  # why the last write failed; None after a success
        self._stored = copy.deepcopy(consult)  # what the database holds (as far as we know)
        self._revision = 0  # counts changes and writes handed over
        self._saved_revision = 0  # the newest revision the database confirmed
        self._stopped = False

    @property
    def consult(self) -> Consult:
        return self._consult

    @property
    def writer(self) -> DatabaseWriter:
        return self._writer

    def stop(self) -> None:
        """No more saves (the consult is being closed)."""
        self._timer.stop()
        self._stopped = True

    def set_consult(self, consult: Consult) -> None:
        """The session's consult was replaced (by the stored record after signing)."""
        self._timer.stop()
        self._consult = consult
        self._stored = copy.deepcopy(consult)
        self._saved_revision = self._revision

    def schedule(self) -> None:
        """A change was made: save soon (restarts the debounce timer)."""
        if not self._consult.is_locked and not self._stopped:
            self._revision += 1
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    @property
    def dirty(self) -> bool:
        """Changes the database has not confirmed yet (waiting, being written, or failed)."""
        return not self._consult.is_locked and self._saved_revision < self._revision

    def flush(self) -> None:
        """Hand the current state to the writer now."""
        self._timer.stop()
        if self._consult.is_locked or self._stopped:
            return
        self._consult.updated_at = self._clock()
        self._revision += 1
        revision = self._revision
        snapshot, held = savable_copy(self._consult, self._stored)
        save = self._save

        def write(db: Any) -> tuple[Consult, int]:
            save(db, snapshot)
            return snapshot, revision

        self._writer.submit(write, self._on_saved, self._on_failed,
                            key=f"consult:{snapshot.id}")
        self.held_back.emit(held)

    def finish(self, timeout: float) -> str | None:
        """Write the latest state and wait for it (closing): None when the database holds it,
        else a calm message saying what went wrong."""
        self.flush()
        finished = self._writer.settle(timeout)
        if not self.dirty:
            return None
        if not finished:
            return self.tr("The computer has not finished storing the latest changes yet "
                           "(the disk is slow or not answering).")
        return self.last_error or self.tr("The latest changes could not be stored.")

    def _on_saved(self, result: tuple[Consult, int]) -> None:
        if self._stopped:  # a write that finished after the consult was closed
            return
        snapshot, revision = result
        self._stored = snapshot
        self._saved_revision = max(self._saved_revision, revision)
        self.last_error = None
        self.last_saved = self._clock()
        self.saved.emit(self.last_saved)

    def _on_failed(self, error: BaseException) -> None:
        log.error("autosave failed", exc_info=error)
        if self._stopped:
            return
        if isinstance(error, KnownError):
            self.last_error = str(error)
        else:
            self.last_error = self.tr("Not saved yet: the last change could not be stored. "
                                      "It will be tried again with the next change.")
        self.failed.emit(self.last_error)
