"""The built-in packs load and keep the rules for sourced, comparable numbers."""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime
from pathlib import Path

import pytest

from consult_aid.content import (
    PLACEHOLDERS,
    Frequency,
    Pack,
    builtin_packs_dir,
    fill_placeholders,
    load_pack,
)
from consult_aid.content.facts import known_fact_keys
from consult_aid.content.model import ItemKind
from consult_aid.domain import Clinician, Consult, PackRef, Patient

PACK_FILES = ("intrathecal-pump.toml", "spinal-cord-stimulator.toml")


@pytest.fixture(params=PACK_FILES)
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(builtin_packs_dir() / request.param)


def test_both_builtin_packs_load() -> None:
    """The two pain packs (tested here) and the baclofen pack (test_content_baclofen.py)."""
    files = sorted(p.name for p in builtin_packs_dir().glob("*.toml"))
    assert files == sorted((*PACK_FILES, "intrathecal-baclofen.toml"))
    ids = {load_pack(builtin_packs_dir() / f).id for f in PACK_FILES}
    assert ids == {"intrathecal-pump", "spinal-cord-stimulator"}


def test_pack_hash_covers_the_file_and_the_library_files_it_uses(pack: Pack) -> None:
    """sha256 of the pack file's bytes, then each library file it uses (its name and bytes)
    in the order first used: conditions, then the options in pack order."""
    library = builtin_packs_dir().parent / "library"
    digest = hashlib.sha256((builtin_packs_dir() / f"{pack.id}.toml").read_bytes())
    for name in ("conditions.toml", *(f"options/{o.library}.toml" for o in pack.options)):
        digest.update(b"\0" + name.encode() + b"\0" + (library / name).read_bytes())
    assert all(o.library == o.id for o in pack.options)
    assert pack.content_hash == digest.hexdigest()
    assert pack.version == "2.0.0"
    assert pack.source == "built-in"


def test_every_quantified_item_cites_an_existing_reference(pack: Pack) -> None:
    known = {r.id for r in pack.references}
    quantified = [i for i in pack.items() if i.frequency is not None]
    assert quantified
    for item in quantified:
        assert item.references, item.id
        assert set(item.references) <= known, item.id


def test_every_reference_is_cited(pack: Pack) -> None:
    cited = {ref for i in pack.items() for ref in i.references}
    cited |= {ref for c in pack.checklist for ref in c.references}
    cited |= {ref for f in pack.red_flags for ref in f.references}
    cited |= {ref for o in pack.options for ref in o.references}
    cited |= {ref for o in pack.options for m in o.medicine_details for ref in m.references}
    cited |= {ref for c in pack.conditions for ref in c.references}
    cited |= set(pack.handout.references())
    assert {r.id for r in pack.references} <= cited


def test_figures_in_option_and_handout_text_cite_their_sources() -> None:
    """Which source gives which figure (shared/clinical/REFERENCE.md)."""
    pump = load_pack(builtin_packs_dir() / "intrathecal-pump.toml")
    option = pump.option("pump")
    assert {"pacc-2017", "pump-labelling"} <= set(option.references)
    assert any("at least 6 hours" in step for step in option.steps)  # PACC 2017
    assert "every 6 weeks to 6 months" in option.living_with  # manufacturer labelling
    assert "5 to 7 years" in option.answers["operation"]  # manufacturer labelling
    sections = {s.heading: s for s in pump.handout.sections}
    assert "pump-labelling" in sections["Living with a pain pump"].references
    after = pump.handout.after_trial
    assert after is not None
    assert "at least 6 hours" in after.how_long and "pacc-2017" in after.references  # PACC
    assert "at least 24 hours" in after.how_long  # ASA/ASRA 2016, single neuraxial morphine
    assert "asa-asra-2016" in after.references
    asa = pump.reference("asa-asra-2016")
    assert asa.year == 2016 and "Anesthesiology. 2016;124(3):535-552" in asa.citation
    assert "respiratory depression associated with neuraxial opioid" in \
        " ".join(asa.citation.lower().split())
    scs = load_pack(builtin_packs_dir() / "spinal-cord-stimulator.toml")
    assert "pump-labelling" in scs.option("pump").references
    assert "shanthanna-2023-review" in scs.option("stimulator").references
    psps = {c.id: c for c in scs.conditions}["psps-2"]
    assert "type 2" in psps.name and psps.references == ("christelis-2021",)  # the name's source
    for pack in (pump, scs):  # a condition cites exactly when its text holds a figure
        for c in pack.conditions:
            has_digit = any(ch.isdigit() for ch in c.name + c.description)
            assert bool(c.references) == has_digit, c.id
    for pack in (pump, scs):  # no reference in either pack gives the trial's length in weeks
        texts = [t for o in pack.options for t in (*o.steps, *o.answers.values())]
        texts += [p for s in pack.handout.sections for p in s.paragraphs]
        assert not [t for t in texts if "4 weeks" in t]


