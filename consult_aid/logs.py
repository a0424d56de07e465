"""Log to the data folder. Log lines carry ids and counts, never patient names or text."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_configured: set[Path] = set()


def configure_logging(folder: Path, level: int = logging.INFO) -> Path:
    """Log Consult Aid's messages to ``folder``/consult-aid.log (rotated); returns that path."""
    path = folder / "consult-aid.log"
    if path in _configured:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("consult_aid")
    root.addHandler(handler)
    root.setLevel(level)
    _configured.add(path)
    return path
