"""The summary PDF read back: every section, every benefit and risk, header on every page, fonts."""

from __future__ import annotations

import dataclasses

import pytest
from reportlab.lib.pagesizes import A4, LETTER

from consult_aid.content.figures import sentence
from consult_aid.domain import (
    ConsultStatus,
    Decider,
    PatientQuestion,
    Person,
    Point,
    Signature,
    SignerRole,
    Stroke,
    SureAnswers,
)
from consult_aid.domain.step_rules import consult_items
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary
from consult_aid.report.wording import day
from tests.pdfcheck import (
    BASE_14,
    builtin_pack,
    demo_consult,
    demo_pack,
    flat_text,
    fonts,
    image_xobjects,
    link_annotations,
    page_texts,
    reader,
    signed_state,
    squeeze,
)

SECTIONS = (
    "The decision", "The patient's situation", "Treatments tried", "Health history: yes",
    "Points the answers raised for discussion", "Candidacy checklist", "Daily life",
    "The options discussed", "The options side by side",
    "Benefits and risks, and what the patient understood", "The patient's questions",
    "What matters most to the patient", "The SURE test", "Every benefit and risk in full",
    "References", "About this information and this record", "Signatures",
)


# The demo summary is rendered once per module (signed, A4; and as a draft) and shared by the
# tests that only read it; tests that change the consult render their own.
@pytest.fixture(scope="module")
def demo_pdf() -> bytes:
    return render_summary(signed_state(demo_consult()), demo_pack(), paper=Paper.A4)


@pytest.fixture(scope="module")
def draft_demo_pdf() -> bytes:
    return render_summary(demo_consult(), demo_pack())


def test_every_section_and_every_benefit_and_risk_is_in_the_text(demo_pdf: bytes) -> None:
    text = flat_text(demo_pdf)
    for heading in SECTIONS:
        assert heading in text, heading
    pack = demo_pack()
    applying = consult_items(demo_consult(), pack)  # the demo patient: pain after back surgery
    assert len(applying) < len(pack.items())
    for item in applying:
        assert squeeze(item.title) in text, item.title
        if item.frequency is not None:
            assert squeeze(sentence(item.frequency)) in text, item.id
    assert text.count("How often: not quantified") == sum(
        1 for i in applying if i.frequency is None and i.not_quantified_reason)  # appendix
    assert sum(1 for i in applying if i.frequency is None and not i.not_quantified_reason) == 4
    for option in pack.options:
        assert squeeze(option.name) in text
    for question in pack.comparison:
        assert squeeze(question.question) in text


def test_the_patients_words_questions_and_decision_are_in_the_text(demo_pdf: bytes) -> None:
    consult = demo_consult()
    text = flat_text(demo_pdf)
    assert squeeze(consult.lifestyle.goals) in text
    assert squeeze(consult.values.what_matters_most) in text
    for record in consult.understanding.values():
        if record.patient_words:
            assert squeeze(record.patient_words) in text
    for q in consult.questions:
        assert squeeze(q.question) in text and squeeze(q.answer) in text
    assert "Go ahead with a trial" in text
    assert "4 of 4: no sign of decisional conflict" in text
    assert squeeze(consult.decision.notes) in text


def test_raised_red_flags_are_listed(demo_pdf: bytes) -> None:
    consult, pack = demo_consult(), demo_pack()
    raised = pack.raised_red_flags(consult.facts())
    assert raised, "the demo consult should raise at least one prompt"
    text = flat_text(demo_pdf)
    for flag in raised:
        assert squeeze(flag.prompt) in text
    for flag in set(pack.red_flags) - set(raised):
        assert squeeze(flag.prompt) not in text


def test_each_raised_red_flag_says_whether_it_was_discussed() -> None:
    consult, pack = demo_consult(), demo_pack()
    assert [f.id for f in pack.raised_red_flags(consult.facts())] == [
        "anticoagulants", "systemic-opioids"]
    consult.red_flags_discussed = {"anticoagulants": True, "systemic-opioids": False,
                                   "diabetes": True}  # ticked earlier, no longer raised
    text = flat_text(render_summary(consult, pack))
    raised = {f.id: f for f in pack.red_flags}

    def status(flag_id: str) -> str:
        after = text.split(squeeze(raised[flag_id].prompt), 1)[1]
        return after[:60]

    assert "— discussed with the patient" in status("anticoagulants")
    assert "— not recorded as discussed" in status("systemic-opioids")
    assert squeeze(raised["diabetes"].prompt) not in text
    assert text.count("discussed with the patient") == 1
    assert text.count("not recorded as discussed") == 1


