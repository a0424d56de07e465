"""Printing the patient handout from the review step: the handout is this patient's (their name
and plan), and the draft records it as given — title, version and time — for page 1 of the
record."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from consult_aid.domain.record import decision_record
from consult_aid.ui.main_window import MainWindow
from tests.pdfcheck import flat_text

from .conftest import PrintRecorder, db_row
from .helpers import WAIT_MS, add_patient_and_start, click, type_into


def test_a_printed_handout_is_personal_and_recorded_as_given(
        qtbot: QtBot, window: MainWindow, printed: PrintRecorder) -> None:
    view = add_patient_and_start(qtbot, window, "Greta Handout-Test")
    decision = view.page("decision")
    type_into(qtbot, decision.next_steps, "Trial on 9 December; bring your medicines list.")
    consult = view.session.consult
    assert consult.handouts_given == []

    review = view.review_page
    click(qtbot, review.print_handout)
    qtbot.waitUntil(lambda: bool(window.documents and window.documents.dialogs),
                    timeout=WAIT_MS)
    preview = window.documents.dialogs[-1]
    click(qtbot, preview.print_button)
    qtbot.waitUntil(lambda: bool(printed.files) and printed.files[0].is_file()
                    and not window.documents.printing, timeout=30_000)

    assert printed.files[0].read_bytes().startswith(b"%PDF")
    text = flat_text(preview.preview.data)  # the handout as shown and printed
    assert "Greta Handout-Test" in text
    assert "bring your medicines list" in text
    given = consult.handouts_given
    assert len(given) == 1
    pack = view.session.pack
    assert (given[0].pack_id, given[0].title, given[0].version) == (
        pack.id, pack.handout.title, pack.version)
    record = decision_record(consult, pack)
    line = {ln.label: ln.value for ln in record.decision}["Handouts given"]
    assert pack.handout.title in line and f"version {pack.version}" in line
    # the preview and the printing are on the audit trail, under the signed-in account
    window.ctx.writer.wait_idle()
    qtbot.waitUntil(lambda: db_row(window.ctx.data, "SELECT count(*) FROM audit_log WHERE "
                                   "action = 'consult.printed'") == (1,), timeout=WAIT_MS)
    rows = {(action, actor, consult_id, detail) for action, actor, consult_id, detail in (
        db_row(window.ctx.data, "SELECT action, actor, consult_id, detail FROM audit_log "
               "WHERE action = ?", name) for name in ("consult.previewed", "consult.printed"))}
    assert ("consult.previewed", "drtest", consult.id, "handout") in rows
    printed_entry = next(r for r in rows if r[0] == "consult.printed")
    assert printed_entry[1:3] == ("drtest", consult.id)
    assert printed_entry[3].startswith("handout; ") and printed_entry[3].endswith(" pages")
