"""The log's rotating handler is made when the first line is logged (issue 16: start-up): the
file is opened (and owner-only) at once, but ``logging.handlers`` (with ``socket``, ``pickle``
and ``queue``) is imported only then, and no line is lost or doubled on the way."""

from __future__ import annotations

import logging
import logging.handlers
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from consult_aid import logs


@pytest.fixture
def consult_aid_logger() -> Iterator[logging.Logger]:
    """The ``consult_aid`` logger, with its handlers and level as before the test."""
    logger = logging.getLogger("consult_aid")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_configuring_the_log_opens_the_file_without_importing_logging_handlers(
        tmp_path: Path) -> None:
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from consult_aid.logs import configure_logging\n"
            f"path = configure_logging(Path({str(tmp_path)!r}))\n"
            "print(path is not None, 'logging.handlers' in sys.modules, 'socket' in sys.modules)\n"
            "import logging\n"
            "logging.getLogger('consult_aid.test').info('the first line')\n"
            "print('logging.handlers' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["True", "False", "False", "True"]
    log = tmp_path / "consult-aid.log"
    assert "the first line" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_the_first_line_puts_the_rotating_handler_in_place_and_reaches_each_handler_once(
        tmp_path: Path, consult_aid_logger: logging.Logger) -> None:
    path = logs.configure_logging(tmp_path)
    assert path == tmp_path / "consult-aid.log"
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600  # opened at once
    waiting = consult_aid_logger.handlers[-1]
    assert not isinstance(waiting, logging.handlers.RotatingFileHandler)
    after = Lines()  # a handler after the log's: the swap must not make it miss the line
    consult_aid_logger.addHandler(after)
    logging.getLogger("consult_aid.test").info("one")
    logging.getLogger("consult_aid.test").info("two")
    ours = [h for h in consult_aid_logger.handlers
            if getattr(h, "baseFilename", None) == str(path)]
    assert len(ours) == 1 and isinstance(ours[0], logging.handlers.RotatingFileHandler)
    assert consult_aid_logger.handlers.index(ours[0]) < consult_aid_logger.handlers.index(after)
    assert after.lines == ["one", "two"]
    ours[0].flush()
    text = path.read_text(encoding="utf-8")
    assert text.count(": one\n") == 1 and text.count(": two\n") == 1
    assert logs.configure_logging(tmp_path) == path  # once per file
    assert len([h for h in consult_aid_logger.handlers
                if getattr(h, "baseFilename", None) == str(path)]) == 1


def test_a_log_that_cannot_be_opened_is_none_and_nothing_is_added(
        tmp_path: Path, consult_aid_logger: logging.Logger) -> None:
    before = list(consult_aid_logger.handlers)
    assert logs.configure_logging(tmp_path / "missing") is None
    assert consult_aid_logger.handlers == before


def test_a_log_closed_before_any_line_closes_its_file(tmp_path: Path,
                                                      consult_aid_logger: logging.Logger
                                                      ) -> None:
    path = logs.configure_logging(tmp_path)
    assert path is not None
    waiting = consult_aid_logger.handlers[-1]
    consult_aid_logger.removeHandler(waiting)
    waiting.close()
    stream = waiting._stream  # type: ignore[attr-defined]
    assert stream.closed