def test_every_page_carries_the_running_header_and_page_x_of_y(demo_pdf: bytes) -> None:
    consult, pack = demo_consult(), demo_pack()
    pages = page_texts(demo_pdf)
    assert len(pages) == len(reader(demo_pdf).pages) >= 4
    for number, page in enumerate(pages, start=1):
        flat = squeeze(page)
        assert consult.clinician.clinic in flat
        assert consult.patient.name in flat
        assert f"born {day(consult.patient.date_of_birth)}" in flat
        assert consult.id in flat
        assert f"Pack {pack.id} · version {pack.version}" in flat
        assert f"Page {number} of {len(pages)}" in flat


def test_signature_block_has_name_time_zone_and_meaning(demo_pdf: bytes) -> None:
    consult = demo_consult()
    text = flat_text(demo_pdf)
    for sig in consult.signatures:
        assert sig.printed_name in text
        assert squeeze(sig.meaning) in text
    assert "signed on the pad 27 November 2026, 10:22 UTC−05:00" in text


def test_fonts_are_all_embedded_and_none_is_base_14(demo_pdf: bytes) -> None:
    used = fonts(demo_pdf)
    assert used
    for name, embedded in used:
        assert embedded, name
        assert name.split("+")[-1] not in BASE_14, name
    assert any("DejaVuSans" in name for name, _ in used)


def test_metadata_names_the_document_without_the_patient(demo_pdf: bytes) -> None:
    meta = reader(demo_pdf).metadata
    consult = demo_consult()
    assert meta.title == f"Informed-decision consult summary {consult.id}"
    assert meta.author == consult.clinician.name
    assert demo_pack().id in meta.subject
    assert consult.patient.name not in f"{meta.title} {meta.subject} {meta.author}"


@pytest.mark.parametrize(("paper", "size"), [(Paper.A4, A4), (Paper.LETTER, LETTER)])
def test_a4_and_us_letter(paper: Paper, size: tuple[float, float], demo_pdf: bytes) -> None:
    pdf = demo_pdf if paper is Paper.A4 else render_summary(signed_state(demo_consult()),
                                                            demo_pack(), paper=paper)
    for page in reader(pdf).pages:
        assert [round(float(v)) for v in page.mediabox[2:]] == [round(size[0]), round(size[1])]
    assert "Signatures" in flat_text(pdf)


def test_a_low_sure_score_is_flagged() -> None:
    consult = demo_consult()
    consult.sure = SureAnswers(True, True, False, False)
    text = flat_text(render_summary(consult, demo_pack()))
    assert "2 of 4: possible decisional conflict" in text
    assert "How it was addressed: Not recorded" in text
    assert "Draft — not signed" in text  # a draft says so


def test_hostile_and_unicode_text_is_shown_literally_with_no_link_or_image(
        draft_demo_pdf: bytes) -> None:
    hostile = [
        '<b>bold?</b> <img src="/etc/passwd"/> <a href="https://evil.example">click</a> &amp;',
        '<font color="white">hidden</font> <para> unclosed <i>',
        "Łukasz Øster-Müller",
        "José Núñez",
        "Ελένη Παπαδοπούλου",
        "Владимир Щукин",
    ]
    consult = demo_consult()
    consult.patient.name = "Łukasz Øster-Müller <b>"
    consult.lifestyle.goals = "\n".join(hostile)
    consult.questions = [PatientQuestion(q, a) for q, a in zip(hostile, reversed(hostile),
                                                                 strict=True)]
    consult.decision.notes = "A" * 3000  # one very long word
    consult.participants.decider = Decider.REPRESENTATIVE
    consult.participants.representative = Person("José Núñez", '<a href="x">son</a>')
    baseline = draft_demo_pdf
    pdf = render_summary(consult, demo_pack())
    text = flat_text(pdf)
    for line in hostile:
        assert squeeze(line) in text, line
    assert "Łukasz Øster-Müller <b>" in text
    assert '<a href="x">son</a>' in text
    assert "A" * 200 in text.replace(" ", "")
    assert link_annotations(pdf) == 0
    assert image_xobjects(pdf) == image_xobjects(baseline) == 0
    assert "\u25a0" not in text  # no silent black boxes


def test_line_breaks_in_user_text_are_kept() -> None:
    consult = demo_consult()
    consult.lifestyle.goals = "first line of goals\nsecond line of goals"
    lines = "\n".join(page_texts(render_summary(consult, demo_pack()))).splitlines()
    assert any(line.rstrip().endswith("first line of goals”") is False
               and "first line of goals" in line and "second" not in line for line in lines)
    assert any(line.strip().startswith("second line of goals") for line in lines)


def test_a_script_without_glyphs_gets_a_visible_marker_and_a_note() -> None:
    consult = demo_consult()
    consult.patient.name = "王小明"
    text = flat_text(render_summary(consult, demo_pack()))
    assert "[not printable: U+738B U+5C0F U+660E]" in text
    assert "uses a script this PDF's font cannot print" in text


