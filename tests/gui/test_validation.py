"""Bad input is explained next to the field it is about, and never blocks saving the rest."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from consult_aid.domain import Decider
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.main_window import MainWindow

from .conftest import db_row
from .helpers import WAIT_MS, add_patient_and_start, click, type_into


@pytest.fixture
def view(qtbot: QtBot, window: MainWindow) -> ConsultView:
    return add_patient_and_start(qtbot, window)


def shown(view: ConsultView, step: str, field: str) -> str:
    label = view.page(step).errors[field]
    return label.text() if label.isVisibleTo(view.page(step)) else ""


def test_future_date_of_birth(qtbot: QtBot, view: ConsultView) -> None:
    view.go_to("patient")
    page = view.page("patient")
    page.dob.setFocus()
    page.dob.setDate(QDate.currentDate().addYears(1))
    assert "in the future" in shown(view, "patient", "patient.date_of_birth")
    page.dob.setDate(QDate(1970, 1, 1))
    assert shown(view, "patient", "patient.date_of_birth") == ""


def test_empty_patient_name(qtbot: QtBot, view: ConsultView) -> None:
    page = view.page("patient")
    page.name.selectAll()
    type_into(qtbot, page.name, "\b")
    assert page.name.text() == ""
    assert shown(view, "patient", "patient.name") == "Enter the patient's name."


@pytest.mark.parametrize(("field", "typed", "expected"), [
    ("pain_now", "12", "must be from 0 (no pain) to 10"),
    ("pain_worst", "-1", "must be from 0 (no pain) to 10"),
    ("pain_average", "six", "Type a number"),
    ("interference", "4.5", "whole number"),
])
def test_pain_scores(qtbot: QtBot, view: ConsultView, field: str, typed: str,
                     expected: str) -> None:
    view.go_to("condition")
    type_into(qtbot, view.page("condition").scores[field], typed)
    assert expected in shown(view, "condition", f"condition.{field}")


def test_worst_pain_below_pain_now(qtbot: QtBot, view: ConsultView) -> None:
    view.go_to("condition")
    page = view.page("condition")
    type_into(qtbot, page.scores["pain_now"], "8")
    type_into(qtbot, page.scores["pain_worst"], "5")
    assert "lower than the pain now" in shown(view, "condition", "condition.pain_worst")


def test_opioid_dose_and_travel_time_out_of_range(qtbot: QtBot, view: ConsultView) -> None:
    view.go_to("condition")
    type_into(qtbot, view.page("condition").mme, "20000")
    assert "10,000" in shown(view, "condition", "condition.opioid_mme_per_day")
    view.go_to("lifestyle")
    type_into(qtbot, view.page("lifestyle").travel, "2000")
    assert "1440 minutes" in shown(view, "lifestyle", "lifestyle.travel_minutes")


def test_follow_up_before_the_consult(qtbot: QtBot, view: ConsultView) -> None:
    view.go_to("decision")
    page = view.page("decision")
    page.follow_up.setFocus()
    page.follow_up.setDate(QDate.currentDate().addDays(-3))
    assert "before the consult" in shown(view, "decision", "decision.follow_up")


def test_representative_and_interpreter_details_required(qtbot: QtBot,
                                                         view: ConsultView) -> None:
    page = view.page("patient")
    click(qtbot, page.decider.button(Decider.REPRESENTATIVE))
    assert "representative decides" in shown(view, "patient",
                                             "participants.representative.name")
    click(qtbot, page.has_interpreter)
    assert "language" in shown(view, "patient", "participants.interpreter.language")
    assert "name or ID" in shown(view, "patient", "participants.interpreter.name")


def test_a_bad_field_is_held_back_and_the_rest_is_saved(qtbot: QtBot, window: MainWindow,
                                                        view: ConsultView) -> None:
    view.go_to("condition")
    page = view.page("condition")
    type_into(qtbot, page.scores["pain_now"], "12")
    type_into(qtbot, page.location, "Left knee")
    consult_id = view.session.consult.id

    def stored() -> dict:
        row = db_row(window.ctx.data, "SELECT body FROM consults WHERE id = ?", consult_id)
        assert row is not None
        return json.loads(row[0])["consult"]["condition"]

    qtbot.waitUntil(lambda: stored()["pain_location"] == "Left knee", timeout=WAIT_MS)
    assert stored()["pain_now"] is None
    # the label follows the writer's reply on the GUI thread, a moment after the row is stored
    qtbot.waitUntil(lambda: "kept unsaved" in view.saved_label.text(), timeout=WAIT_MS)
    assert "must be from 0" in shown(view, "condition", "condition.pain_now")
