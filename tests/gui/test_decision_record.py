"""The decision step's record fields (what going ahead covers, the planned medicine, the
clinician's recommendation and its reason, how a decisional conflict was addressed), the review
step's decision record, and the clinic's out-of-hours and emergency numbers at first run."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.content import Pack
from consult_aid.domain import Clinician, DecisionChoice
from consult_aid.domain.consult import NO_RECOMMENDATION, DecisionScope
from consult_aid.domain.record import RecordLine, decision_record
from consult_aid.domain.steps import STEP_IDS, open_items
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.decision import DecisionPage
from consult_aid.ui.steps.options import OptionsPage
from consult_aid.ui.steps.questions import QuestionsPage
from consult_aid.ui.steps.review import ReviewPage
from consult_aid.ui.theme import apply_theme

from .conftest import make_window
from .helpers import WAIT_MS, add_patient_and_start, click, type_into

PUMP = "pump"
MEDICINES = ("Morphine", "Hydromorphone", "Ziconotide")
ALT = Qt.KeyboardModifier.AltModifier
NEW_DECISION_FIELDS = ("decision.scope", "decision.medicine", "decision.recommendation",
                       "decision.recommendation_reason", "decision.conflict_addressed")


@pytest.fixture
def trial_pack(ctx: AppContext) -> Iterator[Pack]:
    """The pump pack as the catalog serves it, its pump option declaring a trial and three
    medicines (the content says so, whatever the built-in file holds today)."""
    entries = ctx.catalog._entries
    pack = next(e.pack for e in entries if e.pack is not None and e.pack.id == "intrathecal-pump")
    options = tuple(dataclasses.replace(o, has_trial=True, medicines=MEDICINES)
                    if o.id == PUMP else dataclasses.replace(o, has_trial=False, medicines=())
                    for o in pack.options)
    changed = dataclasses.replace(pack, options=options)
    ctx.catalog._entries = [e._replace(pack=changed) if e.pack is pack else e for e in entries]
    yield changed
    ctx.catalog._entries = entries


def open_fields(view: ConsultView) -> set[str]:
    session = view.session
    return {o.field for o in open_items(session.consult, session.pack)}


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def mnemonic(qtbot: QtBot, key: Qt.Key) -> None:
    """Alt+key, pressed wherever the focus is, as a person would."""
    qtbot.keyClick(focused() or QApplication.activeWindow(), key, ALT)


def in_combo(widget: QWidget | None, combo: QComboBox) -> bool:
    return widget is not None and (widget is combo or combo.isAncestorOf(widget))


def start_on_pump(qtbot: QtBot, window: MainWindow) -> tuple[ConsultView, DecisionPage]:
    view = add_patient_and_start(qtbot, window)
    view.go_to("options")
    options = view.page("options")
    assert isinstance(options, OptionsPage)
    click(qtbot, options.preference.button(PUMP))
    view.go_to("decision")
    page = view.page("decision")
    assert isinstance(page, DecisionPage)
    return view, page


def test_the_decision_record_fields_are_filled_in_by_keyboard_alone(
        qtbot: QtBot, window: MainWindow, trial_pack: Pack) -> None:
    view, page = start_on_pump(qtbot, window)
    d = view.session.consult.decision
    # before a decision: no scope yet; the pump's medicines are offered; no conflict to address
    assert not page.scope.isVisibleTo(page)
    assert page.medicine.isVisibleTo(page)
    assert [page.medicine.itemText(i) for i in range(1, page.medicine.count())] == \
        list(MEDICINES)
    assert not page.conflict.isVisibleTo(page)
    assert "decision.recommendation" in open_fields(view)

    # Alt+D reaches the decision; Space chooses "Go ahead with a trial" (the first)
    mnemonic(qtbot, Qt.Key.Key_D)
    assert focused() is page.choice.button(DecisionChoice.GO_AHEAD_TRIAL)
    assert d.choice is None  # reaching a choice never makes it
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert d.choice is DecisionChoice.GO_AHEAD_TRIAL
    assert page.scope.isVisibleTo(page)
    assert {"decision.scope", "decision.medicine"} <= open_fields(view)

    # Alt+W: what going ahead covers; Space, then Down to the other choice
    mnemonic(qtbot, Qt.Key.Key_W)
    assert focused() is page.scope.button(DecisionScope.TRIAL_ONLY)
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert d.scope is DecisionScope.TRIAL_ONLY
    assert "decision.scope" not in open_fields(view)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert d.scope is DecisionScope.TRIAL_AND_IMPLANT
    assert focused() is page.scope.button(DecisionScope.TRIAL_AND_IMPLANT)

    # Alt+M: the planned medicine, picked from the list with Down, then typed over
    mnemonic(qtbot, Qt.Key.Key_M)
    assert in_combo(focused(), page.medicine)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert d.medicine == MEDICINES[0]
    assert "decision.medicine" not in open_fields(view)
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(focused(), "Baclofen 50 micrograms a day")
    assert d.medicine == "Baclofen 50 micrograms a day"  # one not on the list: kept as typed
    assert "decision.medicine" not in open_fields(view)

    # Alt+R: the recommendation, moved with Down to the pump
    mnemonic(qtbot, Qt.Key.Key_R)
    assert focused() is page.recommendation
    while page.recommendation.currentData() != PUMP:
        before = page.recommendation.currentIndex()
        qtbot.keyClick(page.recommendation, Qt.Key.Key_Down)
        assert page.recommendation.currentIndex() == before + 1
    assert d.recommendation == PUMP
    fields = open_fields(view)
    assert "decision.recommendation" not in fields
    assert "decision.recommendation_reason" in fields  # a recommendation needs its reason

    # Alt+E: the reason
    mnemonic(qtbot, Qt.Key.Key_E)
    assert focused() is page.reason
    qtbot.keyClicks(page.reason, "Pain despite high-dose opioids")
    assert d.recommendation_reason == "Pain despite high-dose opioids"
    fields = open_fields(view)
    assert not fields & set(NEW_DECISION_FIELDS)

    # "No recommendation" needs no reason
    page.recommendation.setFocus()
    qtbot.keyClick(page.recommendation, Qt.Key.Key_End)
    assert d.recommendation == NO_RECOMMENDATION
    assert not open_fields(view) & set(NEW_DECISION_FIELDS)

    # every field comes back from the database as it was left
    consult_id = view.session.consult.id
    click(qtbot, view.close_button)
    qtbot.waitUntil(lambda: window.consult_view is None, timeout=WAIT_MS)
    window.open_consult(consult_id)
    again = window.consult_view
    assert again is not None and again is not view
    stored = again.session.consult.decision
    assert (stored.choice, stored.scope, stored.medicine, stored.recommendation,
            stored.recommendation_reason) == (
        DecisionChoice.GO_AHEAD_TRIAL, DecisionScope.TRIAL_AND_IMPLANT,
        "Baclofen 50 micrograms a day",
        NO_RECOMMENDATION, "Pain despite high-dose opioids")
    again.go_to("decision")
    shown = again.page("decision")
    assert isinstance(shown, DecisionPage)
    assert shown.choice.value() is DecisionChoice.GO_AHEAD_TRIAL
    assert shown.scope.value() is DecisionScope.TRIAL_AND_IMPLANT
    assert shown.medicine.currentText() == "Baclofen 50 micrograms a day"
    assert shown.recommendation.currentData() == NO_RECOMMENDATION
    assert shown.reason.text() == "Pain despite high-dose opioids"


def test_the_mnemonics_on_the_decision_page_do_not_clash(
        qtbot: QtBot, window: MainWindow, trial_pack: Pack) -> None:
    view, page = start_on_pump(qtbot, window)
    click(qtbot, page.choice.button(DecisionChoice.GO_AHEAD_TRIAL))
    keys = {Qt.Key.Key_D: page.choice, Qt.Key.Key_W: page.scope, Qt.Key.Key_M: page.medicine,
            Qt.Key.Key_R: page.recommendation, Qt.Key.Key_E: page.reason,
            Qt.Key.Key_N: page.next_steps, Qt.Key.Key_U: page.follow_up,
            Qt.Key.Key_O: page.notes}
    for key, target in keys.items():
        for _twice in range(2):  # a clash would move the focus on to the other at once
            mnemonic(qtbot, key)
            now = focused()
            assert now is not None and (now is target or target.isAncestorOf(now)), key
    assert view.current_step() == "decision"


def test_a_sure_no_asks_how_the_conflict_was_addressed(
        qtbot: QtBot, window: MainWindow, trial_pack: Pack) -> None:
    view, page = start_on_pump(qtbot, window)
    assert not page.conflict.isVisibleTo(page)
    view.go_to("questions")
    questions = view.page("questions")
    assert isinstance(questions, QuestionsPage)
    for name, choice in questions.sure.items():
        click(qtbot, choice.button(name != "support"))  # "No": not enough support yet
    assert view.session.consult.sure.decisional_conflict
    assert "decision.conflict_addressed" in open_fields(view)

    view.go_to("decision")
    assert page.conflict.isVisibleTo(page)
    assert "3 of 4" in page.conflict_note.text()
    mnemonic(qtbot, Qt.Key.Key_A)
    assert focused() is page.conflict
    qtbot.keyClicks(page.conflict, "Time to talk it over with his wife")
    assert "decision.conflict_addressed" not in open_fields(view)
    assert view.session.consult.decision.conflict_addressed == \
        "Time to talk it over with his wife"

    # "Yes" again: no conflict, the field goes (what was written stays in the consult)
    view.go_to("questions")
    click(qtbot, questions.sure["support"].button(True))
    view.go_to("decision")
    assert not page.conflict.isVisibleTo(page)
    assert "decision.conflict_addressed" not in open_fields(view)


def shown_text(page: ReviewPage) -> str:
    document = QTextDocument()
    document.setHtml(page.record.text())
    return document.toPlainText()


def expected_value(line: RecordLine) -> str:
    return f"“{line.value.strip()}”" if line.words else line.value


def assert_record_shown(page: ReviewPage, view: ConsultView) -> None:
    record = decision_record(view.session.consult, view.session.pack)
    text = shown_text(page)
    at = 0
    for line in (*record.who, *record.decision):
        start = text.find(line.label, at)
        assert start >= 0, (line.label, text[at:at + 200])
        at = start + len(line.label)
        for part in expected_value(line).split("\n"):
            found = text.find(part, at)
            assert found >= 0, (part, text[at:at + 200])
            at = found + len(part)
        # a line to look at is flagged, between its label and its value; no other line is
        assert ("⚑" in text[start:at]) == line.attention, (line, text[start:at])
    for part in (record.teach_back.sentence(), *record.open_points):
        found = text.find(part, at)
        assert found >= 0, (part, text[at:at + 200])
        at = found + len(part)


def test_the_review_shows_the_decision_record_and_follows_changes(
        qtbot: QtBot, window: MainWindow, trial_pack: Pack) -> None:
    view, page = start_on_pump(qtbot, window)
    view.go_to("review")
    review = view.review_page
    assert review.record.isVisible()
    assert_record_shown(review, view)
    before = shown_text(review)
    assert "⚑ Not recorded" in before  # no recommendation recorded yet: marked

    view.go_to("decision")
    click(qtbot, page.choice.button(DecisionChoice.GO_AHEAD_TRIAL))
    click(qtbot, page.scope.button(DecisionScope.TRIAL_ONLY))
    page.recommendation.setFocus()
    page.recommendation.setCurrentIndex(page.recommendation.findData(PUMP))
    hostile = "<b>Reason</b> <img src=file:///etc/passwd> & more"
    type_into(qtbot, page.reason, hostile)
    view.go_to("review")
    assert_record_shown(review, view)
    after = shown_text(review)
    assert after != before
    assert f"Reason: {hostile}" in after  # shown as typed, never as markup
    assert "<img" not in review.record.text()

    # what matters most, typed on its own step, is in the record in the patient's words
    view.go_to("lifestyle")
    type_into(qtbot, view.page("lifestyle").goals, "Sleep through the night")
    view.go_to("questions")
    questions = view.page("questions")
    assert isinstance(questions, QuestionsPage)
    type_into(qtbot, questions.matters, "Being there for my grandchildren")
    view.go_to("review")
    assert "“Being there for my grandchildren”" in shown_text(review)
    assert_record_shown(review, view)


def test_decision_and_review_need_no_sideways_scrolling_with_larger_text(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician, trial_pack: Pack) -> None:
    """Going ahead with the pump, every new field and the longest open items (each a link on
    the review page) fit 1280x720 with larger text."""
    ctx.settings.large_text = True
    window = make_window(qtbot, ctx)
    try:
        window.resize(1280, 720)
        view, page = start_on_pump(qtbot, window)
        click(qtbot, page.choice.button(DecisionChoice.GO_AHEAD_TRIAL))
        view.go_to("questions")
        questions = view.page("questions")
        assert isinstance(questions, QuestionsPage)
        click(qtbot, questions.sure["sure"].button(False))  # the conflict field shows too
        for step in ("decision", "review"):
            view.go_to(step)
            for _ in range(3):
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                QApplication.processEvents()
            scroll = view.scrolls[STEP_IDS.index(step)]
            assert scroll.viewport().width() > 0
            assert scroll.horizontalScrollBar().maximum() == 0, step
        assert page.scope.isVisibleTo(page) and page.medicine.isVisibleTo(page)
        assert "decision.scope" in open_fields(view)  # its link is on the review page
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


def test_the_out_of_hours_and_emergency_numbers_reach_the_stored_clinician(
        qtbot: QtBot, ctx: AppContext) -> None:
    window = make_window(qtbot, ctx)
    setup = window.setup_page
    assert window.stack.currentWidget() is setup
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)  # Alt shortcuts need it
    type_into(qtbot, setup.clinic, "Hillside Clinic")
    type_into(qtbot, setup.phone, "555 0123")
    qtbot.keyClick(setup.phone, Qt.Key.Key_O, ALT)
    assert focused() is setup.out_of_hours
    qtbot.keyClicks(setup.out_of_hours, "555 0999")
    qtbot.keyClick(setup.out_of_hours, Qt.Key.Key_E, ALT)
    assert focused() is setup.emergency
    qtbot.keyClicks(setup.emergency, "911")
    qtbot.keyClick(setup.emergency, Qt.Key.Key_I, ALT)  # the clinic's words on cost
    assert focused() is setup.cost_note
    qtbot.keyClicks(setup.cost_note, "Most insurers cover the trial; ask Sam about the rest.")
    qtbot.keyClick(setup.cost_note, Qt.Key.Key_Tab)  # Tab leaves the note, types no tab
    assert focused() is not setup.cost_note and "\t" not in setup.cost_note.toPlainText()
    type_into(qtbot, setup.name, "Dr First Run")
    type_into(qtbot, setup.username, "firstrun")
    type_into(qtbot, setup.account_password, "a long pass phrase of mine")
    type_into(qtbot, setup.account_repeat, "a long pass phrase of mine")
    click(qtbot, setup.save_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start, timeout=30_000)
    stored = ClinicianRepository(ctx.db).current()
    assert isinstance(stored, Clinician)
    assert (stored.clinic_phone, stored.out_of_hours_phone, stored.emergency_number) == \
        ("555 0123", "555 0999", "911")
    assert stored.cost_note == "Most insurers cover the trial; ask Sam about the rest."
    # the options step shows it beside the comparison, in the consult's copy of the clinician
    view = add_patient_and_start(qtbot, window)
    view.go_to("options")
    options = view.page("options")
    assert isinstance(options, OptionsPage)
    assert options.cost.text() == stored.cost_note
    window.close()