def test_pages_of_typed_text_split_across_pages_instead_of_failing(
        draft_demo_pdf: bytes) -> None:
    consult = demo_consult()
    consult.condition.function_notes = ("Walking is hard. " * 60 + "\n") * 25
    consult.questions = [PatientQuestion("Why? " * 800, "Because. " * 800)]
    understanding = next(iter(consult.understanding.values()))
    understanding.patient_words = "In my words " * 1500
    pdf = render_summary(consult, demo_pack())
    assert len(reader(pdf).pages) > len(reader(draft_demo_pdf).pages)


def test_each_drawn_signature_is_vector_strokes_not_an_image() -> None:
    consult = demo_consult()
    zigzag = Stroke(tuple(Point(50 + 30 * i, 100 + 80 * (i % 2), 0.6) for i in range(25)))
    consult.signatures = [Signature(SignerRole.PATIENT, "Zig Zag", consult.created_at,
                                    SignerRole.PATIENT.meaning, (zigzag,))]
    pdf = render_summary(dataclasses.replace(consult, status=ConsultStatus.SIGNED), demo_pack())
    last = next(p for p in reader(pdf).pages if "Zig Zag" in (p.extract_text() or ""))
    content = last.get_contents().get_data().decode("latin-1")
    # 24 segments of the zigzag, each a moveto+lineto pair with its own pressure width
    assert content.count(" l S") + content.count(" l\nS") >= 24
    assert image_xobjects(pdf) == 0


def test_a_hebrew_name_and_long_hebrew_words_print_in_reading_order() -> None:
    consult = demo_consult()
    consult.patient.name = "שרה כהן"
    words = " ".join(f"מילה{n}" for n in range(40))
    consult.lifestyle.goals = words
    pdf = render_summary(consult, demo_pack())
    text = flat_text(pdf)
    assert "not printable" not in text
    # drawn in visual order; a PDF reader (here pypdf) gives it back in reading order
    assert "שרה כהן" in text
    # the goals wrap into lines whose top line holds the first words
    lines = [ln for ln in "\n".join(page_texts(pdf)).splitlines() if "מילה" in ln]
    assert len(lines) >= 4
    assert "מילה1 " in lines[0] and "מילה38" in lines[-1]


def test_the_options_comparison_shows_each_options_sources(demo_pdf: bytes) -> None:
    pack = demo_pack()
    numbers = {r.id: n for n, r in enumerate(pack.references, start=1)}
    text = flat_text(demo_pdf)
    compared = text.split("The options side by side", 1)[1].split(
        "Every benefit and risk in full", 1)[0]
    assert "Sources" in compared
    diagnosis = demo_consult().condition.diagnosis_id
    cited = [o for o in pack.options if o.cited(diagnosis)]
    assert [o.id for o in cited] == ["pump", "stimulator", "medicines"]  # every treatment
    for option in cited:  # the option's own sources and those of its items for this patient
        marks = "[" + ", ".join(str(n) for n in sorted(numbers[r]
                                                       for r in option.cited(diagnosis)))
        assert f"{marks}]" in compared, option.id
    pump = pack.option("pump")
    assert {"pacc-2017", "pump-labelling"} <= set(pump.references)
    assert "smith-2002" not in pump.cited(diagnosis)  # a cancer trial, not this patient's
    assert "—" in compared  # keeping current care cites nothing, and says so


def test_the_condition_description_is_followed_by_its_sources() -> None:
    scs = builtin_pack("spinal-cord-stimulator")
    psps = {c.id: c for c in scs.conditions}["psps-2"]
    assert "type 2" in psps.name and psps.references == ("christelis-2021",)
    number = [r.id for r in scs.references].index("christelis-2021") + 1
    consult = demo_consult()
    consult.condition = dataclasses.replace(consult.condition, diagnosis_id="psps-2",
                                            diagnosis=psps.name)
    text = flat_text(render_summary(consult, scs))
    described = text.split("The condition in plain words", 1)[1].split(
        "The options discussed", 1)[0]
    assert f"{squeeze(psps.description)} [{number}]" in described
    assert f"[{number}] {squeeze(scs.reference('christelis-2021').citation)}" in text


def test_a_condition_without_sources_prints_no_number() -> None:
    consult, pack = demo_consult(), demo_pack()
    consult.condition = dataclasses.replace(consult.condition, diagnosis_id="crps")
    described = {c.id: c for c in pack.conditions}["crps"]
    assert not described.references
    text = flat_text(render_summary(consult, pack))
    after = text.split(squeeze(described.description), 1)[1]
    assert not after.lstrip().startswith("[")
