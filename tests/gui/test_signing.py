"""Signing in the window: nothing changes while the signature is made, one signing at a time,
the stored record afterwards; archived PDFs read off the GUI thread; addenda to a signed
consult."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from consult_aid.domain import ConsultStatus
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.main_window import MainWindow

from .conftest import PASSWORD, PrintRecorder, db_row
from .helpers import WAIT_MS, add_patient_and_start, click, type_into, writer_held
from .test_window import complete_for_signing

SIGN_MS = 30_000


def ready_to_sign(qtbot: QtBot, window: MainWindow, name: str) -> ConsultView:
    view = add_patient_and_start(qtbot, window, name)
    complete_for_signing(view.session.consult, view.session.pack)
    view.reload()
    view.page("lifestyle")  # built before signing starts
    view.go_to("review")
    qtbot.waitUntil(lambda: view.review_page.sign_button.isEnabled(), timeout=WAIT_MS)
    return view


def sign(qtbot: QtBot, window: MainWindow, name: str) -> ConsultView:
    view = ready_to_sign(qtbot, window, name)
    click(qtbot, view.review_page.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.is_locked and bool(window.documents.dialogs),
                    timeout=SIGN_MS)
    for dialog in list(window.documents.dialogs):
        dialog.close()
    return view


def test_the_consult_cannot_change_while_it_is_being_signed(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    view = ready_to_sign(qtbot, window, "Sigrid Busy")
    review, flow = view.review_page, window.signing
    edited = view.session.consult
    asked: list[object] = []
    flow.ask_password = lambda parent: asked.append(parent) or PASSWORD
    goals = view.page("lifestyle").goals

    with writer_held(window.ctx):  # the signature is still being made meanwhile
        click(qtbot, review.sign_button)
        assert len(asked) == 1
        assert view.session.read_only and not edited.is_locked
        assert not review.sign_button.isEnabled()
        assert goals.isReadOnly()
        assert not view.page("decision").choice.buttons()[0].isEnabled()
        view.go_to("lifestyle")  # moving between steps still works
        assert view.current_step() == "lifestyle"
        type_into(qtbot, goals, " and swim")
        assert edited.lifestyle.goals == "Walk"
        flow.sign()  # a second click that got through
        assert len(asked) == 1
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=SIGN_MS)

    # the window now shows the record as stored, read-only
    stored = ConsultRepository(window.ctx.db).get(edited.id)
    shown = view.session.consult
    assert shown is not edited
    assert shown.status is stored.status is ConsultStatus.SIGNED
    assert shown.signed_at == stored.signed_at and shown.pdf_sha256 == stored.pdf_sha256
    assert view.autosaver.consult is shown
    assert goals.toPlainText() == "Walk" and goals.isReadOnly()
    assert not review.sign_button.isVisible()
    count = db_row(window.ctx.data, "SELECT count(*) FROM documents WHERE consult_id = ? AND "
                   "kind = 'summary'", edited.id)
    assert count == (1,)


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the error message box
def test_a_failed_signing_lets_the_clinician_edit_again(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    view = ready_to_sign(qtbot, window, "Wrong Password")
    window.signing.ask_password = lambda _parent: "not the password"
    click(qtbot, view.review_page.sign_button)
    assert view.session.read_only
    qtbot.waitUntil(lambda: not view.session.read_only, timeout=SIGN_MS)
    assert not view.session.consult.is_locked
    assert view.review_page.sign_button.isEnabled()
    assert not view.page("lifestyle").goals.isReadOnly()
    assert not window.signing.signing
    box = window.findChild(QMessageBox, "errorDialog")  # said calmly, in the clinician's words
    assert box is not None and "password is not right" in box.text()
    box.done(0)
    goals = view.page("lifestyle").goals
    goals.moveCursor(QTextCursor.MoveOperation.End)
    type_into(qtbot, goals, " again")
    assert view.session.consult.lifestyle.goals == "Walk again"


def test_archived_pdfs_are_read_off_the_gui_thread(
        qtbot: QtBot, window: MainWindow, printed: PrintRecorder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    readers: list[threading.Thread] = []
    real = ConsultRepository.document

    def document(repo: ConsultRepository, consult_id: str, kind: str = "summary") -> bytes:
        readers.append(threading.current_thread())
        return real(repo, consult_id, kind)

    monkeypatch.setattr(ConsultRepository, "document", document)
    view = sign(qtbot, window, "Reading Elsewhere")
    click(qtbot, view.review_page.print_summary)  # print the signed summary
    qtbot.waitUntil(lambda: bool(printed.files) and printed.files[0].is_file()
                    and not window.documents.printing, timeout=SIGN_MS)
    consult_id = view.session.consult.id
    window.show_archive()
    window.open_consult(consult_id)  # the archive shows the signed PDF
    qtbot.waitUntil(lambda: bool(window.documents.dialogs), timeout=WAIT_MS)
    assert window.documents.dialogs[-1].preview.page_count() >= 2
    assert len(readers) >= 2
    assert threading.main_thread() not in readers


def test_an_addendum_is_signed_stored_and_shown(qtbot: QtBot, window: MainWindow) -> None:
    view = sign(qtbot, window, "Adda Endum")
    consult_id = view.session.consult.id
    review = view.review_page
    assert review.addendum_button.isVisible() and review.addendum_button.isEnabled()
    assert review.addenda_empty.isVisible()

    click(qtbot, review.addendum_button)
    dialog = window.signing.addendum_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.author.text() == "Dr Test Clinician"  # the clinician, filled in
    assert dialog.text.accessibleName() == "Addendum text"
    click(qtbot, dialog.sign_button)  # nothing written yet: refused, said beside the field
    assert dialog.isVisible()
    assert dialog.errors["addendum.text"].text() == "Write the addendum's text."
    text = "Phoned the patient on Friday: <b>no</b> change to the decision."
    type_into(qtbot, dialog.text, text)
    click(qtbot, dialog.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.status is ConsultStatus.AMENDED,
                    timeout=SIGN_MS)
    assert window.signing.addendum_dialog is None  # closed

    # the database file: amended, the addendum row, its signed PDF
    assert db_row(window.ctx.data, "SELECT status FROM consults WHERE id = ?",
                  consult_id) == ("amended",)
    assert db_row(window.ctx.data, "SELECT author, text FROM addenda WHERE consult_id = ?",
                  consult_id) == ("Dr Test Clinician", text)
    pdf = db_row(window.ctx.data, "SELECT pdf FROM documents WHERE consult_id = ? AND "
                 "kind = 'addendum'", consult_id)
    assert pdf is not None and bytes(pdf[0]).startswith(b"%PDF")

    # shown on the review page of the locked consult: date, author, text (as typed)
    labels = [label.text() for label in review.addendum_labels]
    written = view.session.consult.addenda[0].written_at
    assert labels == [f"{written:%Y-%m-%d %H:%M} · Dr Test Clinician", text]
    assert not review.addenda_empty.isVisible()

    # and again when the consult is opened from the archive
    window.show_archive()
    window.open_consult(consult_id)
    reopened = window.consult_view
    assert reopened is not None and reopened is not view
    reopened.go_to("review")
    assert [label.text() for label in reopened.review_page.addendum_labels][1] == text
    assert reopened.review_page.addendum_button.isVisible()


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the message box
def test_closing_while_signing_waits_for_the_signature(qtbot: QtBot,
                                                       window: MainWindow) -> None:
    view = ready_to_sign(qtbot, window, "Closing Early")
    consult_id = view.session.consult.id
    window.save_wait_seconds = 0.2
    with writer_held(window.ctx) as slow_disk:
        click(qtbot, view.review_page.sign_button)
        assert not window.close()
        box = window.save_failed_box
        assert box is not None and "still being signed" in box.text()
        slow_disk.set()
        window.save_wait_seconds = SIGN_MS / 1000
        box.retry_button.click()
    assert not window.isVisible()
    assert db_row(window.ctx.data, "SELECT status FROM consults WHERE id = ?",
                  consult_id) == ("signed",)
