"""End to end: a new patient, every step by keyboard and mouse, signatures drawn, signed; then
what the database file on disk holds."""

from __future__ import annotations

import hashlib
import json
import sqlite3

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from consult_aid.domain import DecisionChoice, PsychEvaluation, TeachBack
from consult_aid.domain.consult import DecisionScope
from consult_aid.domain.steps import STEP_IDS
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.history import HistoryPage
from consult_aid.ui.steps.options import OptionsPage

from .conftest import PrintRecorder, draw
from .helpers import WAIT_MS, add_patient_and_start, click, shown_state, type_into

NEXT = (Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)


def test_a_whole_consult_walked_signed_and_stored(qtbot: QtBot, window: MainWindow,
                                                  printed: PrintRecorder) -> None:
    view = add_patient_and_start(qtbot, window, "Łukasz Øster-Müller")
    data = window.ctx.data
    assert view.current_step() == "patient"

    def next_step() -> None:
        qtbot.keyClick(window.focusWidget() or window, *NEXT)

    # 1 patient: an interpreter takes part
    page = view.page("patient")
    click(qtbot, page.has_interpreter)
    type_into(qtbot, page.int_language, "Polish")
    type_into(qtbot, page.int_name, "Ewa Nowak")
    next_step()
    assert view.current_step() == "condition"

    # 2 condition, typed
    page = view.page("condition")
    type_into(qtbot, page.diagnosis.lineEdit(), "Long-term pain that is hard to treat")
    type_into(qtbot, page.location, "Lower back and left leg")
    type_into(qtbot, page.duration, "36")
    for name, value in zip(("pain_now", "pain_average", "pain_worst", "interference"),
                           ("6", "7", "9", "8"), strict=True):
        type_into(qtbot, page.scores[name], value)
    next_step()

    # 3 history, clicked: all "No" but anticoagulants "Yes" (raises a prompt beside it)
    page = view.page("history")
    assert isinstance(page, HistoryPage)
    for name, (answer, _details) in page.findings.items():
        click(qtbot, answer.button(name == "anticoagulants"))
    assert page.flag_prompts["anticoagulants"].isVisible()
    assert not page.flag_prompts["diabetes"].isVisible()
    click(qtbot, page.flag_prompts["anticoagulants"].discussed)  # the prompt was talked about
    page.psych.setFocus()
    page.psych.setCurrentIndex(page.psych.findData(PsychEvaluation.DONE_NO_CONCERNS.value))
    next_step()

    # 4 lifestyle
    page = view.page("lifestyle")
    type_into(qtbot, page.goals, "Walk to the park with my grandson")
    type_into(qtbot, page.support, "My wife")
    type_into(qtbot, page.travel, "40")
    next_step()

    # 5 options: the lifestyle answers are in view; lean towards the pump
    page = view.page("options")
    assert isinstance(page, OptionsPage)
    assert "Walk to the park with my grandson" in page.patient_view.text()
    click(qtbot, page.preference.button("pump"))
    next_step()

    # 6 benefits and risks: every item discussed and understood (one after a re-explanation)
    page = view.page("benefits_risks")
    assert "open" in page.summary.text()
    for i, card in enumerate(page.cards):
        click(qtbot, card.discussed)
        if i == 0:
            click(qtbot, card.level.button(TeachBack.NOT_YET))
            assert card.is_open
            click(qtbot, card.re_explained)
            type_into(qtbot, card.words, "The trial shows if it helps me")
        click(qtbot, card.level.button(TeachBack.UNDERSTOOD))
        assert not card.is_open
    assert "All" in page.summary.text()
    next_step()

    # 7 questions and the SURE test
    page = view.page("questions")
    click(qtbot, page.questions.add_button)
    question, answer = page.questions.editors(0)
    type_into(qtbot, question, "Will I still be able to drive?")
    type_into(qtbot, answer, "Not during the trial; afterwards usually yes.")
    type_into(qtbot, page.matters, "Staying alert for work")
    for choice in page.sure.values():
        click(qtbot, choice.button(True))
    assert "4 of 4" in page.sure_result.text()
    next_step()

    # 8 decision
    page = view.page("decision")
    click(qtbot, page.choice.button(DecisionChoice.GO_AHEAD_TRIAL))
    type_into(qtbot, page.next_steps, "Book the trial; stop apixaban as planned.")
    follow = QDate.currentDate().addDays(21)
    page.follow_up.setFocus()
    page.follow_up.setDate(follow)
    pump = view.session.pack.option("pump")
    if pump.has_trial:  # as the pack declares it: a trial first, then the implant
        click(qtbot, page.scope.button(DecisionScope.TRIAL_ONLY))
    if pump.medicines:
        type_into(qtbot, page.medicine.lineEdit(), pump.medicines[0])
    page.recommendation.setFocus()
    page.recommendation.setCurrentIndex(page.recommendation.findData("pump"))
    type_into(qtbot, page.reason, "Severe pain despite medicines; wants to try it.")
    next_step()

    # 9 review: only the signatures are open; draw them, then sign
    assert view.current_step() == "review"
    review = view.review_page
    assert not review.sign_button.isEnabled()
    assert set(review.blocks) == {"patient", "clinician", "interpreter"}
    for block in review.blocks.values():
        block.pad.setFocus()
        w, h = block.pad.width(), block.pad.height()
        draw(block.pad, [(w * 0.1, h * 0.6), (w * 0.3, h * 0.3), (w * 0.5, h * 0.7),
                         (w * 0.8, h * 0.4)])
    qtbot.waitUntil(lambda: review.sign_button.isEnabled(), timeout=WAIT_MS)
    assert [shown_state(view, s) for s in STEP_IDS[:-1]] == ["Done"] * (len(STEP_IDS) - 1)
    click(qtbot, review.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=30_000)
    qtbot.waitUntil(lambda: bool(window.documents and window.documents.dialogs), timeout=WAIT_MS)
    preview = window.documents.dialogs[-1]
    assert preview.preview.page_count() >= 2

    # locked: the pages are read-only now
    assert view.page("condition").location.isReadOnly()
    assert not review.sign_button.isVisible()

    # print the signed summary (to a PDF file standing in for the printer)
    click(qtbot, preview.print_button)
    qtbot.waitUntil(lambda: bool(printed.files) and printed.files[0].is_file()
                    and not window.documents.printing, timeout=30_000)
    assert printed.files[0].read_bytes().startswith(b"%PDF")

    # what the database file holds, read with a connection of our own
    consult_id = view.session.consult.id
    window.close()
    con = sqlite3.connect(data.database)
    try:
        status, body = con.execute("SELECT status, body FROM consults WHERE id = ?",
                                   (consult_id,)).fetchone()
        pdf, sha = con.execute("SELECT pdf, sha256 FROM documents WHERE consult_id = ? "
                               "AND kind = 'summary'", (consult_id,)).fetchone()
    finally:
        con.close()
    assert status == "signed"
    stored = json.loads(body)["consult"]
    assert stored["patient"]["name"] == "Łukasz Øster-Müller"
    assert stored["condition"]["pain_worst"] == 9
    assert stored["history"]["anticoagulants"]["present"] is True
    assert stored["red_flags_discussed"] == {"anticoagulants": True}
    assert stored["participants"]["interpreter"]["language"] == "Polish"
    signatures = {s["role"]: s for s in stored["signatures"]}
    assert set(signatures) == {"patient", "clinician", "interpreter"}
    for signature in signatures.values():
        points = [p for stroke in signature["strokes"] for p in stroke["points"]]
        assert len(points) >= 4
        assert signature["meaning"]
    understanding = stored["understanding"]
    assert len(understanding) == len(view.session.pack.items())
    assert all(u["discussed"] and u["level"] == "understood" for u in understanding.values())
    first = understanding[view.session.pack.items()[0].id]
    assert first["re_explained"] is True
    assert first["patient_words"] == "The trial shows if it helps me"
    assert stored["sure"] == {"sure": True, "understand": True, "risks_benefits_clear": True,
                              "support": True}
    assert stored["decision"]["choice"] == "go_ahead_trial"
    assert stored["decision"]["recommendation"] == "pump"
    assert stored["decision"]["recommendation_reason"] == ("Severe pain despite medicines; "
                                                           "wants to try it.")
    assert bytes(pdf).startswith(b"%PDF")
    assert hashlib.sha256(bytes(pdf)).hexdigest() == sha
