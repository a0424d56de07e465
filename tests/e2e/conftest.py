"""One real run of ``consult-aid demo`` for the e2e session; tests that change files get a copy.

The demo creates a signing identity, renders, signs and archives a summary and writes the
handouts. Doing that once and copying its folders keeps every test on a real signed demo (the
same files the command wrote) without paying for the command in every test.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.cli.documents import PASSWORD_ENV
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository


@dataclass(frozen=True, slots=True)
class DemoRun:
    data: Path  # the --data-dir: database, archive, signing identity
    out: Path  # the --out folder: summary-<id>.pdf and the handouts
    printed: str  # what the command printed on standard output
    consult_id: str

    @property
    def summary(self) -> Path:
        (summary,) = self.out.glob("summary-*.pdf")
        return summary


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo as the command left it. Read it; never change it (use ``demo_copy``)."""
    root = tmp_path_factory.mktemp("demo-run")
    data, out = root / "data", root / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.delenv(PASSWORD_ENV, raising=False)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["--data-dir", str(data), "demo", "--out", str(out)])
    assert code == 0, stderr.getvalue()
    assert len(list(out.glob("summary-*.pdf"))) == 1
    with open_database(data / "consult-aid.sqlite3") as db:
        (summary,) = ConsultRepository(db).summaries()
    return DemoRun(data, out, stdout.getvalue(), summary.id)


@pytest.fixture
def demo_copy(demo_run: DemoRun, tmp_path: Path) -> DemoRun:
    """A private copy of the demo's data folder and output, for a test that changes them."""
    copy = DemoRun(tmp_path / "data", tmp_path / "out", demo_run.printed, demo_run.consult_id)
    shutil.copytree(demo_run.data, copy.data)
    shutil.copytree(demo_run.out, copy.out)
    return copy
