"""Work off the GUI thread, results delivered back on it.

Two helpers, one for each kind of work:

- :class:`DatabaseWriter` is the ONE thread that writes to the database, with its own
  connection (sqlite connections belong to a thread). Jobs run in order; a job submitted with a
  ``key`` replaces an earlier job with the same key that has not started yet, so a burst of
  autosaves becomes one write.
- :class:`TaskRunner` runs CPU or file work (PDF rendering, printing, creating keys) on a
  thread pool.

Both call ``on_done(result)`` or ``on_error(exception)`` on the GUI thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QRunnable,
    QThread,
    QThreadPool,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Bridge(QObject):
    """Lives on the GUI thread; signals emitted from workers are queued to it."""

    finished = Signal(object, object, object, object)  # on_done, on_error, result, error

    def __init__(self) -> None:
        super().__init__()
        self.finished.connect(self._deliver)

    @Slot(object, object, object, object)
    def _deliver(self, on_done: Done | None, on_error: Failed | None, result: object,
                 error: BaseException | None) -> None:
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background job failed", exc_info=error)
        elif on_done is not None:
            on_done(result)


@dataclass(slots=True)
class _Job:
    fn: Callable[[Any], Any]
    on_done: Done | None
    on_error: Failed | None
    key: str | None = None
    started: bool = field(default=False)


class DatabaseWriter(QThread):
    """The single database writer thread. ``open_db(path)`` opens its own connection."""

    def __init__(self, database_path: Path, open_db: Callable[[Path], Any]) -> None:
        super().__init__()
        self._path = database_path
        self._open_db = open_db
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._bridge = _Bridge()
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, fn: Callable[[Any], Any], on_done: Done | None = None,
               on_error: Failed | None = None, *, key: str | None = None) -> None:
        """Queue ``fn(db)``; with ``key``, replace a queued job with the same key."""
        with self._lock:
            self._idle.clear()
            if key is not None:
                job = self._pending.get(key)
                if job is not None and not job.started:
                    job.fn, job.on_done, job.on_error = fn, on_done, on_error
                    return
            job = _Job(fn, on_done, on_error, key)
            if key is not None:
                self._pending[key] = job
            self._queue.put(job)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every queued job ran (used on close and before signing)."""
        return self._idle.wait(timeout)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every queued job ran, then deliver their results now, on this (GUI)
        thread, without running the event loop. False when the jobs did not finish in time.

        Used when closing: a failed last save must be known before the window goes away.
        """
        idle = self._idle.wait(timeout)
        self.deliver()
        return idle

    def deliver(self) -> None:
        """Call the ``on_done``/``on_error`` of jobs that finished but are not delivered yet."""
        QCoreApplication.sendPostedEvents(self._bridge, QEvent.Type.MetaCall)

    def stop(self) -> None:
        self._queue.put(None)
        self.wait()

    def run(self) -> None:
        db = self._open_db(self._path)
        try:
            while True:
                job = self._queue.get()
                if job is None:
                    break
                with self._lock:
                    job.started = True
                    if job.key is not None and self._pending.get(job.key) is job:
                        del self._pending[job.key]
                try:
                    result, error = job.fn(db), None
                except Exception as exc:  # delivered to the GUI thread, never lost
                    result, error = None, exc
                self._bridge.finished.emit(job.on_done, job.on_error, result, error)
                with self._lock:
                    if self._queue.empty():
                        self._idle.set()
        finally:
            db.close()
            self._idle.set()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], on_done: Done | None, on_error: Failed | None,
                 bridge: _Bridge) -> None:
        super().__init__()
        self._fn, self._on_done, self._on_error, self._bridge = fn, on_done, on_error, bridge

    def run(self) -> None:
        try:
            result, error = self._fn(), None
        except Exception as exc:
            result, error = None, exc
        self._bridge.finished.emit(self._on_done, self._on_error, result, error)


class TaskRunner:
    """Runs ``fn()`` on a thread pool (long work that does not touch the database)."""

    def __init__(self) -> None:
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(2)
        self._bridge = _Bridge()

    def run(self, fn: Callable[[], Any], on_done: Done | None = None,
            on_error: Failed | None = None) -> None:
        self._pool.start(_Runnable(fn, on_done, on_error, self._bridge))

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)
