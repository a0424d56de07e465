"""The validation rules give messages a clinician understands, tied to the right field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from consult_aid.domain import (
    Decider,
    Interpreter,
    Participants,
    Person,
    SureAnswers,
    TeachBack,
    Understanding,
)
from consult_aid.domain.consult import RecordLockedError
from tests.builders import NOW, sample_consult, sign_in_place


def messages(consult) -> dict[str, str]:
    return {p.field: p.message for p in consult.problems()}


def test_a_complete_sample_consult_has_no_problems() -> None:
    assert sample_consult().problems() == []


def test_date_of_birth_in_the_future() -> None:
    c = sample_consult()
    c.patient.date_of_birth = NOW.date() + timedelta(days=1)
    assert "in the future" in messages(c)["patient.date_of_birth"]


def test_empty_patient_name() -> None:
    c = sample_consult()
    c.patient.name = "   "
    assert messages(c)["patient.name"] == "Enter the patient's name."


@pytest.mark.parametrize("field", ["pain_now", "pain_average", "pain_worst", "interference"])
@pytest.mark.parametrize("value", [-1, 11])
def test_pain_scores_outside_0_to_10(field: str, value: int) -> None:
    c = sample_consult()
    c.condition.pain_worst = 10
    setattr(c.condition, field, value)
    msg = messages(c)[f"condition.{field}"]
    assert "0" in msg and "10" in msg and str(value) in msg


def test_worst_pain_below_current_pain_is_questioned() -> None:
    c = sample_consult()
    c.condition.pain_now, c.condition.pain_worst = 8, 5
    assert "lower than the pain now" in messages(c)["condition.pain_worst"]


def test_follow_up_before_the_consult() -> None:
    c = sample_consult()
    c.decision.follow_up = date(2026, 11, 1)
    assert "before the consult" in messages(c)["decision.follow_up"]


def test_representative_needs_name_and_relationship() -> None:
    c = sample_consult()
    c.participants = Participants(decider=Decider.REPRESENTATIVE)
    assert "representative" in messages(c)["participants.representative.name"]
    c.participants.representative = Person("Maria Núñez", "")
    assert "related" in messages(c)["participants.representative.relationship"]


def test_interpreter_needs_language_and_name_or_id() -> None:
    c = sample_consult()
    c.participants.interpreter = Interpreter()
    m = messages(c)
    assert "language" in m["participants.interpreter.language"]
    assert "ID" in m["participants.interpreter.name"]
    c.participants.interpreter = Interpreter(identifier="INT-22", language="Polish")
    assert c.problems() == []


def test_travel_time_and_opioid_dose_bounds() -> None:
    c = sample_consult()
    c.lifestyle.travel_minutes = 5000
    c.condition.opioid_mme_per_day = -5
    m = messages(c)
    assert "1440" in m["lifestyle.travel_minutes"]
    assert "10,000" in m["condition.opioid_mme_per_day"]


def test_signature_needs_strokes_and_time_zone() -> None:
    c = sign_in_place(sample_consult())
    sig = c.signatures[0]
    sig.strokes = ()
    sig.signed_at = datetime(2026, 11, 25, 14, 0)  # naive
    m = messages(c)
    assert "not signed yet" in m["signatures[0].strokes"]
    assert "time zone" in m["signatures[0].signed_at"]


@pytest.mark.parametrize(("answers", "score", "flag"), [
    ((True, True, True, True), 4, False),
    ((True, True, True, False), 3, True),
    ((False, False, False, False), 0, True),
    ((True, None, True, True), None, False),
])
def test_sure_score_flags_three_or_less(answers, score, flag) -> None:
    sure = SureAnswers(*answers)
    assert sure.score == score
    assert sure.decisional_conflict is flag


def test_understanding_stays_open_until_discussed_and_understood() -> None:
    u = Understanding("x")
    assert u.is_open
    u.level = TeachBack.UNDERSTOOD
    assert u.is_open  # not ticked as discussed
    u.discussed = True
    assert not u.is_open
    u.level = TeachBack.PARTLY
    assert u.is_open


def test_a_signed_consult_refuses_edits() -> None:
    c = sign_in_place(sample_consult())
    with pytest.raises(RecordLockedError, match="addendum"):
        c.ensure_editable()


def test_facts_flatten_answers_for_pack_rules() -> None:
    facts = sample_consult().facts()
    assert facts["history.anticoagulants"] is True
    assert facts["history.infection"] is None
    assert facts["lifestyle.travel_minutes"] == 45
    assert facts["history.psych_evaluation"] == "done_no_concerns"
    assert facts["patient.age"] == 65
