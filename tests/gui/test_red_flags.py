"""A raised red-flag prompt is ticked as discussed on the history step: by keyboard, autosaved,
closed on the review page; a changed answer hides the prompt but keeps the tick."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from consult_aid.domain import PsychEvaluation
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.history import HistoryPage

from .helpers import WAIT_MS, add_patient_and_start, click

PROMPT = "Discuss: Takes a blood thinner…"


def test_a_raised_prompt_is_ticked_as_discussed_and_leaves_the_open_items(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("history")
    page = view.page("history")
    assert isinstance(page, HistoryPage)
    prompt = page.flag_prompts["anticoagulants"]
    assert not prompt.isVisible()
    for name, (answer, _details) in page.findings.items():
        click(qtbot, answer.button(name == "anticoagulants"))  # "Yes" to blood thinners only
    page.psych.setCurrentIndex(page.psych.findData(PsychEvaluation.DONE_NO_CONCERNS.value))
    assert prompt.isVisible() and prompt.discussed.isVisible()
    assert "Takes a blood thinner" in prompt.label.text()
    assert prompt.discussed.text() == "Discussed with the patient"
    assert prompt.discussed.accessibleName() == ("Discussed with the patient: "
                                                 "Takes a blood thinner…")
    assert not any(p.isVisible() for i, p in page.flag_prompts.items() if i != "anticoagulants")

    # the review page lists it as still to discuss, and it blocks signing a trial
    assert PROMPT in open_item_texts(window)
    assert not prompt.discussed.isChecked()

    # keyboard: Tab from the answer's details reaches the tick; Space ticks it
    view.go_to("history")
    details = page.findings["anticoagulants"][1]
    details.setFocus()
    qtbot.keyClick(details, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is prompt.discussed
    qtbot.keyClick(prompt.discussed, Qt.Key.Key_Space)
    assert prompt.discussed.isChecked()
    assert view.session.consult.red_flags_discussed == {"anticoagulants": True}

    consult_id = view.session.consult.id
    repo = ConsultRepository(window.ctx.db)
    qtbot.waitUntil(lambda: repo.get(consult_id).red_flags_discussed == {"anticoagulants": True},
                    timeout=WAIT_MS)
    assert PROMPT not in open_item_texts(window)

    # the answer changes: the prompt and its tick hide, the stored tick stays
    view.go_to("history")
    click(qtbot, page.findings["anticoagulants"][0].button(False))
    assert not prompt.isVisible() and not prompt.discussed.isVisible()
    qtbot.waitUntil(lambda: repo.get(consult_id).history.anticoagulants.present is False,
                    timeout=WAIT_MS)
    assert repo.get(consult_id).red_flags_discussed == {"anticoagulants": True}
    # ... and shows again, still ticked, when the answer is "Yes" once more
    click(qtbot, page.findings["anticoagulants"][0].button(True))
    assert prompt.isVisible() and prompt.discussed.isChecked()
    assert PROMPT not in open_item_texts(window)


def open_item_texts(window: MainWindow) -> list[str]:
    view = window.consult_view
    assert view is not None
    view.go_to("review")
    layout = view.review_page.open_list  # as listed now (replaced links await deletion)
    links = (layout.itemAt(i).widget() for i in range(layout.count()))
    return [w.text() for w in links if isinstance(w, QPushButton)]