def test_frequencies_are_within_0_and_100_percent_with_one_denominator(pack: Pack) -> None:
    freqs = [i.frequency for i in pack.items() if i.frequency is not None]
    assert len({f.denominator for f in freqs}) == 1
    for f in freqs:
        assert 0 <= f.percent <= 100
        assert f.timeframe
        if f.low is not None and f.high is not None:
            assert 0 <= f.low <= f.count <= f.high <= f.denominator


def test_every_frequency_names_its_group_in_whole_numbers(pack: Pack) -> None:
    """Trevena et al. 2013: reference class, one denominator (100 or 1,000), whole numbers."""
    freqs = [(i.id, i.frequency) for i in pack.items() if i.frequency is not None]
    assert freqs
    for item_id, f in freqs:
        assert f.denominator in (100, 1000), item_id
        assert f.unit.rstrip("s") in f.group and len(f.group.split()) >= 4, item_id
        for value in (f.count, f.low, f.high):
            assert value is None or float(value).is_integer(), item_id
        assert f.count >= 1, item_id  # a smaller risk belongs in a 1,000 pack, or in words
        assert "." not in f.sentence() and "." not in f.range_text(), item_id
        assert (f.low is None) == (f.high is None) == (f.range_text() == ""), item_id


def test_groups_name_the_people_the_figures_come_from() -> None:
    """From each item's uncertainty text and its reference (REFERENCE.md)."""
    pump = load_pack(builtin_packs_dir() / "intrathecal-pump.toml")
    scs = load_pack(builtin_packs_dir() / "spinal-cord-stimulator.toml")
    cancer = "people with cancer pain whose tube led to a pump outside the body"
    groups = {i.id: i.frequency.group for p in (pump, scs) for i in p.items() if i.frequency}
    for item_id in ("pump-bleeding", "pump-nerve-injury"):  # Aprili 2009, no implant figure
        assert groups[item_id] == cancer, item_id
        assert "no study" in pump.item(item_id).uncertainty.lower() or \
            "outside the body" in pump.item(item_id).uncertainty, item_id
    # implanted pumps now: counted per pump (Engle 2013) and per operation (Neuman 2013)
    infection = pump.item("pump-wound-infection").frequency
    assert infection is not None and infection.unit == "pumps"
    assert groups["pump-wound-infection"] == "pumps put in at one US cancer centre"
    headache = pump.item("pump-leak-headache").frequency
    assert headache is not None and headache.unit == "operations"
    assert headache.sentence() == "230 in 1,000 operations to put a pump in"
    assert groups["stimulator-relief-after-back-surgery"].startswith(
        "people with leg pain after back surgery")  # PROCESS: leg pain was the outcome
    assert "not from cancer" in groups["pump-death"]  # Coffey 2009: non-cancer pain
    assert "UK" in groups["stimulator-taken-out"]  # explant-2020: one UK centre


