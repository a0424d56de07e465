"""Log to the data folder. Log lines carry ids and counts, never patient names or text.

The log is a help, never a condition: when it cannot be opened (a read-only data folder, a full
disk) nothing is logged, and a line that cannot be written is dropped — neither stops a command
nor prints anything. Log files are owner-only (0600), like everything in the data folder.

Start-up (issue 16): the log file is opened by :func:`configure_logging`, but the rotating
handler (``logging.handlers``, which imports ``socket``, ``pickle`` and ``queue``: ~6 ms) is made
only when the first line is logged; a window start logs nothing before its first paint.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # made (and logging.handlers imported) by the first line logged
    from logging.handlers import RotatingFileHandler

_configured: set[Path] = set()
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _open_log(path: str) -> io.TextIOWrapper:
    stream = open(path, "a", encoding="utf-8", opener=_owner_only)  # noqa: SIM115
    assert isinstance(stream, io.TextIOWrapper)
    return stream


def _rotating_log(path: str, stream: io.TextIOWrapper) -> RotatingFileHandler:
    """The log's handler: a rotated log whose files are created 0600, and that drops what it
    cannot write; it writes to ``stream`` (the file, opened already) until it rotates."""
    from logging.handlers import RotatingFileHandler

    class OwnerOnlyLog(RotatingFileHandler):
        def _open(self) -> io.TextIOWrapper:
            return _open_log(self.baseFilename)

        def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's
            """A full disk or a vanished folder: the line is lost, quietly (no traceback)."""

    handler = OwnerOnlyLog(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                           encoding="utf-8", delay=True)
    handler.stream = stream  # (delay: the handler has opened nothing itself)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


class _LogOnFirstLine(logging.Handler):
    """Holds the open log file until the first line is logged, then puts the rotating handler
    in its place on the logger (and hands that line, and every later one, to it)."""

    def __init__(self, logger: logging.Logger, path: str, stream: io.TextIOWrapper) -> None:
        super().__init__()
        self.baseFilename = path
        self._logger, self._stream = logger, stream
        self._real: logging.Handler | None = None
        self._making = threading.Lock()

    def real(self) -> logging.Handler:
        """The rotating handler (made now if no line was logged yet), in this one's place
        on the logger."""
        with self._making:
            if self._real is None:
                self._real = _rotating_log(self.baseFilename, self._stream)
                # in place: the logger may be handing this very line to its handlers
                handlers = self._logger.handlers
                if self in handlers:  # (else taken off the logger: so is the log)
                    handlers[handlers.index(self)] = self._real
            return self._real

    def handle(self, record: logging.LogRecord) -> bool:
        # (no filter of its own; the rotating handler's lock guards the file)
        try:
            real = self.real()
        except Exception:  # logging.handlers cannot be imported: the line is lost, quietly
            return False
        return bool(real.handle(record))

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)

    def flush(self) -> None:
        if self._real is not None:
            self._real.flush()

    def close(self) -> None:
        with self._making:
            if self._real is None:
                self._stream.close()
        super().close()


def configure_logging(folder: Path, level: int = logging.INFO) -> Path | None:
    """Log Consult Aid's messages to ``folder``/consult-aid.log (rotated); returns that path,
    or None when the log cannot be opened (then nothing is logged)."""
    path = folder / "consult-aid.log"
    if path in _configured:
        return path
    name = os.path.abspath(path)  # noqa: PTH100 - the handler's own baseFilename
    try:
        stream = _open_log(name)
    except OSError:
        return None
    root = logging.getLogger("consult_aid")
    root.addHandler(_LogOnFirstLine(root, name, stream))
    root.setLevel(level)
    _configured.add(path)
    return path
