"""The window as a whole: first-run setup, keyboard use, accessible names, larger text, the
archive opening a signed consult read-only, and printing the handout."""

from __future__ import annotations

import html
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from consult_aid.content import Pack
from consult_aid.domain import (
    Clinician,
    Consult,
    DecisionChoice,
    TeachBack,
)
from consult_aid.domain.accounts import Role
from consult_aid.domain.passwords import MIN_LENGTH
from consult_aid.domain.steps import STEP_IDS
from consult_aid.services import settings as settings_module
from consult_aid.services.settings import load_settings
from consult_aid.signing.identity import load_identity
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.context import AppContext, local_now
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.theme import LARGE_PT, apply_theme
from tests.builders import fill_for_signing

from .conftest import PASSWORD, PrintRecorder, db_row, make_window
from .helpers import WAIT_MS, add_patient_and_start, click, type_into, writer_held

FIRST_PASSWORD = "a quiet morning by the river"


def test_first_run_sets_up_the_clinic_and_the_first_account(qtbot: QtBot,
                                                             ctx: AppContext) -> None:
    """A new data folder: the setup page makes the first account (administrator and
    clinician, named on records as the clinician) with the clinic, and lands signed in."""
    window = make_window(qtbot, ctx)
    setup = window.setup_page
    assert window.stack.currentWidget() is setup
    assert setup.account_group.isVisibleTo(setup)
    assert not setup.secret_group.isVisibleTo(setup)  # no separate signing password
    assert not window.archive_action.isEnabled()  # nothing before the account exists
    type_into(qtbot, setup.clinic, "Hillside Clinic")
    type_into(qtbot, setup.phone, "555 0123")
    click(qtbot, setup.save_button)
    assert setup.errors["clinician.name"].text() == "Enter the clinician's name."
    assert "user name" in setup.errors["username"].text()
    type_into(qtbot, setup.name, "Dr First Run")
    type_into(qtbot, setup.username, "firstrun")
    type_into(qtbot, setup.account_password, "too short")
    click(qtbot, setup.save_button)
    assert str(MIN_LENGTH) in setup.errors["account_password"].text()
    setup.account_password.clear()
    type_into(qtbot, setup.account_password, FIRST_PASSWORD)
    type_into(qtbot, setup.account_repeat, "a different one altogether")
    click(qtbot, setup.save_button)
    assert "differ" in setup.errors["account_repeat"].text()
    setup.account_repeat.clear()
    type_into(qtbot, setup.account_repeat, FIRST_PASSWORD)
    qtbot.keyClick(setup.account_repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=30_000)
    account = ctx.account
    assert account is not None and account.username == "firstrun"
    assert account.display_name == "Dr First Run"
    assert account.roles == {Role.ADMINISTRATOR, Role.CLINICIAN}
    assert window.accounts_action.isVisible() and window.audit_action.isEnabled()
    clinician = ClinicianRepository(ctx.db).current()
    assert clinician is not None and clinician.clinic_phone == "555 0123"
    assert "Dr First Run" in window.start.welcome.text()
    # the fictional demo patient is there to try the program on
    assert window.start.patients.count() >= 1
    assert db_row(ctx.data, "SELECT actor FROM audit_log WHERE action = 'account.created'") \
        == ("firstrun",)
    window.close()


