"""Save a screenshot of the start screen and of every consult step at 1280×800.

    python -m consult_aid.ui.screenshots docs/screenshots
    python -m consult_aid.ui.screenshots docs/screenshots --recovery   # only the three below

With them (or alone with ``--recovery``): the start-up check's dialog on a damaged database
(startup-check.png), the window opened read-only after it (read-only.png) and the start screen
reminding of a backup nine days old (backup-reminder.png).

Runs offscreen in a throw-away data folder with a fictional patient and a consult filled in
part-way, so each page shows real content and real states (open items, a raised prompt).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

WIDTH, HEIGHT = 1280, 800
NOW = datetime(2026, 11, 24, 14, 32, 5, tzinfo=timezone(timedelta(hours=1)))


def main(argv: list[str] | None = None) -> int:
    """Every screen at 1280×800 with normal text into ``out``; with ``--large``, at 1280×720
    with larger text into ``out/large-1280x720`` (the smallest screen the room has)."""
    args = sys.argv[1:] if argv is None else argv
    large = "--large" in args
    recovery_only = "--recovery" in args
    paths = [a for a in args if a not in ("--large", "--recovery")]
    out = Path(paths[0] if paths else "docs/screenshots")
    size = (WIDTH, HEIGHT)
    if large:
        out, size = out / "large-1280x720", (1280, 720)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="consult-aid-shots-") as tmp:
        if not recovery_only:
            _shoot(out, Path(tmp), large=large, size=size)
        _shoot_recovery(out, Path(tmp) / "recovery", large=large, size=size)
        if not recovery_only:
            _shoot_accounts(out, Path(tmp) / "accounts", large=large, size=size)
    print(f"screenshots written to {out}")
    return 0


def _shoot(out: Path, tmp: Path, *, large: bool = False,
           size: tuple[int, int] = (WIDTH, HEIGHT)) -> int:
    from PySide6.QtWidgets import QApplication

    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Clinician
    from consult_aid.domain.steps import STEP_IDS
    from consult_aid.services.accounts import create_first_administrator
    from consult_aid.services.clinic import register_clinician
    from consult_aid.services.consults import save_draft, start_consult
    from consult_aid.services.demo import demo_patient, mid_discussion
    from consult_aid.ui.app import build_context, close_context
    from consult_aid.ui.main_window import MainWindow
    from consult_aid.ui.theme import apply_theme

    # instance() is typed QCoreApplication; this process only ever creates a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication([]))
    data = DataFolder(tmp / "data").ensure()
    ctx = build_context(data)
    ctx.clock = lambda: NOW
    try:
        ctx.settings.large_text = large
        apply_theme(app, large_text=large)
        first_run = MainWindow(ctx)  # no account, no clinician: the first-run setup page
        first_run.resize(*size)
        first_run.show()
        app.processEvents()
        first_run.grab().save(str(out / "first-run-setup.png"))
        first_run.close()
        first_run.deleteLater()
        app.processEvents()
        ctx.use_account(create_first_administrator(ctx.db, "sokafor", "Dr Sam Okafor",
                                                   secrets.token_urlsafe(16), now=NOW))
        clinician = register_clinician(ctx.db, data, Clinician(
            name="Dr Sam Okafor", credentials="MD, FIPP", clinic="Riverside Pain Clinic",
            clinic_phone="+1 555 0100"), password=secrets.token_urlsafe(16), now=NOW)
        pack = ctx.catalog.get("intrathecal-pump")
        consult = start_consult(ctx.db, demo_patient(), clinician, pack, NOW)
        save_draft(ctx.db, mid_discussion(consult, pack, NOW), now=NOW)
        apply_theme(app, large_text=large)
        window = MainWindow(ctx)
        window.resize(*size)
        window.show()
        app.processEvents()
        window.grab().save(str(out / "start-screen.png"))
        window.open_consult(consult.id)
        view = window.consult_view
        assert view is not None
        for number, step_id in enumerate(STEP_IDS, start=1):
            view.go_to(step_id, focus=False)
            for _ in range(3):
                app.processEvents()
            window.grab().save(str(out / f"step-{number}-{step_id.replace('_', '-')}.png"))
        window.show_archive()
        app.processEvents()
        window.grab().save(str(out / "archive.png"))
        window.show_settings()
        app.processEvents()
        window.grab().save(str(out / "settings.png"))
        page = window.settings_page  # its last group: the clinic's shared archive
        page.scroll_area.ensureWidgetVisible(page.server_button)
        app.processEvents()
        window.grab().save(str(out / "settings-shared-archive.png"))
        window.close()
        app.processEvents()
    finally:
        apply_theme(app, large_text=False)
        close_context(ctx)
    return 0


def _shoot_recovery(out: Path, tmp: Path, *, large: bool = False,
                    size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
    """The start-up check's dialog on a damaged database, the read-only window opened from
    it, and the start screen reminding of a backup nine days old."""
    from PySide6.QtWidgets import QApplication

    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Clinician
    from consult_aid.services.accounts import create_first_administrator
    from consult_aid.services.backup import make_backup
    from consult_aid.services.check import quick_check
    from consult_aid.services.clinic import register_clinician
    from consult_aid.services.consults import save_draft, start_consult
    from consult_aid.services.demo import demo_patient, mid_discussion
    from consult_aid.ui.app import build_context, close_context
    from consult_aid.ui.main_window import MainWindow
    from consult_aid.ui.startup_check import StartupCheckDialog, StartupProblem
    from consult_aid.ui.theme import apply_theme

    # instance() is typed QCoreApplication; this process only ever creates a QApplication
    app = cast(QApplication, QApplication.instance() or QApplication([]))
    data = DataFolder(tmp / "data").ensure()
    ctx = build_context(data)
    ctx.clock = lambda: NOW
    try:
        apply_theme(app, large_text=large)
        admin = create_first_administrator(ctx.db, "sokafor", "Dr Sam Okafor",
                                           secrets.token_urlsafe(16), now=NOW)
        ctx.use_account(admin)
        clinician = register_clinician(ctx.db, data, Clinician(
            name="Dr Sam Okafor", credentials="MD, FIPP", clinic="Riverside Pain Clinic",
            clinic_phone="+1 555 0100"), password=secrets.token_urlsafe(16), now=NOW)
        pack = ctx.catalog.get("intrathecal-pump")
        consult = start_consult(ctx.db, demo_patient(), clinician, pack, NOW)
        save_draft(ctx.db, mid_discussion(consult, pack, NOW), now=NOW)
        make_backup(data, tmp / "backups", now=NOW - timedelta(days=9, hours=3), actor=admin)
        window = MainWindow(ctx)
        window.resize(*size)
        window.show()
        app.processEvents()
        window.grab().save(str(out / "backup-reminder.png"))
        window.close()
        window.deleteLater()
        app.processEvents()
    finally:
        close_context(ctx)
    ctx = build_context(data, read_only=True)
    ctx.clock = lambda: NOW
    ctx.check_failed = True
    ctx.use_account(admin)  # signed in (read-only: checked, nothing recorded)
    try:
        window = MainWindow(ctx)
        window.resize(*size)
        window.show()
        app.processEvents()
        window.grab().save(str(out / "read-only.png"))
        window.close()
        window.deleteLater()
        app.processEvents()
    finally:
        close_context(ctx)
    # then a disk fault: 4 KiB of noise in the file, and the dialog at the next start (the
    # read-only window above shows the same data, read before the damage: what a damaged page
    # still lets it read varies)
    with data.database.open("r+b") as handle:  # a disk fault: 4 KiB of noise in the file
        handle.seek(8192)
        handle.write(bytes((i * 7919 + 13) % 251 for i in range(4096)))
    problem = StartupProblem.of_report(data, quick_check(data.database, data.identity))
    dialog = StartupCheckDialog(problem)
    dialog.show()
    app.processEvents()
    dialog.grab().save(str(out / "startup-check.png"))
    dialog.close()
    dialog.deleteLater()
    app.processEvents()
    apply_theme(app, large_text=False)


def _grab(widget: QWidget, path: Path, size: tuple[int, int]) -> None:
    """Show ``widget`` at ``size``, let it paint, save it to ``path``, and close it."""
    from PySide6.QtWidgets import QApplication

    widget.resize(*size)
    widget.show()
    for _ in range(3):
        QApplication.processEvents()
    widget.grab().save(str(path))
    widget.close()
    widget.deleteLater()
    QApplication.processEvents()


def _shoot_accounts(out: Path, tmp: Path, *, large: bool = False,
                    size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
    """The account pages (issue 14): sign-in, the lock
    screen, the accounts view and the audit view, on a folder with three accounts."""
    from PySide6.QtWidgets import QApplication

    from consult_aid.datadir import DataFolder
    from consult_aid.domain.accounts import Role
    from consult_aid.services.accounts import create_account, create_first_administrator
    from consult_aid.services.store import open_store
    from consult_aid.ui.accounts_view import AccountsView
    from consult_aid.ui.app import build_context, close_context
    from consult_aid.ui.audit_view import AuditView
    from consult_aid.ui.idle_lock import LockScreen
    from consult_aid.ui.sign_in import SignInPage
    from consult_aid.ui.theme import apply_theme

    app = cast(QApplication, QApplication.instance() or QApplication([]))
    apply_theme(app, large_text=large)
    data = DataFolder(tmp / "data").ensure()
    with open_store(data.database) as db:
        admin = create_first_administrator(db, "sokafor", "Dr Sam Okafor",
                                           secrets.token_urlsafe(16), now=NOW)
        create_account(db, admin, "mkhan", "Dr Mina Khan", frozenset({Role.CLINICIAN}),
                       secrets.token_urlsafe(16), now=NOW)
        create_account(db, admin, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}),
                       secrets.token_urlsafe(16), now=NOW)
    sign_in_page = SignInPage("Riverside Pain Clinic")
    sign_in_page.start()
    sign_in_page.username.setText("mkhan")
    sign_in_page.show_refusal("The user name or the password is not right.", wait_seconds=4)
    _grab(sign_in_page, out / "sign-in.png", size)
    lock = LockScreen()
    lock.show_locked("Dr Mina Khan", NOW)
    _grab(lock, out / "lock-screen.png", size)
    ctx = build_context(data)
    ctx.clock = lambda: NOW
    try:
        for view in (AccountsView(ctx), AuditView(ctx)):
            view.resize(*size)
            view.open_for(admin)
            ctx.writer.wait_idle()
            ctx.writer.deliver()
            name = "accounts.png" if isinstance(view, AccountsView) else "audit.png"
            _grab(view, out / name, size)
    finally:
        close_context(ctx)
        apply_theme(app, large_text=False)


if __name__ == "__main__":
    sys.exit(main())
