"""A consult left mid-way (window closed, or the program stopped) reopens exactly as it was."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.context import AppContext

from .conftest import make_window
from .helpers import WAIT_MS, add_patient_and_start, click, shown_state, type_into


def test_closing_mid_consult_and_reopening_restores_everything(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    window = make_window(qtbot, ctx)
    view = add_patient_and_start(qtbot, window, "Ada Resume")
    view.go_to("condition")
    condition = view.page("condition")
    type_into(qtbot, condition.location, "Neck")
    type_into(qtbot, condition.scores["pain_now"], "5")
    view.go_to("history")
    history = view.page("history")
    click(qtbot, history.findings["diabetes"][0].button(True))
    type_into(qtbot, history.findings["diabetes"][1], "Type 2, on metformin")
    view.go_to("lifestyle")
    type_into(qtbot, view.page("lifestyle").goals, "Garden again")
    consult_id = view.session.consult.id
    window.close()  # no waiting for the debounce: closing stores the latest state

    data = ctx.data
    second = build_context(data)
    try:
        reopened = make_window(qtbot, second)
        drafts = reopened.start.drafts
        assert drafts.count() == 1
        click(qtbot, reopened.start.resume_button)
        qtbot.waitUntil(lambda: reopened.consult_view is not None, timeout=WAIT_MS)
        again = reopened.consult_view
        assert again is not None
        assert again.session.consult.id == consult_id
        assert again.current_step() == "lifestyle"
        assert again.page("lifestyle").goals.text() == "Garden again"
        assert again.page("condition").location.text() == "Neck"
        assert again.page("condition").scores["pain_now"].text() == "5"
        answer, details = again.page("history").findings["diabetes"]
        assert answer.value() is True
        assert details.text() == "Type 2, on metformin"
        assert shown_state(again, "condition") == "Incomplete"
        reopened.close()
    finally:
        close_context(second)
