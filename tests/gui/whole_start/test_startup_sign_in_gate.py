"""A start on a folder with accounts shows the sign-in page before the data folder is checked
(issue 16): the start-up check still runs (right after the first paint), and it gates the
sign-in. A sign-in asked for before the check goes ahead only when the folder passed; a
failed check shows the start-up choice, drops that sign-in, and nothing is signed in or
written.

These tests run the whole :func:`consult_aid.ui.app.run_app`, event loop and all; what the
clinician does between the first paint and the check is done by a wrapper of ``_Start.open``
(the step that checks and opens the folder)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.services import check
from consult_aid.services.accounts import SIGNED_IN
from consult_aid.services.check import CheckReport, Finding
from consult_aid.services.first_page import opens_at_sign_in
from consult_aid.services.store import open_store
from consult_aid.ui import app as app_module
from consult_aid.ui.app import QUIT_AFTER_FIRST_PAINT, run_app
from consult_aid.ui.main_window import READ_ONLY_CHECK_FAILED, MainWindow
from consult_aid.ui.startup_check import StartupDecision, StartupProblem
from tests.signed_in import TEST_PASSWORD, add_account

WAIT_MS = 15_000
DAMAGE = "damaged: *** in database main *** Page 7: btreeInitPage() returns error code 11"


def failing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up check finds damage (the folder itself reads well enough to show the
    sign-in page: the damage is where only the check looks)."""
    def damaged(path: Path, identity: Path | None = None) -> CheckReport:
        return CheckReport((Finding("database", DAMAGE),), 0, 0)

    monkeypatch.setattr(check, "quick_check", damaged)


def before_the_check(monkeypatch: pytest.MonkeyPatch, windows: list[MainWindow],
                     act: Callable[[MainWindow], None],
                     after: Callable[[MainWindow], None] | None = None) -> None:
    """``act`` on the shown window before the data folder is checked; ``after`` once open."""
    original = app_module._Start.open

    def open_(self: app_module._Start) -> None:
        if not self.started:
            windows.append(self.window)
            act(self.window)
        original(self)
        if after is not None and self.ctx is not None:
            after(self.window)

    monkeypatch.setattr(app_module._Start, "open", open_)


def ask_sign_in(window: MainWindow) -> None:
    """What a quick clinician does while the folder is checked: name, password, Sign in."""
    assert window.stack.currentWidget() is window.sign_in_page
    assert not window.ready
    page = window.sign_in_page
    page.username.setText("drtest")
    page.password.setText(TEST_PASSWORD)
    page.sign_in_button.click()


def sign_ins(data: DataFolder) -> int:
    with open_store(data.database, read_only=True) as db:
        row = db.query_one("SELECT count(*) FROM audit_log WHERE action = ?", (SIGNED_IN,))
    return int(row[0]) if row else 0


class Answers:
    """The clinician's answers to the start-up check, and what the window was like then."""

    def __init__(self, *answers: StartupDecision, windows: list[MainWindow] | None = None
                 ) -> None:
        self.answers = list(answers)
        self.windows = windows if windows is not None else []
        self.shown: list[StartupProblem] = []
        self.window_then: list[tuple[bool, str]] = []  # (ready, sign-in button text)

    def __call__(self, problem: StartupProblem) -> StartupDecision:
        self.shown.append(problem)
        for window in self.windows:
            self.window_then.append((window.ready, window.sign_in_page.sign_in_button.text()))
        return self.answers.pop(0)