def test_keyboard_moves_between_steps(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    field = view.page("patient").name
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.current_step() == "condition"
    now = focused()
    assert now is not None and view.page("condition").isAncestorOf(now)
    qtbot.keyClick(now, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert view.current_step() == "history"
    qtbot.keyClick(focused(), Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(focused(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert view.current_step() == "patient"
    # the step list is a keyboard way too: any order
    view.step_list.setFocus()
    view.step_list.setCurrentRow(7)
    assert view.current_step() == "decision"


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def test_every_control_has_an_accessible_name(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    kinds = (QLineEdit, QPlainTextEdit, QComboBox, QDateEdit, QAbstractButton)
    unnamed = []
    for page in view.pages:
        for widget in page.findChildren(QWidget):
            if not isinstance(widget, kinds) or isinstance(widget.parent(),
                                                           QComboBox | QDateEdit):
                continue  # the line edit inside a combo box or date edit is named by its owner
            name = widget.accessibleName() or (
                widget.text() if isinstance(widget, QAbstractButton) else "")
            if not name.strip():
                unnamed.append(f"{page.step_id}: {type(widget).__name__}")
    assert unnamed == []
    for pad in (b.pad for b in view.review_page.blocks.values()):
        assert pad.accessibleName()


def test_larger_text_is_applied_and_remembered(qtbot: QtBot, window: MainWindow) -> None:
    before = QApplication.font().pointSize()
    window.large_text_action.trigger()
    assert QApplication.font().pointSize() > before
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).large_text is True,
                    timeout=WAIT_MS)
    window.large_text_action.trigger()
    assert QApplication.font().pointSize() == before
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).large_text is False,
                    timeout=WAIT_MS)


def test_a_preview_goes_with_its_consult(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("review")
    click(qtbot, view.review_page.print_handout)
    qtbot.waitUntil(lambda: bool(window.documents and window.documents.dialogs), timeout=WAIT_MS)
    dialog = window.documents.dialogs[-1]
    assert dialog.isVisible()
    click(qtbot, view.close_button)  # back to the start screen: nothing of it stays open
    assert window.consult_view is None and not dialog.isVisible()


def test_handout_preview_and_print(qtbot: QtBot, window: MainWindow,
                                   printed: PrintRecorder) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("review")
    click(qtbot, view.review_page.print_handout)
    qtbot.waitUntil(lambda: bool(window.documents and window.documents.dialogs), timeout=WAIT_MS)
    dialog = window.documents.dialogs[-1]
    assert dialog.preview.page_count() >= 1
    with qtbot.waitSignal(window.documents.printed, timeout=30_000) as blocker:
        click(qtbot, dialog.print_button)
    assert blocker.args[0] == dialog.preview.page_count()
    assert printed.files[0].read_bytes().startswith(b"%PDF")
    pages = dialog.preview.page_count()
    assert window.statusBar().currentMessage() == f"Sent {pages} pages to the printer."
    dialog.close()


def test_preview_before_signing_is_not_saved_as_a_document(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("review")
    click(qtbot, view.review_page.preview_button)
    qtbot.waitUntil(lambda: bool(window.documents and window.documents.dialogs), timeout=WAIT_MS)
    assert "not signed" in window.documents.dialogs[-1].windowTitle()
    assert window.documents.dialogs[-1].preview.page_count() >= 1


def test_archive_opens_a_signed_consult_read_only_with_its_pdf(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, "Archie Signed")
    consult, pack = view.session.consult, view.session.pack
    complete_for_signing(consult, pack)
    view.reload()
    view.go_to("review")
    click(qtbot, view.review_page.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=30_000)
    for dialog in list(window.documents.dialogs):
        dialog.close()

    window.show_archive()
    archive = window.archive
    type_into(qtbot, archive.search, "Archie")
    qtbot.waitUntil(lambda: archive.model.rowCount() == 1
                    and "Archie" in str(archive.model.data(archive.model.index(0, 1))),
                    timeout=WAIT_MS)
    assert archive.model.data(archive.model.index(0, 6)) == "Signed"
    archive.table.selectRow(0)
    click(qtbot, archive.open_button)
    qtbot.waitUntil(lambda: window.consult_view is not None and bool(window.documents.dialogs),
                    timeout=WAIT_MS)
    reopened = window.consult_view
    assert reopened.session.read_only
    assert reopened.page("lifestyle").goals.isReadOnly()
    assert not reopened.page("decision").choice.buttons()[0].isEnabled()
    assert window.documents.dialogs[-1].preview.page_count() >= 2
    assert "Signed" in window.documents.dialogs[-1].windowTitle()


def complete_for_signing(consult: Consult, pack: Pack) -> None:
    """Everything a signed consult needs, filled in directly (the flow test types it all)."""
    fill_for_signing(consult, pack, choice=DecisionChoice.DECLINE, when=local_now())


def test_setup_keeps_a_signing_key_already_in_the_data_folder(
        qtbot: QtBot, ctx: AppContext, identity_files: Path) -> None:
    """A folder with a signing key but no clinician and no account: the key's password is
    asked with the new account's; the first account takes the key over (a copy, locked by
    the account's password) and the folder's key stays as it was."""
    shutil.copytree(identity_files, ctx.data.identity, dirs_exist_ok=True)
    key_file = ctx.data.identity / "identity.p12"
    before = key_file.read_bytes(), (ctx.data.identity / "certificate.pem").read_bytes()
    window = make_window(qtbot, ctx)
    setup = window.setup_page
    assert window.stack.currentWidget() is setup  # no clinician yet
    assert "already holds a signing key" in setup.key_note.text()
    assert "Dr Test Clinician" in setup.key_note.text()
    assert not setup.confirm.isVisibleTo(setup)  # its password is asked, not a new one
    assert setup.name.text() == "Dr Test Clinician"
    type_into(qtbot, setup.clinic, "Test Clinic")
    type_into(qtbot, setup.username, "drtest")
    type_into(qtbot, setup.account_password, FIRST_PASSWORD)
    type_into(qtbot, setup.account_repeat, FIRST_PASSWORD)
    type_into(qtbot, setup.password, "not the password")
    click(qtbot, setup.save_button)
    qtbot.waitUntil(lambda: "does not unlock" in setup.errors["password"].text(),
                    timeout=30_000)
    assert window.stack.currentWidget() is setup
    assert setup.save_button.isEnabled()
    assert db_row(ctx.data, "SELECT count(*) FROM accounts") == (0,)  # nothing made
    setup.password.clear()
    type_into(qtbot, setup.password, PASSWORD)
    click(qtbot, setup.save_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=30_000)
    assert (key_file.read_bytes(), (ctx.data.identity / "certificate.pem").read_bytes()) \
        == before  # the clinic's key is the same key
    own = load_identity(ctx.data.identity / "accounts" / "drtest")
    assert own.fingerprint == load_identity(ctx.data.identity).fingerprint
    own.unlock(FIRST_PASSWORD)  # taken over, locked by the account's password
    clinician = ClinicianRepository(ctx.db).current()
    assert clinician is not None and clinician.name == "Dr Test Clinician"
    window.close()


HOSTILE = "<b>Ann</b> <img src=file:///etc/passwd>"


def test_patient_text_is_shown_as_typed_never_as_markup(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, HOSTILE)
    assert view.who.text().startswith(f"{HOSTILE} · born ")
    assert view.who.textFormat() == Qt.TextFormat.PlainText
    view.go_to("lifestyle")
    type_into(qtbot, view.page("lifestyle").goals, HOSTILE)
    view.go_to("decision")
    type_into(qtbot, view.page("decision").next_steps, HOSTILE)
    for step in STEP_IDS:
        view.go_to(step)
    review = view.review_page
    shown = [label for label in window.findChildren(QLabel) if "<img" in label.text()]
    assert view.who in shown and view.page("options").patient_view in shown
    assert [label.objectName() for label in shown
            if label.textFormat() != Qt.TextFormat.PlainText] == []
    # the one rich-text label, the summary on the review page, escapes what it shows
    assert review.summary.textFormat() == Qt.TextFormat.RichText
    assert "<img" not in review.summary.text()
    assert html.escape(HOSTILE) in review.summary.text()


def test_the_larger_text_setting_is_written_off_the_gui_thread(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    writers: list[threading.Thread] = []
    real = settings_module.write_atomically

    def write(path: Path, data: bytes) -> None:
        writers.append(threading.current_thread())
        real(path, data)

    monkeypatch.setattr(settings_module, "write_atomically", write)
    with writer_held(window.ctx):  # a slow disk: the window does not wait for it
        window.large_text_action.trigger()
        assert QApplication.font().pointSize() == LARGE_PT
        assert writers == []
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).large_text is True,
                    timeout=WAIT_MS)
    window.large_text_action.trigger()
    qtbot.waitUntil(lambda: load_settings(window.ctx.data.settings).large_text is False,
                    timeout=WAIT_MS)
    assert len(writers) == 2 and threading.main_thread() not in writers


def settle_layouts() -> None:
    """Run the layout requests Qt has queued (no fixed wait: until none is left)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


@pytest.mark.parametrize("pack_id", ["intrathecal-pump", "spinal-cord-stimulator"])
def test_benefits_and_risks_need_no_sideways_scrolling_at_1280x720_with_larger_text(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician, pack_id: str) -> None:
    ctx.settings.large_text = True
    window = make_window(qtbot, ctx)
    try:
        window.resize(1280, 720)
        view = add_patient_and_start(qtbot, window, pack_id=pack_id)
        view.go_to("benefits_risks")
        page = view.page("benefits_risks")
        click(qtbot, page.cards[0].discussed)  # a card's status at its longest
        click(qtbot, page.cards[0].level.button(TeachBack.NOT_YET))
        settle_layouts()
        scroll = view.scrolls[STEP_IDS.index("benefits_risks")]
        assert scroll.viewport().width() > 0
        assert scroll.horizontalScrollBar().maximum() == 0
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("large_text", [False, True])
def test_no_step_needs_sideways_scrolling_at_1280x720(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician, large_text: bool) -> None:
    from consult_aid.services.consults import save_draft, start_consult
    from consult_aid.services.demo import mid_discussion
    from tests.builders import NOW, sample_patient

    # a consult filled in as in real use (long answers, questions, an interpreter, signatures)
    pack = ctx.catalog.get("intrathecal-pump")
    consult = start_consult(ctx.db, sample_patient(), clinic, pack, NOW)
    save_draft(ctx.db, mid_discussion(consult, pack, NOW), now=NOW)
    ctx.settings.large_text = large_text
    window = make_window(qtbot, ctx)
    try:
        window.resize(1280, 720)
        window.open_consult(consult.id)
        view = window.consult_view
        wide = []
        for step in STEP_IDS:
            view.go_to(step)
            settle_layouts()
            scroll = view.scrolls[STEP_IDS.index(step)]
            if scroll.horizontalScrollBar().maximum() > 0:
                wide.append(step)
        assert wide == []
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


def test_a_long_name_takes_one_line_with_the_whole_name_in_its_tooltip(
        qtbot: QtBot, window: MainWindow) -> None:
    name = "Maria Fernanda de los Ángeles Rodríguez-Villanueva y Santa Cruz de la Peña " * 2
    view = add_patient_and_start(qtbot, window, name.strip())
    window.resize(1280, 720)
    settle_layouts()
    who = view.who
    assert who.toolTip().startswith(name.strip()) and " · born " in who.toolTip()
    assert who.text().endswith("…") and len(who.text()) < len(who.toolTip())
    assert who.height() <= who.fontMetrics().height() * 2  # one line, not four
