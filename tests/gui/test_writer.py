"""The database writer thread: a burst of writes with one key becomes one write; others all run.

A real DatabaseWriter (its own thread, its own connection to a real SQLite file), held busy by a
first job the way a slow disk would hold it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.storage import Database, open_database
from consult_aid.ui.worker import DatabaseWriter, TaskRunner


@pytest.fixture
def writer(tmp_path: Path, qapp: QApplication) -> Iterator[DatabaseWriter]:
    thread = DatabaseWriter(tmp_path / "writer.sqlite3", open_database)
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


def hold(writer: DatabaseWriter, *, key: str | None = None) -> threading.Event:
    """Start a job that keeps the writer busy until the returned event is set."""
    gate, started = threading.Event(), threading.Event()

    def busy(_db: Database) -> str:
        started.set()
        assert gate.wait(10)
        return "held"

    writer.submit(busy, key=key)
    assert started.wait(5), "the writer thread did not start the first job"
    return gate


class Recorder:
    """Jobs that note their number when they run, and on_done callbacks that note theirs."""

    def __init__(self) -> None:
        self.ran: list[object] = []
        self.done: list[tuple[object, object]] = []
        self.thread_ids: set[int] = set()

    def job(self, number: object):  # type: ignore[no-untyped-def]
        def write(db: Database) -> object:
            db.connection.execute("SELECT 1").fetchone()  # the writer's own open database
            self.thread_ids.add(threading.get_ident())
            self.ran.append(number)
            return number
        return write

    def on_done(self, number: object):  # type: ignore[no-untyped-def]
        return lambda result: self.done.append((number, result))


def test_queued_jobs_with_the_same_key_collapse_into_the_last(writer: DatabaseWriter) -> None:
    record = Recorder()
    gate = hold(writer)
    for number in range(1, 6):
        writer.submit(record.job(number), record.on_done(number), key="consult-1")
    gate.set()
    assert writer.settle(10)
    assert record.ran == [5]
    assert record.done == [(5, 5)]
    assert threading.get_ident() not in record.thread_ids  # written off the GUI thread


def test_jobs_with_different_keys_or_none_all_run_in_order(writer: DatabaseWriter) -> None:
    record = Recorder()
    gate = hold(writer)
    for number, key in ((1, "consult-1"), (2, "consult-2"), (3, None), (4, None),
                        (5, "settings")):
        writer.submit(record.job(number), record.on_done(number), key=key)
    gate.set()
    assert writer.settle(10)
    assert record.ran == [1, 2, 3, 4, 5]
    assert record.done == [(n, n) for n in range(1, 6)]


def test_a_job_already_running_is_not_replaced_by_one_with_its_key(
        writer: DatabaseWriter) -> None:
    record = Recorder()
    gate = hold(writer, key="consult-1")  # started: too late to replace
    writer.submit(record.job("after"), record.on_done("after"), key="consult-1")
    gate.set()
    assert writer.settle(10)
    assert record.ran == ["after"]
    assert record.done == [("after", "after")]


class _Tracked:
    """An object that records on which thread it was freed."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self, value: str = "") -> None:
        self.value = value

    def __call__(self, *_args: object) -> _Tracked:
        return _Tracked("result")

    def __del__(self) -> None:
        _Tracked.freed_on.append(threading.current_thread().name)


def test_work_callbacks_and_results_are_freed_on_the_gui_thread(
        writer: DatabaseWriter, qtbot: QtBot) -> None:
    """A Qt object's wrapper freed on a worker thread can crash Qt; so everything a job held
    (the work, its callbacks, its result) is let go on the GUI thread."""
    _Tracked.freed_on.clear()
    tasks = TaskRunner()
    delivered: list[str] = []
    for _ in range(20):
        tasks.run(_Tracked(), lambda r: delivered.append(r.value))
        writer.submit(_Tracked(), lambda r: delivered.append(r.value))
    assert tasks.wait(10_000) and writer.wait_idle(10)
    qtbot.waitUntil(lambda: len(delivered) == 40, timeout=10_000)
    assert delivered == ["result"] * 40
    gc.collect()
    gui = threading.current_thread().name
    assert set(_Tracked.freed_on) == {gui}
    assert len(_Tracked.freed_on) >= 80  # 40 pieces of work, 40 results
