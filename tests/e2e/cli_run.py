"""Running ``consult-aid`` in the test process, the way a script runs it."""

from __future__ import annotations

import pytest

from consult_aid.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``consult-aid ARGV...``: its exit code and all it printed (standard output, then
    standard error)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err
