"""Start-up stays light: opening the window or listing consults does not import the signing,
report or validation libraries (pyHanko, reportlab, aiohttp, fhir.resources, pydantic); they
are imported when first needed, inside the functions that sign, render or verify (issue 16).

Each check runs in a fresh interpreter, as ``sys.modules`` of the test process already holds
everything the other tests imported. (``fhir`` itself is always there: the namespace package's
``.pth`` file puts it in ``sys.modules`` at interpreter start; ``fhir.resources`` is the heavy
part.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult_aid.datadir import DataFolder
from consult_aid.services.store import open_store
from tests.signed_in import add_account, folder_for_commands

HEAVY = ("pyhanko", "pyhanko_certvalidator", "reportlab", "aiohttp", "fhir.resources",
         "pydantic")


def heavy_modules_after(code: str, env: dict[str, str] | None = None,
                        heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code`` in a fresh
    interpreter."""
    probe = (f"{code}\n"
             "import json, sys\n"
             f"heavy = {heavy!r}\n"
             "print(json.dumps(sorted(h for h in heavy if h in sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_probe_sees_a_heavy_import() -> None:
    """The check itself works: a module that does import reportlab is seen doing so."""
    assert heavy_modules_after("import reportlab") == ["reportlab"]


def test_importing_the_window_module_imports_no_signing_report_or_validation_library(
        ) -> None:
    assert heavy_modules_after("import consult_aid.ui.app") == []


def test_importing_the_main_window_imports_none_either() -> None:
    assert heavy_modules_after("import consult_aid.ui.main_window") == []


@pytest.mark.parametrize("command", [["list"], ["list", "--limit", "50"], ["search", "Smith"]])
def test_listing_or_searching_from_the_command_line_imports_none(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``consult-aid list`` and ``search``, run whole (signing in) on a data folder that has
    its database (so the start-up check reads it), import only what they use."""
    argv = ["--data-dir", str(folder_for_commands(tmp_path / "data", monkeypatch)), *command]
    assert heavy_modules_after(_run_main(argv, times=1)) == []


@pytest.mark.gui
def test_the_window_imports_none_up_to_its_first_paint(tmp_path: Path) -> None:
    """The window opened on a data folder (its second start: the database is there, the
    setup page shows) and quit after its first paint imports none of them either."""
    from consult_aid.ui.app import QUIT_AFTER_FIRST_PAINT

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", QUIT_AFTER_FIRST_PAINT: "1"}
    argv = ["--data-dir", str(tmp_path / "data")]
    assert heavy_modules_after(_run_main(argv, times=1), env=env) == []  # makes the database
    assert heavy_modules_after(_run_main(argv, times=1), env=env) == []
    with open_store(DataFolder(tmp_path / "data").database) as db:
        add_account(db)  # from now on the window opens at its sign-in page
    # ... which needs neither the packs (read after the paint) nor the signing key's library
    later = (*HEAVY, "consult_aid.content.loader", "tomllib", "cryptography")
    assert heavy_modules_after(_run_main(argv, times=1), env=env, heavy=later) == []


# What the sign-in page, the first screen of a start on a folder with accounts, is painted
# without (issue 16): the start-up check and the database layer (they run right after the
# paint), the domain, the packs, the other pages and their widgets, the dialogs (and Qt's
# printing library), the writer thread and the window's context, the password hashing, the
# log's rotating handler (made by the first line logged: consult_aid.logs).
AFTER_FIRST_PAINT = (
    "consult_aid.services.check", "consult_aid.services.store", "consult_aid.services.accounts",
    "consult_aid.services.demo", "consult_aid.storage.database", "consult_aid.domain",
    "consult_aid.content", "consult_aid.ui.start_screen", "consult_aid.ui.startup_check",
    "consult_aid.ui.widgets", "consult_aid.ui.dialogs", "consult_aid.ui.worker",
    "consult_aid.ui.operations", "consult_aid.ui.backup_flow", "consult_aid.ui.setup_page",
    "consult_aid.ui.errors", "consult_aid.ui.idle_lock", "consult_aid.ui.context",
    "logging.handlers", "argon2", "PySide6.QtPrintSupport", "tomllib", "cryptography", *HEAVY)

# sys.modules when the window is first painted (the benchmark's quit-after-paint filter sees
# the Paint event), printed as JSON; null when it never painted.
_AT_FIRST_PAINT = """
import contextlib, io, json, sys
from PySide6.QtCore import QEvent
from consult_aid.ui import app
seen = []
class AtFirstPaint(app._QuitAfterFirstPaint):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not seen:
            seen.append(sorted(sys.modules))
        return super().eventFilter(watched, event)
app._QuitAfterFirstPaint = AtFirstPaint
from consult_aid.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(ARGV) == 0
print(json.dumps(seen[0] if seen else None))
"""


def modules_at_first_paint(data: Path) -> list[str]:
    from consult_aid.ui.app import QUIT_AFTER_FIRST_PAINT

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", QUIT_AFTER_FIRST_PAINT: "1"}
    code = _AT_FIRST_PAINT.replace("ARGV", repr(["--data-dir", str(data)]))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert modules, "the window was never painted"
    return list(modules)


def imported(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The packages of ``names`` with a module in ``modules``."""
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.mark.gui
def test_the_sign_in_page_is_painted_before_the_rest_is_imported(tmp_path: Path) -> None:
    """A start on a folder with accounts paints its sign-in page having imported only what
    that page needs; the check and the rest follow the paint (tests/gui/
    test_startup_sign_in_gate.py: the check still gates the sign-in)."""
    data = DataFolder(tmp_path / "data").ensure()
    with open_store(data.database) as db:
        add_account(db)
    assert imported(modules_at_first_paint(data.root), AFTER_FIRST_PAINT) == []


@pytest.mark.gui
def test_a_folder_without_accounts_is_checked_and_opened_before_its_first_paint(
        tmp_path: Path) -> None:
    """The probe sees what is imported before the paint: a folder with no account yet (its
    setup page shows) is checked and opened first, as before issue 16."""
    data = DataFolder(tmp_path / "data").ensure()
    open_store(data.database).close()
    before = imported(modules_at_first_paint(data.root), AFTER_FIRST_PAINT)
    assert {"consult_aid.services.check", "consult_aid.storage.database",
            "consult_aid.ui.start_screen"} <= set(before)


def _run_main(argv: list[str], *, times: int) -> str:
    return ("import contextlib, io\n"
            "from consult_aid.cli import main\n"
            f"for _ in range({times}):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            f"        assert main({argv!r}) == 0\n")


def test_each_command_is_registered_by_the_module_named_for_it() -> None:
    """``main`` imports only the module :data:`~consult_aid.cli.COMMANDS` names for the
    command given: that module must register it, and every command must be named."""
    from consult_aid.cli import COMMAND_MODULES, COMMANDS, build_parser, command_modules

    every = build_parser()._subparsers._group_actions[0].choices
    assert set(COMMANDS) == set(every)
    assert set(COMMANDS.values()) == set(COMMAND_MODULES)
    for command, module in COMMANDS.items():
        assert command_modules([command]) == (module,)
        alone = build_parser([command])._subparsers._group_actions[0].choices
        assert command in alone


@pytest.mark.parametrize(("argv", "expected"), [
    ([], ("consult_aid.cli.gui",)),
    (["--read-only"], ("consult_aid.cli.gui",)),
    (["--data-dir", "list", "search", "x"], ("consult_aid.cli.consults",)),
    (["--data-dir=/tmp/x", "--read-only", "check"], ("consult_aid.cli.documents",)),
    (["--data", "/tmp/x", "trust", "list"], ("consult_aid.cli.trust",)),
    (["--database", "postgresql://c@h/d", "list"], ("consult_aid.cli.consults",)),
    (["--help"], None),
    (["-h", "list"], None),
    (["--he"], None),
    (["no-such-command"], None),
])
def test_the_command_is_found_before_parsing(argv: list[str],
                                             expected: tuple[str, ...] | None) -> None:
    """Global options (``--data-dir DIR`` and its abbreviations) are skipped; help and an
    unknown command get every module (the whole help, argparse's list of choices)."""
    from consult_aid.cli import COMMAND_MODULES, command_modules

    assert command_modules(argv) == (expected or COMMAND_MODULES)


def test_the_postgresql_driver_is_imported_only_for_a_server() -> None:
    """psycopg (and libpq) load only when a server address is used: a PC with its own SQLite
    archive never pays for them."""
    import subprocess
    import sys

    code = ("import sys, tempfile, pathlib\n"
            "from consult_aid.services.store import open_store\n"
            "from consult_aid.datadir import resolve\n"
            "root = pathlib.Path(tempfile.mkdtemp())\n"
            "open_store(resolve(root, {}).archive).close()\n"
            "print('psycopg' in sys.modules)\n")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert shown == "False"
