"""Autosave: every change to the open consult reaches the database within about a second.

Changes restart a short debounce timer on the GUI thread; when it fires, a snapshot of the
consult (a deep copy, so the window can go on editing) is handed to the single database writer,
which replaces any older snapshot of the same consult still waiting. The window never waits for
the disk.

A field that breaks a rule is held back at its last saved value (see
:func:`consult_aid.domain.drafts.savable_copy`) until the clinician corrects it; the rest of the
consult is saved. The step shown is saved with the draft (window state, kept beside the
record), so a consult reopens where it stopped.

Signals: ``saved(datetime)`` after a write, ``held_back(list[str])`` with the fields not saved
because they break a rule, ``failed(str)`` with a calm message when a write failed.

The saver knows whether the database holds the latest state (:attr:`Autosaver.dirty`) and what
went wrong with the last write (:attr:`Autosaver.last_error`). Leaving a consult or closing the
window calls :meth:`Autosaver.finish`, which writes and waits, so a last write that failed is
known while the window can still say so.

A saver made with ``read_only=True`` (the window opened the database read-only) never hands
anything to the writer: it is never dirty, and finishing it has nothing to store.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from consult_aid.domain import Consult
from consult_aid.domain.drafts import savable_copy
from consult_aid.errors import DatabaseLockedError, EditConflictError, KnownError, StorageError
from consult_aid.services.consults import save_draft
from consult_aid.services.store import Store
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.worker import DatabaseWriter

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
# A write the database could not take (the clinic's server unreachable, busy, a full disk) is
# tried again after this long while the draft has changes it does not hold: what was typed is
# stored when the server is back, without another keystroke.
RETRY_MS = 5000

# The service call that stores a draft: (database, consult, now, step shown).
SaveDraft = Callable[[Store, Consult, datetime, str], object]


def _save_draft(db: Store, consult: Consult, now: datetime, step: str) -> object:
    save_draft(db, consult, now=now, step=step)
    return None


class Autosaver(QObject):
    saved = Signal(object)
    held_back = Signal(list)
    failed = Signal(str)

    def __init__(self, writer: DatabaseWriter, consult: Consult, clock: Callable[[], datetime],
                 parent: QObject | None = None, *, step: str = "",
                 save: SaveDraft = _save_draft, read_only: bool = False) -> None:
        super().__init__(parent)
        self.read_only = read_only
        self._writer = writer
        self._save = save
        self._consult = consult
        self._step = step  # the step shown, as stored
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._try_again)
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
        self._retry.stop()
        self._stopped = True

    def _try_again(self) -> None:
        if self.dirty and not self._stopped and not self._timer.isActive():
            self.flush()

    def set_consult(self, consult: Consult) -> None:
        """The session's consult was replaced (by the stored record after signing)."""
        self._timer.stop()
        self._consult = consult
        self._stored = copy.deepcopy(consult)
        self._saved_revision = self._revision

    def set_step(self, step_id: str) -> None:
        """The window shows another step: store it with the draft (soon)."""
        if step_id != self._step:
            self._step = step_id
            self.schedule()

    def schedule(self) -> None:
        """A change was made: save soon (restarts the debounce timer)."""
        if not self._consult.is_locked and not self._stopped and not self.read_only:
            self._revision += 1
            self._timer.start()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    @property
    def dirty(self) -> bool:
        """Changes the database has not confirmed yet (waiting, being written, or failed)."""
        return (not self._consult.is_locked and not self.read_only
                and self._saved_revision < self._revision)

    def flush(self) -> None:
        """Hand the current state to the writer now."""
        self._timer.stop()
        if self._consult.is_locked or self._stopped or self.read_only:
            return
        now = self._clock()
        # a clock set back (daylight saving, a wrong clock fixed) must not make the draft unsavable
        self._consult.updated_at = max(now, self._consult.created_at)
        self._revision += 1
        revision = self._revision
        snapshot, held = savable_copy(self._consult, self._stored)
        save, step = self._save, self._step

        def write(db: Store) -> tuple[Consult, int]:
            save(db, snapshot, now, step)
            return snapshot, revision

        WriteOp(None, write).success(self._on_saved).failure(self._on_failed) \
            .run_in_background(self._writer, coalesce=f"consult:{snapshot.id}")
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
            if isinstance(error, (StorageError, DatabaseLockedError)) \
                    and not isinstance(error, EditConflictError):
                self._retry.start()
        else:
            self.last_error = self.tr("Not saved yet: the last change could not be stored. "
                                      "It will be tried again with the next change.")
        self.failed.emit(self.last_error)