def test_frequency_sentence_range_and_whole_numbers() -> None:
    f = Frequency(count=23, denominator=1000, timeframe="while the tube was in",
                  group="people with cancer pain", low=8.0, high=61)
    assert f.sentence() == "23 in 1,000 people while the tube was in"
    assert f.range_text() == "between 8 and 61 in 1,000"
    assert (f.whole_count, f.whole_low, f.whole_high) == (23, 8, 61)
    assert isinstance(f.whole_low, int) and f.per_100 == pytest.approx(2.3)
    bare = Frequency(count=48, denominator=100, timeframe="at 6 months", group="people")
    assert bare.range_text() == "" and bare.whole_low is None
    assert bare.sentence() == "48 in 100 people at 6 months"
    with pytest.raises(ValueError, match="whole number"):
        Frequency(count=38.9, denominator=1000, timeframe="within a year", group="people")
    with pytest.raises(ValueError, match="whole number"):
        Frequency(count=21, denominator=100, timeframe="", group="people", low=14.9, high=27)
    with pytest.raises(ValueError, match="denominator"):
        Frequency(count=5, denominator=10_000, timeframe="", group="people")


def test_not_quantified_items_say_why(pack: Pack) -> None:
    """A benefit or risk without a figure says why; a what-to-expect item may instead state a
    plain fact of the path (MRI needs planning), with no "not a chance" filler."""
    for item in pack.items():
        if item.kind is ItemKind.EXPECT and item.frequency is None:
            assert not item.not_quantified_reason or "not a chance" not in \
                item.not_quantified_reason, item.id
        else:
            assert (item.frequency is None) == bool(item.not_quantified_reason), item.id
        assert "not a chance" not in item.not_quantified_reason, item.id  # filler (issue lead)
        assert item.uncertainty and item.teach_back, item.id


def test_mortality_figure_carries_its_stated_uncertainty() -> None:
    pump = load_pack(builtin_packs_dir() / "intrathecal-pump.toml")
    death = pump.item("pump-death")
    assert death.frequency is not None
    assert death.frequency.sentence() == "39 in 1,000 people within a year of the implant"
    assert death.frequency.range_text() == ""
    assert "could not show how many of these deaths the pump" in death.uncertainty
    assert "fewer than 1 in 1,000 died within 3 days and 4 in 1,000 within a month" in \
        death.uncertainty  # 0.088% and 0.39% in Coffey 2009, in whole numbers
    assert "rounded" in death.uncertainty
    assert death.references == ("coffey-2009",)


def _whole(percent: float, denominator: int) -> int:
    """The source's percentage as a whole number in ``denominator``, rounded half up."""
    return math.floor(percent * denominator / 100 + 0.5)


def test_figures_match_the_clinical_reference() -> None:
    """Spot checks against shared/clinical/REFERENCE.md: the source's percentage, rounded to a
    whole number in the pack's denominator (Trevena et al. 2013)."""
    packs = {name: load_pack(builtin_packs_dir() / f"{name}.toml")
             for name in ("intrathecal-pump", "spinal-cord-stimulator")}
    expected = {
        ("intrathecal-pump", "pump-wound-infection"): (2.4, None, None),  # Engle 2013
        ("intrathecal-pump", "pump-bleeding"): (0.9, 0.0, 2.0),  # Aprili 2009
        ("intrathecal-pump", "pump-leak-headache"): (23.0, None, None),  # Neuman 2013
        ("intrathecal-pump", "pump-tip-lump"): (3.0, None, None),  # Deer 2004
        ("intrathecal-pump", "pump-death"): (3.89, None, None),  # Coffey 2009
        ("intrathecal-pump", "pump-nerve-injury"): (0.4, 0.0, 1.0),  # Aprili 2009
        ("intrathecal-pump", "pump-cancer-pain-relief"): (84.5, None, None),  # Smith 2002
        ("intrathecal-pump", "pump-stops"): (2.4, None, None),  # FDA recall 2012
        ("spinal-cord-stimulator", "stimulator-infection"): (3.8, None, None),
        ("spinal-cord-stimulator", "stimulator-taken-out"): (17.8, None, None),
        ("spinal-cord-stimulator", "stimulator-any-problem"): (21.1, 14.9, 27.2),
        ("spinal-cord-stimulator", "stimulator-wires-move"): (9.97, 7.62, 12.59),
        ("spinal-cord-stimulator", "stimulator-relief-after-back-surgery"): (48.0, None, None),
        ("spinal-cord-stimulator", "stimulator-relief-diabetic-nerve-pain"): (79.0, None, None),
        ("spinal-cord-stimulator", "stimulator-trial-result"): (72.0, None, None),
        ("spinal-cord-stimulator", "pump-death"): (3.89, None, None),
    }
    for (pack_id, item_id), (percent, low, high) in expected.items():
        f = packs[pack_id].item(item_id).frequency
        assert f is not None
        assert f.count == _whole(percent, f.denominator), item_id
        assert f.low == (None if low is None else _whole(low, f.denominator)), item_id
        assert f.high == (None if high is None else _whole(high, f.denominator)), item_id
        assert abs(f.percent - percent) <= 50 / f.denominator  # off by rounding only


