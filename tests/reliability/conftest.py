"""Set-up shared by the reliability suite: its markers, the summary table, and the data folders
every SIGKILL trial starts from (each made once per session by the real command, which also
measures how long that command runs: the window the kills are spread over)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from consult_aid.datadir import DataFolder
from consult_aid.resources import resource_path
from consult_aid.services.consults import import_json
from consult_aid.services.store import open_store
from tests.signed_in import add_account, sign_in_db

from .harness import (
    FULL,
    PASSWORD,
    REPORT,
    USER,
    child_env,
    cli,
    in_process,
    run,
    summary_lines,
    write_report,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the suite's tests; outside the full run, leave out those marked reliability_full
    (deselected, so that `make test` does not list them one by one)."""
    left_out = []
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.reliability)
        if not FULL and item.get_closest_marker("reliability_full") is not None:
            left_out.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in left_out]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = summary_lines()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
    if REPORT:
        write_report(REPORT)
        terminalreporter.write_line(f"figures written to {REPORT}")


# -- the data folders the trials start from --------------------------------------------------
@dataclass(frozen=True)
class Template:
    data: Path  # the --data-dir to copy for each trial
    seconds: float  # how long the measured command ran
    consult_id: str = ""
    extra: Path | None = None  # an input file (the export to import)

    def copy(self, to: Path) -> Path:
        shutil.copytree(self.data, to)
        return to


def _consult_id(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    assert match, text
    return match.group(1)


@pytest.fixture(scope="session")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """`demo` in a fresh folder, run to its end: a folder with a signing identity and one
    signed consult; the time it took is the first-run kill window."""
    root = tmp_path_factory.mktemp("template-first-run")
    ran = run(cli(root / "data", "demo", "--out", str(root / "out")), env=child_env())
    assert ran.code == 0, ran.text
    return Template(root / "data", ran.seconds,
                    _consult_id(ran.out, r"Archived as consult ([0-9a-f]{32})"))


@pytest.fixture(scope="session")
def signing(first_run: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The folder `demo` signs into when it already has its identity (the signing window)."""
    root = tmp_path_factory.mktemp("template-signing")
    data = first_run.copy(root / "measure")
    ran = run(cli(data, "demo", "--out", str(root / "out")), env=child_env())
    assert ran.code == 0, ran.text
    return Template(first_run.data, ran.seconds, first_run.consult_id)


@pytest.fixture(scope="session")
def addendum(first_run: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A signed consult to amend; the data folder after one `addendum` is kept to export."""
    root = tmp_path_factory.mktemp("template-addendum")
    data = first_run.copy(root / "amended")
    ran = run(cli(data, "addendum", first_run.consult_id, "--text", "Measured addendum."),
              env=child_env(password=PASSWORD))
    assert ran.code == 0, ran.text
    return Template(first_run.data, ran.seconds, first_run.consult_id, extra=data)


@pytest.fixture(scope="session")
def importing(addendum: Template, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Another clinic's folder that trusts the first one's certificate, and the signed,
    amended consult exported from the first (JSON, summary PDF, addendum PDF)."""
    assert addendum.extra is not None
    root = tmp_path_factory.mktemp("template-import")
    exported = root / "export" / "consult.json"
    ran = in_process(addendum.extra, "export", addendum.consult_id, "--json", "--out",
                     str(exported))
    assert ran.code == 0, ran.text
    assert len(list(exported.parent.glob("consult.addendum-*.pdf"))) == 1
    partner = root / "partner"  # another clinic: its own folder and account
    with open_store(DataFolder(partner).ensure().database) as db:
        add_account(db, USER, "Dr. Jo Partner", password=PASSWORD)
    ran = in_process(partner, "trust", "add", str(addendum.extra / "identity" / "accounts" / USER
                                                       / "certificate.pem"))
    assert ran.code == 0, ran.text
    measure = shutil.copytree(partner, root / "measure")
    ran = run(cli(measure, "import", str(exported)), env=child_env())
    assert ran.code == 0 and "Imported consult" in ran.out, ran.text
    return Template(partner, ran.seconds, addendum.consult_id, extra=exported)


@pytest.fixture(scope="session")
def draft_folder(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A data folder holding the demo consult as a draft (for the autosave writer)."""
    data = tmp_path_factory.mktemp("template-draft") / "data"
    data.mkdir(mode=0o700)
    with open_store(data / "consult-aid.sqlite3") as db:
        sign_in_db(db, USER, "Dr. Sam Rivera", password=PASSWORD)
        consult = import_json(db, resource_path("demo", "demo-consult.json").read_bytes())
    return Template(data, 0.0, consult.id)
