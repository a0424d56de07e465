"""One real run of ``consult-aid demo`` for the e2e session; tests that change files get a copy.

The demo creates its account (srivera) and that account's signing identity, renders, signs and
archives a summary and writes the handouts. Doing that once and copying its folders keeps every
test on a real signed demo (the same files the command wrote) without paying for the command in
every test.

Every command signs in: each test runs as the demo's account (``CONSULT_AID_USER`` and
``CONSULT_AID_PASSWORD``, set in the environment so that a ``consult-aid`` subprocess inherits
them too); a test on a folder of its own makes an account there first (:func:`init_account`).
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.cli.auth import PASSWORD_FILE_VAR, PASSWORD_VAR, USER_VAR
from consult_aid.services.demo import DEMO_PASSWORD, DEMO_USER
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.signed_in import signed_database

NEW_PASSWORD_FILE_VAR = "CONSULT_AID_NEW_PASSWORD_FILE"


@pytest.fixture(autouse=True)
def demo_account_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands sign in as the demo's account (subprocesses inherit it)."""
    monkeypatch.setenv(USER_VAR, DEMO_USER)
    monkeypatch.setenv(PASSWORD_VAR, DEMO_PASSWORD)
    monkeypatch.delenv(PASSWORD_FILE_VAR, raising=False)
    monkeypatch.delenv(NEW_PASSWORD_FILE_VAR, raising=False)


def init_account(data: Path, username: str = DEMO_USER, password: str = DEMO_PASSWORD,
                 display_name: str = "Dr. Sam Rivera") -> None:
    """The first account (administrator and clinician) of the data folder ``data``, made in
    its real database (created when missing) — with the environment's account by default."""
    data.mkdir(parents=True, exist_ok=True)
    with signed_database(data / "consult-aid.sqlite3", username, display_name,
                         password=password):
        pass


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
        env.delenv(USER_VAR, raising=False)  # the demo signs in as its own account by itself
        env.delenv(PASSWORD_VAR, raising=False)
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
