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
from typing import Any

from PySide6.QtCore import (
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


# on_done, on_error, result, error, and the work itself (released on the GUI thread too)
_Result = tuple[Done | None, Failed | None, object, BaseException | None, object]


class _Bridge(QObject):
    """Lives on the GUI thread; workers hand it their results, which it delivers there.

    A worker puts its result in a queue and drops every reference it held (the job, its
    callbacks, the result) *before* waking the GUI thread, and the one bridge lives as long as
    the program: so no Python object — above all no Qt object's wrapper — is ever freed on a
    worker thread, and nothing is delivered to a bridge that is gone. (A bridge per runner,
    freed by the pool thread holding its last reference while the GUI thread delivered to it,
    crashed Qt at a test's teardown.)
    """

    ready = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._results: queue.SimpleQueue[_Result] = queue.SimpleQueue()
        self.ready.connect(self.deliver)

    def post(self, item: _Result) -> None:
        """Any thread: queue ``item`` for delivery on the GUI thread."""
        self._results.put(item)
        self.ready.emit()

    @Slot()
    def deliver(self) -> None:
        """GUI thread: call the callbacks of every result handed over so far."""
        while True:
            try:
                on_done, on_error, result, error, _work = self._results.get_nowait()
            except queue.Empty:
                return
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log.error("background job failed", exc_info=error)
            elif on_done is not None:
                on_done(result)


_BRIDGE: _Bridge | None = None


def _gui_bridge() -> _Bridge:
    """The program's one bridge, made on first use (on the GUI thread) and never freed."""
    global _BRIDGE
    if _BRIDGE is None:
        _BRIDGE = _Bridge()
    return _BRIDGE


@dataclass(slots=True)
class _Job:
    fn: Callable[[Any], Any]
    on_done: Done | None
    on_error: Failed | None
    key: str | None = None
    started: bool = field(default=False)


class DatabaseWriter(QThread):
    """The single database writer thread. ``open_db(path)`` opens its own connection."""

    def __init__(self, database_path: Any, open_db: Callable[[Any], Any]) -> None:
        super().__init__()
        self._path = database_path
        self._open_db = open_db
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._pending: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._bridge = _gui_bridge()
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
        self._bridge.deliver()

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
                item: _Result = (job.on_done, job.on_error, result, error, job)
                del job, result, error  # the GUI thread holds the only references now
                self._bridge.post(item)
                del item
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
        self._fn: Callable[[], Any] | None = fn
        self._callbacks: tuple[Done | None, Failed | None] | None = (on_done, on_error)
        self._bridge = bridge

    def run(self) -> None:
        fn, self._fn = self._fn, None
        callbacks, self._callbacks = self._callbacks, None
        assert fn is not None and callbacks is not None
        try:
            result, error = fn(), None
        except Exception as exc:
            result, error = None, exc
        item: _Result = (callbacks[0], callbacks[1], result, error, fn)
        del fn, callbacks, result, error  # the GUI thread holds the only references now
        self._bridge.post(item)
        del item


class TaskRunner:
    """Runs ``fn()`` on a thread pool (long work that does not touch the database)."""

    def __init__(self) -> None:
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(2)
        self._bridge = _gui_bridge()
        self._stops: list[Callable[[], object]] = []

    def run(self, fn: Callable[[], Any], on_done: Done | None = None,
            on_error: Failed | None = None, *, stop: Callable[[], object] | None = None) -> None:
        """``fn()`` on the pool; ``stop`` (optional) ends it early when the data folder
        closes (:meth:`stop_long_work`): work that only looks, such as the whole check."""
        if stop is not None:
            self._stops.append(stop)
        self._pool.start(_Runnable(fn, on_done, on_error, self._bridge))

    def stop_long_work(self) -> None:
        """Stop the work started with a ``stop`` (closing must not wait minutes for it)."""
        stops, self._stops = self._stops, []
        for stop in stops:
            stop()

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)