def test_each_pack_has_status_quo_and_the_other_implant(pack: Pack) -> None:
    ids = {o.id for o in pack.options}
    assert {"pump", "stimulator", "medicines", "current-care"} <= ids
    assert [o.id for o in pack.options if o.status_quo] == ["current-care"]


def test_every_option_answers_every_comparison_question(pack: Pack) -> None:
    questions = {q.id for q in pack.comparison}
    for option in pack.options:
        assert set(option.answers) == questions, option.id


def test_red_flags_name_real_consult_facts_and_fire(pack: Pack) -> None:
    moment = datetime(2026, 11, 24, 10, 0)
    consult = Consult(id="c1", patient=Patient(name="A", date_of_birth=date(1960, 5, 1)),
                      clinician=Clinician(name="B"),
                      pack=PackRef(pack.id, pack.version, pack.content_hash),
                      created_at=moment, updated_at=moment)
    facts = consult.facts()
    assert {f.fact for f in pack.red_flags} <= set(facts) == known_fact_keys()
    assert pack.raised_red_flags(facts) == ()
    consult.history.anticoagulants.present = True
    consult.history.infection.present = True
    raised = {f.id for f in pack.raised_red_flags(consult.facts())}
    assert {"anticoagulants", "active-infection"} <= raised


def test_checklist_items_each_have_a_source(pack: Pack) -> None:
    assert pack.checklist
    for item in pack.checklist:
        assert item.references, item.id


DANGER_SIGNS = ("slow or shallow breathing", "cannot stay awake",
                "weakness or numbness in your legs", "bladder or bowels", "stiff neck",
                "confusion")


def test_handout_sends_danger_signs_to_emergency_services(pack: Pack) -> None:
    h = pack.handout
    emergency = " ".join(h.emergency_signs).lower()
    for sign in DANGER_SIGNS:
        assert sign in emergency, sign
    assert h.clinic_signs and h.after_trial is not None
    clinic = " ".join(h.clinic_signs).lower()
    assert "wound" in clinic and "fever, without any of the signs in the red box" in clinic
    for sign in DANGER_SIGNS[:4]:  # the clinic box never takes a danger sign
        assert sign not in clinic, sign
    texts = [t.lower() for t in (*h.emergency_signs, *h.clinic_signs, *h.after_trial.watch,
                                 h.after_trial.who, h.after_trial.how_long,
                                 *(p for s in h.sections for p in s.paragraphs))]
    assert not [t for t in texts if "cannot reach" in t or "whom to call" in t]
    assert "whom to call" not in [s.heading.lower() for s in h.sections]
    assert set(PLACEHOLDERS) == {"clinic_phone", "clinic_name", "out_of_hours_phone",
                                 "emergency_number"}


