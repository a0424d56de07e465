"""Every patient-facing text of the built-in packs reads at Flesch–Kincaid grade 8 or below."""

from __future__ import annotations

import dataclasses

import pytest

from consult_aid.content import Pack, builtin_packs_dir, load_pack
from consult_aid.content.readability import (
    GRADE_LIMIT,
    SHORT_TEXT_WORDS,
    SHORT_TEXTS,
    assess,
    grade,
    patient_texts,
)

BUILT_IN = ("intrathecal-pump", "spinal-cord-stimulator", "intrathecal-baclofen")


@pytest.fixture(params=BUILT_IN)
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(builtin_packs_dir() / f"{request.param}.toml")


def test_every_patient_text_is_grade_8_or_below(pack: Pack) -> None:
    report = assess(pack)
    too_hard = [f"{g.key_path} ({g.grade:.1f}): {g.text}" for g in report.too_hard]
    assert not too_hard, "\n".join(too_hard)
    assert report.max <= GRADE_LIMIT
    print(report.summary())


def test_patient_texts_cover_every_part_the_patient_sees(pack: Pack) -> None:
    paths = [p for p, _ in patient_texts(pack)]
    for expected in ("decision", "conditions[0].description", "options[0].summary",
                     "options[0].steps[0]", "options[0].living_with", "options[0].answers.what",
                     "options[0].benefits[0].text", "options[0].risks[0].teach_back",
                     "options[0].risks[0].uncertainty", "handout.sections[0].paragraphs[0]",
                     "handout.emergency_signs[0]", "handout.clinic_signs[0]",
                     "handout.after_trial.who", "handout.after_trial.how_long",
                     "handout.after_trial.watch[0]"):
        assert expected in paths
    assert len(paths) == len(set(paths))


def test_a_hard_emergency_sign_fails_the_check(pack: Pack) -> None:
    hard = ("Progressive hypoventilation, obtundation or unresponsiveness following "
            "administration of intrathecal opioid pharmacotherapy.")
    signs = (*pack.handout.emergency_signs[:-1], hard)
    report = assess(dataclasses.replace(
        pack, handout=dataclasses.replace(pack.handout, emergency_signs=signs)))
    assert [g.key_path for g in report.too_hard] == [
        f"handout.emergency_signs[{len(signs) - 1}]"]


def test_a_hard_text_fails_the_check(pack: Pack) -> None:
    hard = ("Intrathecal administration of opioid pharmacotherapy necessitates meticulous "
            "multidisciplinary evaluation, individualised titration and comprehensive "
            "longitudinal surveillance of respiratory physiology.")
    assert grade(hard) > 14
    options = list(pack.options)
    options[0] = dataclasses.replace(options[0], living_with=hard)
    report = assess(dataclasses.replace(pack, options=tuple(options)))
    assert [g.key_path for g in report.too_hard] == ["options[0].living_with"]


def test_short_texts_are_pooled_not_graded_alone() -> None:
    assert grade("Infection.") > 8  # one long word scores high on its own
    assert SHORT_TEXT_WORDS == 10
    pump = load_pack(builtin_packs_dir() / "intrathecal-pump.toml")
    report = assess(pump)
    pooled = [g for g in report.graded if g.key_path == SHORT_TEXTS]
    assert len(pooled) == 1 and report.short_count > 0
    assert "Infection of the wound or pump pocket." in pooled[0].text
    assert all(g.words >= SHORT_TEXT_WORDS for g in report.graded if g.key_path != SHORT_TEXTS)


def test_pooled_short_texts_still_catch_hard_words(pack: Pack) -> None:
    jargon = "Pharmacokinetic and pharmacodynamic considerations."
    options = tuple(dataclasses.replace(o, answers={k: jargon for k in o.answers})
                    for o in pack.options)
    report = assess(dataclasses.replace(pack, options=options))
    assert SHORT_TEXTS in [g.key_path for g in report.too_hard]


def test_placeholders_grade_as_what_replaces_them() -> None:
    assert grade("Call {clinic_name} on {clinic_phone} at once.") == grade(
        "Call the clinic on 555 0100 at once.")
    assert grade("At night call {out_of_hours_phone}; in danger call {emergency_number}.") == \
        grade("At night call 555 0199; in danger call 911.")
    assert grade("") == 0.0
