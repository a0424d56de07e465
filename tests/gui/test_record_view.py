"""A signed consult opened from the archive shows its record: the archived signed PDF in the
window, its addenda beside it, Reprint, Print the handout, Export a copy (JSON + signed PDFs,
owner-only, audited), Add an addendum — read-only throughout; a draft still opens in the
consult view."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from consult_aid.domain import ConsultStatus
from consult_aid.services.consults import signed_summary
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.record_view import RecordView, fhir_available

from .conftest import PrintRecorder, db_row
from .helpers import WAIT_MS, click, type_into
from .test_archive_filters import open_archive, stored_draft, stored_signed
from .test_start_screen import clashes, screen_mnemonics

SIGN_MS = 30_000
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def open_record(qtbot: QtBot, window: MainWindow, name: str) -> RecordView:
    """Find ``name`` in the archive, Enter on the row: the record, its PDF shown."""
    archive = open_archive(window)
    type_into(qtbot, archive.search, name.split()[0])
    qtbot.keyClick(archive.search, Qt.Key.Key_Down)
    qtbot.keyClick(archive.table, Qt.Key.Key_Return)
    record = window.record
    qtbot.waitUntil(lambda: window.stack.currentWidget() is record
                    and record.preview.page_count() >= 1, timeout=WAIT_MS)
    return record


def test_enter_on_a_signed_consult_shows_its_signed_pdf(qtbot: QtBot, window: MainWindow) -> None:
    consult = stored_signed(window.ctx, "Ruth Recorder")
    record = open_record(qtbot, window, "Ruth Recorder")
    assert record.consult is not None and record.consult.id == consult.id
    assert record.preview.data == signed_summary(window.ctx.db, consult.id)
    assert record.title.text() == "Record — Ruth Recorder"
    assert "Signed" in record.details.text() and "Go ahead" in record.details.text()
    assert record.no_addenda.isVisible() and not record.addenda.isVisible()
    assert QApplication.focusWidget() is record.reprint_button
    assert window.consult_view is None  # nothing opened for editing
    assert clashes(screen_mnemonics(window, record)) == {}
    # Escape goes back to the archive
    qtbot.keyClick(record.reprint_button, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.archive


def test_reprint_prints_the_archived_pdf(qtbot: QtBot, window: MainWindow,
                                         printed: PrintRecorder) -> None:
    stored_signed(window.ctx, "Pia Printer")
    record = open_record(qtbot, window, "Pia Printer")
    pages = []
    record.printed.connect(pages.append)
    qtbot.keyClick(record, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(pages), timeout=SIGN_MS)
    assert pages[0] == record.preview.page_count()
    assert printed.files and printed.files[0].read_bytes().startswith(b"%PDF")


def test_print_the_handout_shows_it_to_print(qtbot: QtBot, window: MainWindow,
                                             printed: PrintRecorder) -> None:
    stored_signed(window.ctx, "Hal Handout")
    record = open_record(qtbot, window, "Hal Handout")
    click(qtbot, record.handout_button)
    qtbot.waitUntil(lambda: record.documents is not None and bool(record.documents.dialogs),
                    timeout=SIGN_MS)
    dialog = record.documents.dialogs[-1]  # type: ignore[union-attr]
    assert dialog.windowTitle() == "Patient handout"
    assert dialog.preview.page_count() >= 1
    # it does not claim to record anything in a signed record
    notes = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "signed record does not change" in notes and "records it as given" not in notes
    dialog.close()


def test_export_a_copy_writes_json_and_signed_pdf_owner_only(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    consult = stored_signed(window.ctx, "Ezra Export")
    record = open_record(qtbot, window, "Ezra Export")
    folder = tmp_path / "usb stick"
    folder.mkdir()
    asked = []
    record.choose_folder = lambda parent: asked.append(parent) or folder  # type: ignore[func-returns-value]
    qtbot.keyClick(record, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(record.exported), timeout=WAIT_MS)
    assert asked == [record]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"consult-{consult.id}.json", f"consult-{consult.id}.pdf"]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (folder / f"consult-{consult.id}.pdf").read_bytes() == \
        signed_summary(window.ctx.db, consult.id)
    exported = json.loads((folder / f"consult-{consult.id}.json").read_text(encoding="utf-8"))
    assert exported["consult"]["patient"]["name"] == "Ezra Export"
    assert record.message.text().startswith("Saved 2 files in")
    assert db_row(window.ctx.data, "SELECT action FROM audit_log WHERE consult_id = ? "
                  "ORDER BY id DESC LIMIT 1", consult.id) == ("consult.exported",)
    # cancelling the folder picker writes nothing
    record.exported = []
    record.choose_folder = lambda _parent: None
    click(qtbot, record.export_button)
    qtbot.wait(100)
    assert record.exported == []


def test_an_addendum_is_added_and_listed_beside_the_pdf(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    consult = stored_signed(window.ctx, "Ada Addendum")
    record = open_record(qtbot, window, "Ada Addendum")
    qtbot.keyClick(record, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    signing = record.signing
    assert signing is not None
    qtbot.waitUntil(lambda: signing.addendum_dialog is not None, timeout=WAIT_MS)
    dialog = signing.addendum_dialog
    assert dialog is not None and dialog.isVisible()
    type_into(qtbot, dialog.text, "Called: the patient confirms the trial date.")
    click(qtbot, dialog.sign_button)
    qtbot.waitUntil(lambda: record.consult is not None
                    and record.consult.status is ConsultStatus.AMENDED, timeout=SIGN_MS)
    assert record.addenda.isVisible() and record.addenda.count() == 1
    assert record.addenda.item(0).text().endswith(
        "Dr Test Clinician\nCalled: the patient confirms the trial date.")
    assert "with addenda" in record.details.text()
    # the export now carries the addendum's signed PDF too
    record.choose_folder = lambda _parent: tmp_path
    click(qtbot, record.export_button)
    qtbot.waitUntil(lambda: len(record.exported) == 3, timeout=WAIT_MS)
    assert any(".addendum-" in p.name for p in record.exported)
    # back in the archive the row says amended
    click(qtbot, record.back_button)
    archive = window.archive
    qtbot.waitUntil(lambda: window.stack.currentWidget() is archive, timeout=WAIT_MS)
    assert db_row(window.ctx.data, "SELECT status FROM consults WHERE id = ?",
                  consult.id) == ("amended",)


def test_the_consult_view_path_stays_and_drafts_open_there(
        qtbot: QtBot, window: MainWindow) -> None:
    signed = stored_signed(window.ctx, "Vera Viewer")
    stored_draft(window.ctx, "Dora Draft")
    record = open_record(qtbot, window, "Vera Viewer")
    qtbot.keyClick(record, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.consult_view is not None, timeout=WAIT_MS)
    assert window.consult_view.session.consult.id == signed.id  # type: ignore[union-attr]
    assert window.consult_view.session.read_only  # type: ignore[union-attr]
    # a draft: Enter in the archive opens it in the consult view, as before
    archive = open_archive(window)
    archive.search.clear()
    type_into(qtbot, archive.search, "Dora")
    qtbot.keyClick(archive.search, Qt.Key.Key_Down)
    assert not archive.record_button.isEnabled()
    qtbot.keyClick(archive.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.consult_view is not None
                    and window.consult_view.session.consult.patient.name == "Dora Draft",
                    timeout=WAIT_MS)
    assert not window.consult_view.session.read_only  # type: ignore[union-attr]


@pytest.mark.skipif(not fhir_available(), reason="the FHIR export is not part of this build")
def test_export_for_the_ehr_writes_the_fhir_bundle(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    consult = stored_signed(window.ctx, "Fiona Fhir")
    record = open_record(qtbot, window, "Fiona Fhir")
    assert record.fhir_button.isVisible()
    record.choose_folder = lambda _parent: tmp_path
    qtbot.keyClick(record, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(record.exported), timeout=WAIT_MS)
    path = tmp_path / f"consult-{consult.id}.fhir.json"
    assert record.exported == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert record.message.text() == f"Saved {path.name} in {tmp_path}"