def test_a_failed_check_after_the_first_paint_asks_and_the_sign_in_never_happens(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    failing_check(monkeypatch)
    before_the_check(monkeypatch, windows, ask_sign_in)
    answers = Answers(StartupDecision.QUIT, windows=windows)
    told: list[str] = []
    assert run_app(folder, tell=told.append, choose=answers) == 1
    [problem] = answers.shown  # the start-up choice, as for a check before the window
    assert any(DAMAGE in line for line in problem.findings)
    # asked while the sign-in waited: the window not open, its button saying so
    assert answers.window_then == [(False, "Opening…")]
    [window] = windows
    assert not window.ready and not hasattr(window, "ctx")
    assert sign_ins(folder) == 0 and told == []


def test_read_only_after_a_failed_check_drops_the_waiting_sign_in(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    failing_check(monkeypatch)
    seen: dict[str, object] = {}

    def opened(window: MainWindow) -> None:
        seen.update(read_only=window.ctx.read_only, check_failed=window.ctx.check_failed,
                    account=window.ctx.account, page=window.stack.currentWidget(),
                    name=window.sign_in_page.username.text(),
                    password=window.sign_in_page.password.text(),
                    banner=window.read_only_banner.text(),
                    button=window.sign_in_page.sign_in_button.isEnabled())

    before_the_check(monkeypatch, windows, ask_sign_in, opened)
    monkeypatch.setenv(QUIT_AFTER_FIRST_PAINT, "ready")  # quit once the folder is open
    answers = Answers(StartupDecision.READ_ONLY)
    assert run_app(folder, tell=pytest.fail, choose=answers) == 0
    [window] = windows
    assert seen["read_only"] and seen["check_failed"] and seen["account"] is None
    assert seen["page"] is window.sign_in_page  # afresh: what was typed is gone
    assert seen["name"] == "" and seen["password"] == "" and seen["button"]
    assert seen["banner"] == READ_ONLY_CHECK_FAILED
    assert sign_ins(folder) == 0


def test_a_sign_in_asked_for_before_a_passed_check_goes_ahead_after_it(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[Path] = []
    real_check = check.quick_check

    def counted(path: Path, identity: Path | None = None) -> CheckReport:
        checked.append(path)
        return real_check(path, identity)

    monkeypatch.setattr(check, "quick_check", counted)
    seen: dict[str, object] = {}

    def opened(window: MainWindow) -> None:
        qtbot.waitUntil(lambda: window.ctx.account is not None, timeout=WAIT_MS)
        seen.update(account=window.ctx.account, page=window.stack.currentWidget())
        QTimer.singleShot(0, lambda: (window.close(), QApplication.quit()))

    before_the_check(monkeypatch, windows, ask_sign_in, opened)
    assert run_app(folder, tell=pytest.fail, choose=Answers()) == 0
    assert checked == [folder.database]  # checked once, before the sign-in went ahead
    account = seen["account"]
    assert account is not None and account.username == "drtest"  # type: ignore[attr-defined]
    [window] = windows
    assert seen["page"] is not window.sign_in_page  # (the setup: no clinic in the folder)
    assert sign_ins(folder) == 1


def test_keys_typed_before_the_folder_is_open_stay_in_the_sign_in_page(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The page is not shown afresh when the folder opens: a name typed is kept."""
    seen: dict[str, object] = {}

    def type_name(window: MainWindow) -> None:
        window.sign_in_page.username.setText("drte")

    def opened(window: MainWindow) -> None:
        seen.update(name=window.sign_in_page.username.text(),
                    page=window.stack.currentWidget(), ready=window.ready)

    before_the_check(monkeypatch, windows, type_name, opened)
    monkeypatch.setenv(QUIT_AFTER_FIRST_PAINT, "ready")
    assert run_app(folder, tell=pytest.fail, choose=Answers()) == 0
    [window] = windows
    assert seen == {"name": "drte", "page": window.sign_in_page, "ready": True}


@pytest.mark.parametrize("state", ["new", "no accounts", "read-only", "unreadable"])
def test_other_folders_are_checked_before_the_window_shows(
        state: str, data_folder: DataFolder) -> None:
    """Only a folder with accounts, opened to write, shows its page before the check."""
    if state != "new":
        with open_store(data_folder.database) as db:
            if state != "no accounts":
                add_account(db)
    if state == "unreadable":
        data_folder.database.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    assert not opens_at_sign_in(data_folder, read_only=state == "read-only")


def test_damage_the_first_reads_find_after_the_paint_asks_and_opens_afresh(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The check passed, but the window's first reads hit damage: the start-up choice is
    asked (the sign-in waiting is dropped), and read-only opens the window's pages once."""
    from consult_aid.errors import DamagedDatabaseError
    from consult_aid.services import clinic
    from consult_aid.ui.start_screen import StartScreen

    real = clinic.current_clinician
    calls: list[bool] = []

    def damaged_once(db: object) -> object:
        calls.append(True)
        if len(calls) == 1:
            raise DamagedDatabaseError("database disk image is malformed")
        return real(db)  # type: ignore[arg-type]

    monkeypatch.setattr(clinic, "current_clinician", damaged_once)
    seen: dict[str, object] = {}

    def opened(window: MainWindow) -> None:
        seen.update(read_only=window.ctx.read_only, account=window.ctx.account,
                    starts=len([window.stack.widget(i) for i in range(window.stack.count())
                                if isinstance(window.stack.widget(i), StartScreen)]),
                    page=window.stack.currentWidget())

    before_the_check(monkeypatch, windows, ask_sign_in, opened)
    monkeypatch.setenv(QUIT_AFTER_FIRST_PAINT, "ready")
    answers = Answers(StartupDecision.READ_ONLY)
    assert run_app(folder, tell=pytest.fail, choose=answers) == 0
    [problem] = answers.shown
    assert any("malformed" in line for line in problem.findings)
    [window] = windows
    assert seen == {"read_only": True, "account": None, "starts": 1,
                    "page": window.sign_in_page}
    assert sign_ins(folder) == 0


def test_a_check_that_cannot_read_the_folder_after_the_paint_says_so_and_quits(
        qtbot: QtBot, folder: DataFolder, windows: list[MainWindow],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What stopped the check (a busy or unreadable disk: a known error) is said calmly, as
    before the window showed, and the window quits; nothing is signed in."""
    from consult_aid.errors import KnownError

    def unreadable(path: Path, identity: Path | None = None) -> CheckReport:
        raise KnownError("The database is busy: another program holds it.")

    monkeypatch.setattr(check, "quick_check", unreadable)
    before_the_check(monkeypatch, windows, ask_sign_in)
    told: list[str] = []
    assert run_app(folder, tell=told.append, choose=Answers()) == 1
    assert told == ["The database is busy: another program holds it."]
    assert sign_ins(folder) == 0


def test_an_uncaught_error_goes_to_the_calm_dialog_though_its_module_loads_later(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    """The excepthook is installed before the first paint; the dialog's module is imported
    by the first error, which it shows (no traceback for the clinician)."""
    from consult_aid.ui import errors

    shown: list[tuple[object, BaseException]] = []
    monkeypatch.setattr(errors, "show_error",
                        lambda parent, error, title="": shown.append((parent, error)))
    monkeypatch.setattr(errors, "log", errors.logging.getLogger("consult_aid.test.quiet"))
    window = object()
    app_module._install_excepthook(window)  # type: ignore[arg-type]
    error = ValueError("a bug")
    sys.excepthook(ValueError, error, None)
    assert shown == [(window, error)]