def test_pump_handout_names_withdrawal_and_late_slow_breathing() -> None:
    """The pain pump holds opioids, not baclofen: its stop shows as opioid withdrawal (a
    same-day call); late slow breathing after a test dose is an emergency (ASA/ASRA 2016)."""
    pump = load_pack(builtin_packs_dir() / "intrathecal-pump.toml")
    emergency = " ".join(pump.handout.emergency_signs).lower()
    assert "baclofen" not in emergency and "very stiff muscles" not in emergency
    assert "breathing that slows after a test dose" in emergency and "late" in emergency
    assert set(pump.handout.emergency_references) == {"asa-asra-2016"}
    clinic = " ".join(pump.handout.clinic_signs).lower()
    assert "sweating" in clinic and "medicine has stopped" in clinic
    assert "opioid-withdrawal-fast-fact" in pump.handout.clinic_references
    after = pump.handout.after_trial
    assert after is not None and after.who.startswith("An adult must stay with you")
    assert any("slow or shallow" in w.lower() for w in after.watch)


def test_stimulator_after_trial_gives_no_invented_duration() -> None:
    scs = load_pack(builtin_packs_dir() / "spinal-cord-stimulator.toml")
    after = scs.handout.after_trial
    assert after is not None and after.heading == "While your trial wires are in"
    texts = (after.who, after.how_long, *after.watch)
    assert not [t for t in texts if any(ch.isdigit() for ch in t)]
    assert after.references == ()
    assert "no medicine" in after.who.lower()


def test_trial_options_and_their_medicines(pack: Pack) -> None:
    """The pump and stimulator options are a trial, then a separate implant decision; the
    pump's medicines are the intrathecal pain medicines of the PACC 2017 algorithms."""
    trial = {o.id for o in pack.options if o.has_trial}
    assert trial == {"pump", "stimulator"}
    pump = pack.option("pump")
    assert pump.medicines == ("Morphine", "Ziconotide", "Hydromorphone", "Fentanyl",
                              "Bupivacaine", "Clonidine")
    status = {m.name: m for m in pump.medicine_details}
    for name in ("Morphine", "Ziconotide"):  # the two in implanted-pump labelling (FDA 2018)
        assert "FDA-approved" in status[name].status and status[name].references, name
    for name in ("Hydromorphone", "Fentanyl", "Bupivacaine", "Clonidine"):
        assert status[name].status.startswith("Not FDA-approved"), name
        assert "fda-2018" in status[name].references, name
    # each medicine's own items: ziconotide's boxed warning, opioid withdrawal and breathing
    assert pack.item("pump-ziconotide-mind").medicines == ("Ziconotide",)
    assert "Ziconotide" not in pack.item("pump-sudden-stop").medicines
    assert "pacc-2017" in pump.references
    assert [o.id for o in pack.options if o.medicines] == ["pump"]


def test_fill_placeholders_leaves_a_missing_value_visible() -> None:
    text = "Call {clinic_name} on {clinic_phone}."
    assert fill_placeholders(text, {"clinic_name": "Pain Clinic", "clinic_phone": "555 0100"}) \
        == "Call Pain Clinic on 555 0100."
    assert fill_placeholders(text, {"clinic_name": "Pain Clinic"}) == \
        "Call Pain Clinic on {clinic_phone}."


def test_item_counts_per_pack() -> None:
    """The figures reported in the issue note; a change here is a content change."""
    counts = {}
    for name in PACK_FILES:
        p = load_pack(Path(builtin_packs_dir() / name))
        q = sum(i.frequency is not None for i in p.items())
        counts[p.id] = (q, len(p.items()) - q)
    assert counts == {"intrathecal-pump": (33, 23), "spinal-cord-stimulator": (33, 23)}


def test_worked_example_in_the_docs_is_a_valid_pack(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "content-packs.md").read_text(
        encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example-block.toml"
    path.write_text(example, encoding="utf-8")
    pack = load_pack(path, source="clinic")
    assert pack.id == "example-block" and pack.source == "clinic"
    assert pack.handout.sections[0].paragraphs[0].endswith("{clinic_phone}.")
