"""Every write the window makes is a service call run through :class:`WriteOp`.

In the spirit of Anki's ``CollectionOp(parent, op).success(...).run_in_background()``::

    WriteOp(self, lambda db: add_patient(db, patient, today=today)) \\
        .success(self._added).finally_(lambda: button.setEnabled(True)) \\
        .run_in_background(self.ctx.writer)

The operation runs on the single database writer thread (with the writer's own connection);
``success(result)`` or the failure handler runs back on the GUI thread. Failures are shown to
the clinician by default (a calm dialog for a known error; a bug is logged and the dialog says
where); ``failure(fn)`` replaces that, for a page that shows the problem itself.
:class:`BackgroundOp` is the same for work that does not touch the database (rendering a PDF,
printing), run on the task pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Self, TypeVar

from PySide6.QtWidgets import QWidget

from consult_aid.services.store import Store
from consult_aid.ui.errors import show_error
from consult_aid.ui.worker import DatabaseWriter, TaskRunner

T = TypeVar("T")


class _Op(Generic[T]):
    def __init__(self, parent: QWidget | None) -> None:
        self._parent = parent
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None
        self._finally: Callable[[], object] | None = None

    def success(self, fn: Callable[[T], object]) -> Self:
        """Call ``fn(result)`` on the GUI thread when the operation succeeded."""
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], object]) -> Self:
        """Call ``fn(error)`` instead of showing the error (the caller shows it itself)."""
        self._on_failure = fn
        return self

    def finally_(self, fn: Callable[[], object]) -> Self:
        """Call ``fn()`` on the GUI thread after success or failure (re-enable a button)."""
        self._finally = fn
        return self

    def _done(self, result: T) -> None:
        if self._finally is not None:
            self._finally()
        if self._on_success is not None:
            self._on_success(result)

    def _failed(self, error: BaseException) -> None:
        if self._finally is not None:
            self._finally()
        if self._on_failure is not None:
            self._on_failure(error)
        else:
            show_error(self._parent, error)


class WriteOp(_Op[T]):
    """A service call on the database writer thread."""

    def __init__(self, parent: QWidget | None, op: Callable[[Store], T]) -> None:
        super().__init__(parent)
        self._op = op

    def run_in_background(self, writer: DatabaseWriter, *, coalesce: str | None = None) -> None:
        """Queue the call. With ``coalesce``, a queued call with the same key that has not
        started yet is replaced by this one (a burst of autosaves becomes one write)."""
        writer.submit(self._op, self._done, self._failed, key=coalesce)


class BackgroundOp(_Op[T]):
    """Work that does not touch the database, on the task pool."""

    def __init__(self, parent: QWidget | None, op: Callable[[], T]) -> None:
        super().__init__(parent)
        self._op = op

    def run_in_background(self, tasks: TaskRunner) -> None:
        tasks.run(self._op, self._done, self._failed)
