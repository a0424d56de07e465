"""End to end on the third pack: a baclofen-pump consult for spasticity, decided by a
representative, walked through the window (diagnosis from the list, tone, spasms and goals from
the pack's own measures, no pain scores), both handouts printed and recorded as given, signed;
then the archived record and the two handouts read back."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from consult_aid.domain import DecisionChoice, PsychEvaluation, TeachBack
from consult_aid.domain.consult import DecisionScope
from consult_aid.domain.participants import Decider
from consult_aid.domain.steps import open_items
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.condition import ConditionPage
from consult_aid.ui.steps.history import HistoryPage
from consult_aid.ui.steps.options import OptionsPage
from tests.pdfcheck import flat_text

from .conftest import PrintRecorder, draw
from .helpers import WAIT_MS, add_patient_and_start, click, type_into

NEXT = (Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
PACK_ID = "intrathecal-baclofen"


def print_from_review(qtbot: QtBot, window: MainWindow, button: object,
                      printed: PrintRecorder) -> bytes:
    """Click a print button of the review step, print the preview; the PDF printed."""
    before = len(printed.files)
    shown = len(window.documents.dialogs) if window.documents else 0
    click(qtbot, button)
    qtbot.waitUntil(lambda: bool(window.documents)
                    and len(window.documents.dialogs) > shown, timeout=WAIT_MS)
    preview = window.documents.dialogs[-1]
    click(qtbot, preview.print_button)
    qtbot.waitUntil(lambda: len(printed.files) > before and printed.files[-1].is_file()
                    and not window.documents.printing, timeout=30_000)
    data = preview.preview.data
    preview.close()
    return data


def test_a_baclofen_consult_walked_signed_with_both_handouts(
        qtbot: QtBot, window: MainWindow, printed: PrintRecorder) -> None:
    view = add_patient_and_start(qtbot, window, "Amira Okonjo", pack_id=PACK_ID)
    pack = view.session.pack
    assert pack.id == PACK_ID

    def next_step() -> None:
        qtbot.keyClick(window.focusWidget() or window, *NEXT)

    # 1 patient: her husband decides with her as her legally authorised representative
    page = view.page("patient")
    click(qtbot, page.decider.button(Decider.REPRESENTATIVE))
    type_into(qtbot, page.rep_name, "Daniel Okonjo")
    type_into(qtbot, page.rep_relation, "husband")
    next_step()

    # 2 condition: MS chosen from the list; tone, spasms and goals; no pain scores needed
    page = view.page("condition")
    assert isinstance(page, ConditionPage)
    page.diagnosis.setCurrentIndex(page.diagnosis.findData("ms-spasticity"))
    tone, spasms, goals = (page.measures[k] for k in ("tone", "spasms", "goals"))
    tone.setCurrentIndex(4)  # "2 - marked increase ..."
    spasms.setCurrentIndex(spasms.findData("4 - more than 10 an hour"))
    type_into(qtbot, goals, "Sit in her wheelchair all day; easier washing and dressing")
    assert not [o for o in open_items(view.session.consult, pack) if o.step_id == "condition"]
    next_step()

    # 3 history: all "No"; psychological evaluation done
    page = view.page("history")
    assert isinstance(page, HistoryPage)
    for _name, (answer, _details) in page.findings.items():
        click(qtbot, answer.button(False))
    # a representative decides: the boxed warning's "communication difficulties" prompt
    prompt = page.flag_prompts["representative-decides"]
    assert prompt.isVisible()
    click(qtbot, prompt.discussed)
    page.psych.setFocus()
    page.psych.setCurrentIndex(page.psych.findData(PsychEvaluation.DONE_NO_CONCERNS.value))
    next_step()

    # 4 lifestyle
    page = view.page("lifestyle")
    type_into(qtbot, page.goals, "Stay at home with Daniel; fewer night-time spasms")
    type_into(qtbot, page.support, "Daniel, and carers twice a day")
    type_into(qtbot, page.travel, "35")
    next_step()

    # 5 options: four side by side, each with key numbers and sources
    page = view.page("options")
    assert isinstance(page, OptionsPage)
    ids = [o.id for o in pack.options]
    for option_id in ("baclofen-pump", "oral-antispasmodics", "botulinum-physio"):
        assert "in 1,000" in page.key_cells[ids.index(option_id)].text(), option_id
        assert page.source_cells[ids.index(option_id)].text()[0].isdigit(), option_id
    click(qtbot, page.preference.button("baclofen-pump"))
    next_step()

    # 6 benefits and risks: the cards for MS only (not those for cerebral palsy or stroke)
    page = view.page("benefits_risks")
    shown = [c for c in page.cards if c.isVisible()]
    hidden = {c.item.id for c in page.cards if not c.isVisible()}
    assert {"itb-cp-carers", "itb-infection-cp", "itb-stroke-adverse"} <= hidden
    assert "itb-stop-tablets" in {c.item.id for c in shown}  # people with MS
    for card in shown:
        click(qtbot, card.discussed)
        click(qtbot, card.level.button(TeachBack.UNDERSTOOD))
    assert "All" in page.summary.text()
    next_step()

    # 7 questions and the SURE test
    page = view.page("questions")
    type_into(qtbot, page.matters, "Comfort, and Daniel managing her care at home")
    for choice in page.sure.values():
        click(qtbot, choice.button(True))
    next_step()

    # 8 decision: a test dose first, with baclofen
    page = view.page("decision")
    click(qtbot, page.choice.button(DecisionChoice.GO_AHEAD_TRIAL))
    click(qtbot, page.scope.button(DecisionScope.TRIAL_ONLY))
    type_into(qtbot, page.medicine.lineEdit(), "Baclofen")
    type_into(qtbot, page.next_steps, "Test dose on the day unit; carers learn the alarms.")
    page.follow_up.setFocus()
    page.follow_up.setDate(QDate.currentDate().addDays(14))
    page.recommendation.setFocus()
    page.recommendation.setCurrentIndex(page.recommendation.findData("baclofen-pump"))
    type_into(qtbot, page.reason, "Severe spasms despite tablets; goals are care and comfort.")
    next_step()

    # 9 review: both handouts printed (and so recorded as given), signatures, sign
    review = view.review_page
    assert review.print_carer_handout.isVisible()
    patient_sheet = print_from_review(qtbot, window, review.print_handout, printed)
    carer_sheet = print_from_review(qtbot, window, review.print_carer_handout, printed)
    titles = [h.title for h in view.session.consult.handouts_given]
    assert titles == [pack.handout.title, pack.carer_handout.title]
    assert set(review.blocks) == {"representative", "clinician"}
    for block in review.blocks.values():
        block.pad.setFocus()
        w, h = block.pad.width(), block.pad.height()
        draw(block.pad, [(w * 0.1, h * 0.6), (w * 0.3, h * 0.3), (w * 0.6, h * 0.7),
                         (w * 0.8, h * 0.4)])
    assert not open_items(view.session.consult, pack), open_items(view.session.consult, pack)
    qtbot.waitUntil(lambda: review.sign_button.isEnabled(), timeout=WAIT_MS)
    click(qtbot, review.sign_button)
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=30_000)
    consult_id = view.session.consult.id
    data = window.ctx.data
    window.close()

    # the archived record, read back from the database file
    con = sqlite3.connect(data.database)
    try:
        (pdf,) = con.execute("SELECT pdf FROM documents WHERE consult_id = ? AND kind = "
                             "'summary'", (consult_id,)).fetchone()
    finally:
        con.close()
    record = flat_text(bytes(pdf))
    for text in ("Baclofen pump (test dose, then implant)", "Planned medicine Baclofen",
                 "Muscle tone (Modified Ashworth Scale)", "Spasms (Penn spasm frequency score)",
                 "4 - more than 10 an hour", "Sit in her wheelchair all day",
                 "Daniel Okonjo", pack.handout.title, pack.carer_handout.title,
                 "pack intrathecal-baclofen, version 1.0.0"):
        assert text in record, text
    assert "Fewer spasms" in record or "fewer spasms" in record.lower()
    assert "Scores (0–10)" not in record  # no pain scores were recorded, none are printed

    # the two handouts as printed: the patient's plan, and the carers' danger signs first
    patient_text = flat_text(patient_sheet)
    assert "For Amira Okonjo" in patient_text and "Your medicine: Baclofen" in patient_text
    assert "The day of your test dose" in patient_text
    carer_text = flat_text(carer_sheet)
    assert carer_text.index("Caring for someone with a baclofen pump") < \
        carer_text.index("Call emergency services now") < carer_text.index("Call the clinic today")
    assert "high fever, confusion, or very stiff muscles" in carer_text.lower()
