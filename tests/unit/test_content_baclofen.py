"""The third pack: intrathecal baclofen for severe spasticity (issue 11)."""

from __future__ import annotations

from datetime import date

from consult_aid.content import builtin_packs_dir, load_pack
from consult_aid.content.audit import audit
from consult_aid.content.readability import assess
from consult_aid.domain.steps import open_items
from tests.pdfcheck import demo_consult

PACK = builtin_packs_dir() / "intrathecal-baclofen.toml"
SPASTICITY = ["ms-spasticity", "sci-spasticity", "cp-spasticity", "abi-spasticity",
              "other-spasticity"]


def test_the_pack_loads_and_passes_the_same_checks_as_the_others() -> None:
    pack = load_pack(PACK)
    assert (pack.id, pack.version) == ("intrathecal-baclofen", "1.0.0")
    report = audit(pack, date(2026, 11, 28))
    assert report.passed, report.text()
    reading = assess(pack)
    assert reading.max <= 8.0 and not reading.too_hard, reading.summary()
    assert [c.id for c in pack.conditions] == SPASTICITY
    assert [o.id for o in pack.options] == ["baclofen-pump", "oral-antispasmodics",
                                            "botulinum-physio", "spasticity-no-change"]
    assert [o.id for o in pack.options if o.status_quo] == ["spasticity-no-change"]
    questions = {q.id for q in pack.comparison}
    for option in pack.options:
        assert set(option.answers) == questions, option.id
        if not option.status_quo:  # told side by side with the same detail
            figures = sum(i.frequency is not None for i in option.items())
            assert figures >= 2 and len(option.risks) >= 3, option.id
            assert option.cited(), option.id


def test_every_figure_is_whole_in_1000_with_its_group_and_source() -> None:
    pack = load_pack(PACK)
    known = {r.id for r in pack.references}
    quantified = [i for i in pack.items() if i.frequency is not None]
    assert len(quantified) >= 20
    for item in quantified:
        f = item.frequency
        assert f is not None and f.denominator == 1000, item.id
        assert float(f.count).is_integer() and f.group, item.id
        assert item.references and set(item.references) <= known, item.id
    for item in pack.items():
        if item.frequency is None and item.kind.value != "expect":
            assert item.not_quantified_reason, item.id


def test_baclofen_is_the_medicine_with_its_boxed_warning() -> None:
    pack = load_pack(PACK)
    pump = pack.option("baclofen-pump")
    assert pump.has_trial and pump.medicines == ("Baclofen",)
    (baclofen,) = pump.medicine_details
    assert "FDA-approved" in baclofen.status and "itb-boxed-warning" in baclofen.references
    boxed = pack.reference("itb-boxed-warning").citation.lower()
    assert "abrupt" in boxed or "discontinu" in boxed
    withdrawal = pack.item("itb-withdrawal")
    assert withdrawal.severity == "serious" and "itb-boxed-warning" in withdrawal.references
    assert withdrawal.key and withdrawal.frequency is not None


def test_handouts_for_the_patient_and_for_carers_send_danger_signs_to_emergency() -> None:
    pack = load_pack(PACK)
    assert pack.carer_handout is not None
    for handout in (pack.handout, pack.carer_handout):
        emergency = " ".join(handout.emergency_signs).lower()
        for sign in ("high fever, confusion", "very stiff muscles", "breath",
                     "seizure"):  # withdrawal (boxed warning) and overdose
            assert sign in emergency, (handout.title, sign)
        clinic = " ".join(handout.clinic_signs).lower()
        assert "alarm" in clinic and "refill" in clinic
        assert "itb-boxed-warning" in handout.emergency_references
    after = pack.handout.after_trial
    assert after is not None and after.heading == "The day of your test dose"
    assert "4 to 8 hours" in after.how_long  # the label's observation after a screening dose


def test_the_condition_step_records_tone_spasms_and_goals_not_pain() -> None:
    pack = load_pack(PACK)
    assert not pack.pain_scores_required
    measures = {m.id: m for m in pack.measures}
    assert set(measures) == {"tone", "spasms", "goals"}
    assert any(c.startswith("1+") for c in measures["tone"].choices)  # Modified Ashworth
    assert len(measures["spasms"].choices) == 5 and not measures["goals"].choices
    assert all(m.required and m.references for m in measures.values())
    consult = demo_consult()
    consult.condition.measures = {}
    consult.condition.pain_now = None
    fields = {o.field for o in open_items(consult, pack)}
    assert {"condition.measures.tone", "condition.measures.spasms",
            "condition.measures.goals"} <= fields
    assert "condition.pain_now" not in fields  # optional in this pack
    consult.condition.measures = {"tone": measures["tone"].choices[3], "spasms": "3 - 1 to 10 "
                                  "an hour", "goals": "Easier washing and dressing"}
    fields = {o.field for o in open_items(consult, pack)}
    assert not {f for f in fields if f.startswith("condition.measures")}


def test_the_spinal_cord_injury_prompt_is_for_spinal_cord_injury_only() -> None:
    pack = load_pack(PACK)
    consult = demo_consult()
    consult.condition.diagnosis_id = "sci-spasticity"
    assert "sci-withdrawal-risk" in {f.id for f in pack.raised_red_flags(consult.facts())}
    consult.condition.diagnosis_id = "ms-spasticity"
    assert "sci-withdrawal-risk" not in {f.id for f in pack.raised_red_flags(consult.facts())}


def test_no_pack_pads_an_item_with_not_a_chance_filler() -> None:
    """A fact of the path (the test day, MRI planning, deciding later) is a what-to-expect item
    with no "how often" at all, never "not quantified: this is not a chance"."""
    for path in sorted(builtin_packs_dir().glob("*.toml")):
        pack = load_pack(path)
        for item in pack.items():
            reason = item.not_quantified_reason.lower()
            assert "not a chance" not in reason and "not a result" not in reason, item.id
            assert "describes a choice" not in reason, item.id
