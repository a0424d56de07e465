"""The steps as declared once: what is still open in a consult, each step's state, which
step owns which field (Qt-free)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from consult_aid.content import Pack, load_catalog
from consult_aid.domain import (
    Clinician,
    Consult,
    Decider,
    DecisionChoice,
    Interpreter,
    PackRef,
    Patient,
    Person,
    Point,
    Signature,
    SignerRole,
    Stroke,
    TeachBack,
)
from consult_aid.domain.signers import required_signers
from consult_aid.domain.step_rules import prompt_start
from consult_aid.domain.steps import (
    STEP_IDS,
    STEPS,
    StepState,
    blocking_items,
    open_items,
    step,
    step_of_field,
    step_state,
    step_states,
)
from tests.builders import fill_for_signing

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_catalog(None).get("intrathecal-pump")


def new_consult(pack: Pack) -> Consult:
    return Consult(id="c1", patient=Patient("Ana Test", date(1960, 2, 3)),
                   clinician=Clinician("Dr Who"),
                   pack=PackRef(pack.id, pack.version, pack.content_hash),
                   created_at=NOW, updated_at=NOW)


def sign(consult: Consult, role: SignerRole) -> None:
    stroke = Stroke((Point(10, 10), Point(50, 60)))
    consult.signatures.append(Signature(role, "Name", NOW, role.meaning, (stroke,)))


def complete(consult: Consult, pack: Pack) -> Consult:
    return fill_for_signing(consult, pack, when=NOW)


def test_a_new_consult_has_every_step_but_the_patient_not_started(pack: Pack) -> None:
    consult = new_consult(pack)
    states = {s: step_state(consult, pack, s) for s in STEP_IDS}
    assert states["patient"] is StepState.DONE
    assert {states[s] for s in STEP_IDS if s != "patient"} == {StepState.NOT_STARTED}
    fields = {o.field for o in open_items(consult, pack)}
    assert {"condition.pain_now", "history.diabetes.present", "lifestyle.goals", "sure",
            "decision.choice", "signatures.patient", "signatures.clinician"} <= fields
    # every item for a patient whose diagnosis is not yet chosen, but the ones about a
    # medicine only once one is planned
    assert {f"understanding.{i.id}" for i in pack.items() if not i.medicines} <= fields
    assert not {f"understanding.{i.id}" for i in pack.items() if i.medicines} & fields


def test_a_complete_consult_has_nothing_open(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    assert open_items(consult, pack) == []
    assert {step_state(consult, pack, s) for s in STEP_IDS} == {StepState.DONE}


def test_an_item_partly_understood_stays_open(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    item = pack.items()[3]
    consult.understanding[item.id].level = TeachBack.PARTLY
    (only,) = open_items(consult, pack)
    assert only.step_id == "benefits_risks"
    assert only.field == f"understanding.{item.id}"
    assert "partly" in only.message and item.title in only.message
    assert step_state(consult, pack, "benefits_risks") is StepState.INCOMPLETE


def test_an_unanswered_sure_test_and_a_question_without_answer_are_open(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.sure.support = None
    from consult_aid.domain import PatientQuestion

    consult.questions = [PatientQuestion("Does it hurt?", "")]
    fields = [o.field for o in open_items(consult, pack)]
    assert fields == ["questions[0].answer", "sure"]


def test_interpreter_and_witness_must_sign_when_present(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.participants.interpreter = Interpreter("Ewa", "Polish")
    consult.participants.witness = Person("Tom")
    assert required_signers(consult) == (SignerRole.PATIENT, SignerRole.CLINICIAN,
                                         SignerRole.INTERPRETER, SignerRole.WITNESS)
    assert [o.field for o in open_items(consult, pack)] == [
        "signatures.interpreter", "signatures.witness"]
    assert step_state(consult, pack, "review") is StepState.INCOMPLETE


def test_a_representative_signs_instead_of_the_patient(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.participants.decider = Decider.REPRESENTATIVE
    consult.participants.representative = Person("Rita", "daughter")
    assert required_signers(consult)[0] is SignerRole.REPRESENTATIVE
    assert [o.field for o in open_items(consult, pack)] == ["signatures.representative"]


def test_broken_rules_are_open_items_of_their_step(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.condition.pain_now = 12
    consult.decision.follow_up = date(2026, 1, 1)
    items = open_items(consult, pack)
    assert [(o.step_id, o.field) for o in items] == [
        ("condition", "condition.pain_now"), ("decision", "decision.follow_up")]
    assert step_state(consult, pack, "condition") is StepState.INCOMPLETE


def test_no_follow_up_is_needed_after_declining(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.decision.choice = DecisionChoice.DECLINE
    consult.decision.option_id = ""
    consult.decision.follow_up = None
    assert open_items(consult, pack) == []


def test_going_ahead_needs_the_option(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.decision.option_id = ""
    assert [(o.step_id, o.field) for o in open_items(consult, pack)] == [
        ("options", "decision.option_id")]


@pytest.mark.parametrize(("field", "step"), [
    ("patient.date_of_birth", "patient"), ("participants.witness.name", "patient"),
    ("condition.pain_now", "condition"), ("lifestyle.travel_minutes", "lifestyle"),
    ("decision.option_id", "options"), ("decision.follow_up", "decision"),
    ("signatures[2].strokes", "review"), ("sure", "questions"),
    ("red_flags_discussed.anticoagulants", "history"),
])
def test_each_field_belongs_to_the_step_that_edits_it(field: str, step: str) -> None:
    assert step_of_field(field) == step


def test_unknown_step_is_refused(pack: Pack) -> None:
    with pytest.raises(KeyError):
        step_state(new_consult(pack), pack, "nope")


def test_open_understanding_blocks_signing_only_when_going_ahead(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    first = pack.items()[0]
    consult.understanding[first.id].level = TeachBack.PARTLY
    for choice, blocks in ((DecisionChoice.GO_AHEAD_TRIAL, True), (None, True),
                           (DecisionChoice.MORE_INFORMATION, False),
                           (DecisionChoice.DECLINE, False), (DecisionChoice.NOT_NOW, False)):
        consult.decision.choice = choice
        fields = [o.field for o in blocking_items(consult, pack)]
        assert (f"understanding.{first.id}" in fields) is blocks, choice
        # listed as open either way
        assert f"understanding.{first.id}" in [o.field for o in open_items(consult, pack)]


def test_a_raised_red_flag_is_open_until_ticked_as_discussed(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.history.anticoagulants.present = True
    (only,) = open_items(consult, pack)
    assert (only.step_id, only.field) == ("history", "red_flags_discussed.anticoagulants")
    assert only.message == "Discuss: Takes a blood thinner…"
    assert only.blocks_signing
    assert step_state(consult, pack, "history") is StepState.INCOMPLETE
    consult.red_flags_discussed["anticoagulants"] = False  # an unticked box is still open
    assert [o.field for o in open_items(consult, pack)] == ["red_flags_discussed.anticoagulants"]
    consult.red_flags_discussed["anticoagulants"] = True
    assert open_items(consult, pack) == []
    assert step_state(consult, pack, "history") is StepState.DONE


def test_flags_raised_by_other_steps_are_discussed_on_the_history_step(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.lifestyle.travel_minutes = 150
    consult.condition.opioid_mme_per_day = 60.0
    items = open_items(consult, pack)
    assert {(o.step_id, o.field) for o in items} == {
        ("history", "red_flags_discussed.refill-travel"),
        ("history", "red_flags_discussed.systemic-opioids")}


def test_a_flag_no_longer_raised_is_not_open_and_its_tick_may_stay(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.red_flags_discussed["anticoagulants"] = True  # ticked, then the answer changed
    consult.history.anticoagulants.present = False
    assert open_items(consult, pack) == []
    consult.red_flags_discussed.clear()
    assert open_items(consult, pack) == []  # not raised: nothing to discuss


def test_an_undiscussed_red_flag_blocks_signing_only_when_going_ahead(pack: Pack) -> None:
    consult = complete(new_consult(pack), pack)
    consult.history.infection.present = True
    field = "red_flags_discussed.active-infection"
    for choice, blocks in ((DecisionChoice.GO_AHEAD_TRIAL, True), (None, True),
                           (DecisionChoice.MORE_INFORMATION, False),
                           (DecisionChoice.DECLINE, False), (DecisionChoice.NOT_NOW, False)):
        consult.decision.choice = choice
        assert (field in [o.field for o in blocking_items(consult, pack)]) is blocks, choice
        assert field in [o.field for o in open_items(consult, pack)]  # listed either way


@pytest.mark.parametrize(("prompt", "start"), [
    ("Takes anticoagulants: plan their management.", "Takes anticoagulants…"),
    ("Other implanted device reported (for example a pacemaker): check.",
     "Other implanted device reported…"),
    ("Travels 2 hours or more each way: discuss refills.", "Travels 2 hours or more each…"),
    ("Short prompt", "Short prompt"),
])
def test_a_prompt_is_named_by_its_first_words(prompt: str, start: str) -> None:
    assert prompt_start(prompt) == start


def test_every_step_is_declared_once_with_its_title_fields_and_rules() -> None:
    assert len(set(STEP_IDS)) == len(STEP_IDS) == len(STEPS)
    assert STEP_IDS[0] == "patient" and STEP_IDS[-1] == "review"
    for s in STEPS:
        assert s.title and s.owns, s.id
        assert step(s.id) is s
        for prefix in s.owns:  # each prefix leads to the step that declares it
            assert step_of_field(prefix + "x") == s.id, prefix


def test_the_longest_declared_prefix_owns_a_field() -> None:
    assert step_of_field("decision.option_id") == "options"
    assert step_of_field("decision.next_steps") == "decision"
    assert step_of_field("participants.witness.name") == "patient"
    assert step_of_field("signatures[1].strokes") == "review"
    assert step_of_field("something.new") == "review"  # the fallback


def test_the_states_of_a_consult_just_begun(pack: Pack) -> None:
    consult = new_consult(pack)
    consult.condition.pain_now = 4
    consult.lifestyle.goals = "Garden"
    n, i, d = StepState.NOT_STARTED, StepState.INCOMPLETE, StepState.DONE
    assert step_states(consult, pack) == {
        "patient": d, "condition": i, "history": n, "lifestyle": i, "options": n,
        "benefits_risks": n, "questions": n, "decision": n, "review": n}
    assert step_state(consult, pack, "lifestyle") is i
    with pytest.raises(KeyError):
        step_state(consult, pack, "no-such-step")
