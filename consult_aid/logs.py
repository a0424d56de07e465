"""Log to the data folder. Log lines carry ids and counts, never patient names or text.

The log is a help, never a condition: when it cannot be opened (a read-only data folder, a full
disk) nothing is logged, and a line that cannot be written is dropped — neither stops a command
nor prints anything. Log files are owner-only (0600), like everything in the data folder.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path

_configured: set[Path] = set()


class _OwnerOnlyLog(logging.handlers.RotatingFileHandler):
    """A rotated log whose files are created 0600, and that drops what it cannot write."""

    def _open(self) -> io.TextIOWrapper:
        stream = open(self.baseFilename, self.mode, encoding=self.encoding,  # noqa: SIM115
                      errors=self.errors, opener=_owner_only)
        assert isinstance(stream, io.TextIOWrapper)
        return stream

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A full disk or a vanished folder: the line is lost, quietly (no traceback)."""


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def configure_logging(folder: Path, level: int = logging.INFO) -> Path | None:
    """Log Consult Aid's messages to ``folder``/consult-aid.log (rotated); returns that path,
    or None when the log cannot be opened (then nothing is logged)."""
    path = folder / "consult-aid.log"
    if path in _configured:
        return path
    try:
        handler = _OwnerOnlyLog(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("consult_aid")
    root.addHandler(handler)
    root.setLevel(level)
    _configured.add(path)
    return path
