"""Second edition of the packs: one shared library of options, items that know their patients,
balance across options, a comparison with numbers and sources, and versions that cannot lie."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.content import PackError, builtin_packs_dir, load_pack
from consult_aid.content.audit import audit
from consult_aid.content.catalog import load_catalog
from consult_aid.content.figures import KEY_NUMBERS, key_lines
from consult_aid.content.releases import load_releases, unreleased
from consult_aid.domain import Consult, DecisionChoice, PackRef, TeachBack
from consult_aid.domain.record import decision_record
from consult_aid.domain.step_rules import consult_items
from consult_aid.domain.steps import open_items
from consult_aid.report.summary import render_summary
from tests.pdfcheck import demo_consult, flat_text, squeeze

PUMP = builtin_packs_dir() / "intrathecal-pump.toml"
SCS = builtin_packs_dir() / "spinal-cord-stimulator.toml"
TODAY = date(2026, 11, 28)
DIABETES_ONLY = "stimulator-relief-diabetic-nerve-pain"


def test_alternatives_are_the_options_of_their_own_pack() -> None:
    """The stimulator in the pump pack is the stimulator pack's own (same items, same figures),
    and the other way round; both share the medicines and current-care options too."""
    pump, scs = load_pack(PUMP), load_pack(SCS)
    for option_id in ("pump", "stimulator", "medicines", "current-care"):
        assert pump.option(option_id) == scs.option(option_id), option_id
    assert [i.id for i in pump.option("stimulator").items()] == \
        [i.id for i in scs.option("stimulator").items()]
    # the alternatives carry their own risks, not a summary: the pump's headache, lump at the
    # tube tip, slow breathing and refill errors are in the stimulator pack (issue lead)
    for item_id in ("pump-leak-headache", "pump-tip-lump", "pump-slow-breathing",
                    "pump-refill-errors"):
        assert scs.item(item_id) == pump.item(item_id)
    for ref_id in {r for i in scs.option("pump").items() for r in i.references}:
        assert scs.reference(ref_id) == pump.reference(ref_id)


def test_a_library_option_changed_is_a_changed_pack(tmp_path: Path) -> None:
    """The content hash covers the library: edit the shared stimulator and both packs change."""
    library = tmp_path / "library"
    shutil.copytree(builtin_packs_dir().parent / "library", library)
    from consult_aid.content.library import Library
    before = load_pack(PUMP, library=Library(library)).content_hash
    assert before == load_pack(PUMP).content_hash
    option = library / "options" / "stimulator.toml"
    option.write_text(option.read_text(encoding="utf-8").replace("count = 38,", "count = 39,"),
                      encoding="utf-8")
    assert load_pack(PUMP, library=Library(library)).content_hash != before


def _thin_copy(tmp_path: Path) -> Path:
    """The pump pack with its stimulator told in one benefit and one risk (version 1 style)."""
    text = PUMP.read_text(encoding="utf-8")
    thin = '''[[options]]
id = "stimulator"
name = "Spinal cord stimulator instead"
summary = "A small device sends mild electric pulses to the spinal cord through thin wires."
steps = ["A trial, then an implant if the trial helps."]
living_with = """You have a small device under the skin. The clinic can change its settings. \
There are no refills."""
has_trial = true
[options.answers]
what = "A device that sends mild pulses to the spinal cord."
operation = "Yes."
test-first = "Yes."
visits = "For check-ups."
main-risks = "The wires moving, and infection."
mri = "Within set limits."
change-mind = "Yes."
[[options.benefits]]
id = "thin-relief"
title = "Less pain for some people"
text = "Some people have less pain with a stimulator."
not_quantified = "This thin alternative gives no figure."
uncertainty = "Results differ from person to person, and we cannot say who will be helped."
teach_back = "In your own words, who is helped?"
[[options.risks]]
id = "thin-problems"
title = "Problems after the implant"
severity = "moderate"
text = "The wires can move and you can get an infection."
not_quantified = "This thin alternative gives no figure."
uncertainty = "Results differ from person to person, and we cannot say who will have one."
teach_back = "In your own words, what can go wrong?"
'''
    text = text.replace('[[options]]\nuse = "stimulator"\n', thin)
    text = text.replace('id = "intrathecal-pump"', 'id = "thin-alternative"')
    path = tmp_path / "packs" / "thin-alternative.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_audit_fails_a_pack_whose_alternative_is_thinner(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    for pack_file in (PUMP, SCS):
        report = audit(load_pack(pack_file), TODAY)
        assert report.passed, report.text()
        assert "options with a trial and implant told alike" in \
            report.criterion("balanced detail").reason
    thin = load_pack(_thin_copy(tmp_path), source="clinic")
    criterion = audit(thin, TODAY).criterion("balanced detail")
    assert not criterion.passed
    assert "stimulator has 2 benefits and risks" in criterion.reason
    assert "stimulator has 0 quantified items" in criterion.reason
    # the same through the command line, as a clinic that wrote the pack would run it
    assert main(["--data-dir", str(tmp_path), "packs", "--audit", "thin-alternative"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] balanced detail: alternatives told more thinly than others" in out
    assert main(["--data-dir", str(tmp_path), "packs", "--audit", "intrathecal-pump"]) == 0


def test_every_builtin_pack_version_is_released_with_its_hash() -> None:
    entries = load_catalog(None).entries()
    assert {(e.pack.id, e.pack.version) for e in entries if e.pack} == {
        ("intrathecal-baclofen", "1.0.0"),
        ("intrathecal-pump", "1.0.0"), ("intrathecal-pump", "2.0.0"),
        ("spinal-cord-stimulator", "1.0.0"), ("spinal-cord-stimulator", "2.0.0")}
    assert unreleased(entries, load_releases()) == []
    for release in load_releases():
        assert release.changes, release


def test_a_content_change_without_a_new_version_fails(tmp_path: Path) -> None:
    procedures = tmp_path / "procedures"
    shutil.copytree(builtin_packs_dir(), procedures)
    pack = procedures / "spinal-cord-stimulator.toml"
    text = pack.read_text(encoding="utf-8")
    assert 'decision = "Do you want' in text
    pack.write_text(text.replace('decision = "Do you want', 'decision = "Would you like'),
                    encoding="utf-8")
    problems = unreleased(load_catalog(None, procedures).entries(), load_releases())
    assert len(problems) == 1
    assert problems[0].startswith("spinal-cord-stimulator 2.0.0 changed after its release")


def test_the_demo_consult_is_dated_after_the_pack_it_uses() -> None:
    consult = demo_consult()
    pack = load_catalog(None).find(consult.pack.id, content_hash=consult.pack.content_hash)
    assert pack.version == "2.0.0"
    assert consult.created_at.date() >= pack.published
    assert consult.condition.diagnosis_id in {c.id for c in pack.conditions}


def _scs_consult(diagnosis_id: str) -> Consult:
    """The demo consult moved onto the stimulator pack with every applying item understood."""
    pack = load_pack(SCS)
    consult = demo_consult()
    consult.pack = PackRef(pack.id, pack.version, pack.content_hash)
    consult.condition.diagnosis_id = diagnosis_id
    consult.decision.option_id = "stimulator"
    consult.decision.medicine = ""
    consult.understanding = {}
    for item in pack.items_for(diagnosis_id, ""):
        record = consult.understanding_of(item.id)
        record.discussed, record.level = True, TeachBack.UNDERSTOOD
    return consult


def test_an_item_for_one_diagnosis_is_not_required_for_another() -> None:
    """'Less nerve pain from diabetes' is neither asked for nor counted for a patient with pain
    after back surgery; for a patient with diabetic nerve pain it is required."""
    pack = load_pack(SCS)
    back = _scs_consult("psps-2")
    fields = {o.field for o in open_items(back, pack)}
    assert f"understanding.{DIABETES_ONLY}" not in fields
    assert not [f for f in fields if f.startswith("understanding.")]
    record = decision_record(back, pack)
    assert record.teach_back.total == len(pack.items_for("psps-2", ""))
    diabetic = _scs_consult("psps-2")
    diabetic.condition.diagnosis_id = "diabetic-neuropathy"
    fields = {o.field for o in open_items(diabetic, pack)}
    assert f"understanding.{DIABETES_ONLY}" in fields
    # an unlisted, typed-in diagnosis keeps every item: leaving one out is the harm
    typed = _scs_consult("")
    assert [i.id for i in consult_items(typed, pack)] == \
        [i.id for i in pack.items() if not i.medicines]


def test_the_record_lists_only_the_items_for_the_patients_diagnosis() -> None:
    pack = load_pack(SCS)
    text = squeeze(flat_text(render_summary(_scs_consult("psps-2"), pack)))
    assert "Less leg pain after back surgery (benefit)" in text
    assert "Less nerve pain from diabetes (benefit)" not in text  # not a row of the table
    assert "about other diagnoses or another planned medicine and were not part of this " \
           "discussion" in text
    text = squeeze(flat_text(render_summary(_scs_consult("diabetic-neuropathy"), pack)))
    assert "Less nerve pain from diabetes (benefit)" in text
    assert "Less leg pain after back surgery (benefit)" not in text


def test_a_medicine_item_is_required_only_when_that_medicine_is_planned() -> None:
    pack = load_pack(PUMP)
    consult = demo_consult()
    consult.understanding = {}
    for item in pack.items_for(consult.condition.diagnosis_id, "Morphine"):
        record = consult.understanding_of(item.id)
        record.discussed, record.level = True, TeachBack.UNDERSTOOD
    consult.decision.choice = DecisionChoice.GO_AHEAD_TRIAL
    consult.decision.option_id = "pump"
    consult.decision.medicine = "Morphine"
    fields = {o.field for o in open_items(consult, pack)}
    assert "understanding.pump-ziconotide-mind" not in fields
    consult.decision.medicine = "Ziconotide"
    fields = {o.field for o in open_items(consult, pack)}
    assert "understanding.pump-ziconotide-mind" in fields
    assert "understanding.pump-sudden-stop" not in fields  # opioid withdrawal: no opioid


def test_the_comparison_carries_key_numbers_and_sources_for_every_option() -> None:
    pack = load_pack(PUMP)
    for option in pack.options:
        if option.status_quo:
            continue
        assert option.cited("psps-2"), option.id
    assert key_lines(pack.option("stimulator"), "psps-2")[0] == (
        "Less leg pain after back surgery: 480 in 1,000 people at 6 months")
    assert not [line for line in key_lines(pack.option("pump"), "psps-2") if "cancer" in line]
    assert [line for line in key_lines(pack.option("pump"), "cancer-pain") if "cancer" in line]
    consult = demo_consult()
    text = squeeze(flat_text(render_summary(consult, pack)))
    assert KEY_NUMBERS in text
    sources_row = re.search(r"Sources (.*?)(?:Every benefit|$)", text)
    assert sources_row is not None
    for name in ("Kumar", "Blackburn", "Coffey"):  # stimulator, stimulator, pump
        assert name in text


def test_frequencies_framed_both_ways_say_what_happened_to_the_others() -> None:
    trial = load_pack(SCS).item("stimulator-trial-result")
    assert trial.kind.value == "expect" and trial.frequency is not None
    assert trial.frequency.sentence().startswith("720 in 1,000 people during the trial; "
                                                 "the other 280 ")
    pump = load_pack(PUMP)
    assert not [i for i in pump.option("pump").benefits if "test" in i.title.lower()]
    assert pump.item("pump-test-first").kind.value == "expect"


def test_the_pump_pack_offers_the_diagnoses_clinicians_use() -> None:
    pump, scs = load_pack(PUMP), load_pack(SCS)
    assert [c.id for c in pump.conditions] == ["psps-2", "crps", "other-neuropathic",
                                               "cancer-pain", "other-long-term-pain"]
    assert [c.id for c in scs.conditions] == ["psps-2", "crps", "diabetic-neuropathy",
                                              "other-neuropathic", "other-long-term-pain"]
    names = {c.id: c.name for c in pump.conditions}
    assert "failed back surgery" in {c.id: c.description for c in pump.conditions}[
        "psps-2"].lower()
    assert names["crps"] == "Complex regional pain syndrome (CRPS)"


def test_demo_moment_is_not_in_the_future_for_signing() -> None:
    consult = demo_consult()
    assert consult.created_at <= datetime(2026, 11, 28, 0, 0, tzinfo=consult.created_at.tzinfo)


def test_red_flags_and_handout_sections_follow_the_diagnosis(tmp_path: Path) -> None:
    """A red flag or a handout section can name the conditions it is about, like an item."""
    text = PUMP.read_text(encoding="utf-8").replace(
        'id = "sleep-apnoea"\nfact = "history.sleep_apnoea"',
        'id = "sleep-apnoea"\napplies_to = ["cancer-pain"]\nfact = "history.sleep_apnoea"')
    assert 'applies_to = ["cancer-pain"]\nfact' in text
    path = tmp_path / "flag.toml"
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path, source="clinic")
    consult = demo_consult()
    consult.history.sleep_apnoea.present = True
    raised = {f.id for f in pack.raised_red_flags(consult.facts())}  # pain after back surgery
    assert "sleep-apnoea" not in raised
    consult.condition.diagnosis_id = "cancer-pain"
    assert "sleep-apnoea" in {f.id for f in pack.raised_red_flags(consult.facts())}
    consult.condition.diagnosis_id = ""  # typed in: every prompt stays
    assert "sleep-apnoea" in {f.id for f in pack.raised_red_flags(consult.facts())}
    bad = text.replace('applies_to = ["cancer-pain"]\nfact', 'applies_to = ["cancer"]\nfact')
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(PackError, match=r"applies_to\[0\]: unknown condition 'cancer'"):
        load_pack(path, source="clinic")


def test_the_handout_prints_the_sections_for_the_patients_diagnosis() -> None:
    from consult_aid.services.documents import consult_handout

    pack = load_pack(PUMP)
    consult = demo_consult()  # pain after back surgery
    text = flat_text(consult_handout(consult, pack))
    assert "If your pain is from cancer" not in text and "Smith TJ" not in text
    consult.condition.diagnosis_id = "cancer-pain"
    text = flat_text(consult_handout(consult, pack))
    assert "If your pain is from cancer" in text and "Smith" in text
