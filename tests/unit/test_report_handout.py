"""Patient handouts: danger signs to emergency services first, then the clinic, then the night
after the trial, the patient's own next steps and the pack's sections, read back from the PDF."""

from __future__ import annotations

import re
from datetime import date

import pytest

from consult_aid.content import Pack
from consult_aid.domain import Clinician
from consult_aid.report.handout import (
    CLINIC_HEADING,
    EMERGENCY_HEADING,
    LOCAL_EMERGENCY,
    NEXT_STEPS_HEADING,
    WRITE_IN_LINE,
    ClinicContacts,
    HandoutPlan,
    handout_sources,
    render_handout,
    short_citation,
)
from consult_aid.report.layout import Paper
from consult_aid.services.documents import patient_handout
from tests.pdfcheck import BASE_14, builtin_pack, flat_text, fonts, page_texts, reader, squeeze

PACKS = ("intrathecal-pump", "spinal-cord-stimulator")
CONTACTS = ClinicContacts(clinic="Riverside Pain Clinic", day_phone="+44 20 7946 0999",
                          out_of_hours_phone="+44 20 7946 0123", emergency_number="999")
NO_CONTACTS = ClinicContacts(clinic="", day_phone="", out_of_hours_phone="",
                             emergency_number="")
PLAN = HandoutPlan(patient_name="Margaret Ellis", procedure="Pain pump (trial, then implant)",
                   medicine="Ziconotide",
                   next_steps="Stop the blood thinner as Dr Shah explained.\n\n"
                              "Bring a list of all your medicines.",
                   follow_up=date(2026, 12, 8))
# The danger signs every handout sends to emergency services (REFERENCE.md).
DANGER = ("slow or shallow breathing", "cannot stay awake", "weakness or numbness in your legs",
          "bladder or bowels", "stiff neck", "confusion")
# The pump's own: the medicine stopping all at once (FDA baclofen warning), and breathing that
# slows late after a test dose (ASA/ASRA 2016).
PUMP_DANGER = ("breathing that slows after a test dose", "up to a day after the dose")


@pytest.fixture(scope="module")
def handouts() -> dict[str, bytes]:
    """Each built-in pack's general handout for one clinic, rendered once, only read."""
    return {pack_id: render_handout(builtin_pack(pack_id), CONTACTS) for pack_id in PACKS}


@pytest.fixture(scope="module")
def planned() -> dict[str, bytes]:
    """Each built-in pack's handout personalised with a plan."""
    return {pack_id: render_handout(builtin_pack(pack_id), CONTACTS, PLAN)
            for pack_id in PACKS}


def low(pdf: bytes) -> str:
    return flat_text(pdf).lower()


def between(text: str, start: str, end: str) -> str:
    """The text from ``start`` up to ``end`` (both must be there, in that order)."""
    assert start in text, start
    tail = text.split(start, 1)[1]
    assert end in tail, end
    return tail.split(end, 1)[0]


def sizes(pdf: bytes) -> list[tuple[float, str]]:
    """(font size in points, text) of every text run on every page."""
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object,
              size: float) -> None:
        if text.strip():
            runs.append((round(size * tm[0] * (cm[0] or 1), 1), squeeze(text)))

    for page in reader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return runs


# -- box 1 comes first and holds every danger sign ------------------------------------------------
@pytest.mark.parametrize("pack_id", PACKS)
def test_the_emergency_box_comes_first_and_holds_every_danger_sign(
        pack_id: str, handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    text = low(handouts[pack_id])
    first = text.index(EMERGENCY_HEADING.lower())
    assert first < text.index(CLINIC_HEADING.lower())
    assert "after your trial" in text or "while your trial wires are in" in text
    for section in pack.handout.sections:
        assert first < text.index(squeeze(section.heading).lower()), section.heading
    box = between(text, EMERGENCY_HEADING.lower(), CLINIC_HEADING.lower())
    assert "phone 999 now" in box and "do not call the clinic first" in box
    expected = DANGER + (PUMP_DANGER if pack_id == "intrathecal-pump" else ())
    for sign in expected:
        assert sign in box, sign
    for sign in pack.handout.emergency_signs:
        assert squeeze(sign).lower() in box, sign
    page_1 = page_texts(handouts[pack_id])[0]
    assert EMERGENCY_HEADING in page_1 and CLINIC_HEADING in page_1  # both boxes on page 1


def test_the_stimulator_handout_has_no_pump_withdrawal_sign(handouts: dict[str, bytes]) -> None:
    box = between(low(handouts["spinal-cord-stimulator"]), EMERGENCY_HEADING.lower(),
                  CLINIC_HEADING.lower())
    assert not [s for s in PUMP_DANGER if s in box]


@pytest.mark.parametrize("pack_id", PACKS)
def test_no_text_routes_an_emergency_sign_to_the_clinic(pack_id: str,
                                                        handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    text = low(handouts[pack_id])
    clinic_box = between(text, CLINIC_HEADING.lower(), squeeze(
        pack.handout.after_trial.heading if pack.handout.after_trial else
        pack.handout.sections[0].heading).lower())
    for sign in DANGER[:4]:
        assert sign not in clinic_box, sign
    assert "fever, without any of the signs in the red box" in clinic_box
    for sign in pack.handout.clinic_signs:
        assert squeeze(sign).lower() in clinic_box, sign
    for phrase in ("cannot reach", "can't reach", "if you cannot get through", "whom to call",
                   "warning signs: call the clinic", "call the clinic at once",
                   "emergency services only", "emergency help only"):
        assert phrase not in text, phrase
    # No sentence that sends the patient to the clinic names a danger sign or emergency help.
    sentences = re.split(r"(?<=[.!?])\s+", text)
    to_clinic = [s for s in sentences if re.search(r"call (?:the|your|riverside pain) clinic", s)
                 and "do not call the clinic" not in s]
    assert to_clinic
    for sentence in to_clinic:
        assert not [d for d in DANGER if d in sentence], sentence
        assert "emergenc" not in sentence, sentence


# -- phone numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("pack_id", PACKS)
def test_the_clinic_box_holds_the_day_and_out_of_hours_numbers(
        pack_id: str, handouts: dict[str, bytes]) -> None:
    text = flat_text(handouts[pack_id])
    box = between(text, CLINIC_HEADING, "•")
    assert "In the day: +44 20 7946 0999" in box
    assert "At night and at weekends: +44 20 7946 0123" in box
    assert "Call Riverside Pain Clinic if you have any of these." in box
    assert "999" in between(text, EMERGENCY_HEADING, CLINIC_HEADING)
    assert WRITE_IN_LINE not in text and LOCAL_EMERGENCY not in text


def test_missing_numbers_are_lines_to_write_on_and_the_local_emergency_number() -> None:
    text = flat_text(render_handout(builtin_pack("intrathecal-pump"), NO_CONTACTS))
    box = between(text, CLINIC_HEADING, "•")
    assert f"In the day: {WRITE_IN_LINE}" in box
    assert f"At night and at weekends: {WRITE_IN_LINE}" in box
    assert "write the missing number on the line" in box
    assert f"Phone {LOCAL_EMERGENCY} now" in between(text, EMERGENCY_HEADING, CLINIC_HEADING)
    only_night = flat_text(render_handout(builtin_pack("intrathecal-pump"), ClinicContacts(
        clinic="X Clinic", day_phone="555 0100", out_of_hours_phone="", emergency_number="112")))
    box = between(only_night, CLINIC_HEADING, "•")
    assert "In the day: 555 0100" in box and f"weekends: {WRITE_IN_LINE}" in box
    assert "Phone 112 now" in only_night


# -- the night after the trial --------------------------------------------------------------------
def test_the_pump_after_trial_part_names_24_hours_and_cites_asa_asra_2016(
        handouts: dict[str, bytes]) -> None:
    pack = builtin_pack("intrathecal-pump")
    part = between(flat_text(handouts["intrathecal-pump"]), "The night after your trial",
                   pack.handout.sections[0].heading)
    assert "An adult must stay with you" in part
    assert "at least 24 hours after the dose" in part and "at least 6 hours" in part
    assert "What to watch for:" in part and "slow or shallow" in part
    assert "If you see a sign that is in the red box, phone 999 now." in part
    source = part.split("Source: ", 1)[1]
    assert squeeze(short_citation(pack.reference("asa-asra-2016"))) in source
    assert "respiratory depression associated with neuraxial opioid administration (2016)" \
        in source
    assert "Polyanalgesic Consensus Conference" in source  # PACC 2017: 6 hours, adult at home


def test_the_stimulator_after_trial_part_has_no_duration(handouts: dict[str, bytes]) -> None:
    pack = builtin_pack("spinal-cord-stimulator")
    part = between(flat_text(handouts["spinal-cord-stimulator"]),
                   "While your trial wires are in", pack.handout.sections[0].heading)
    assert "No medicine goes into your spine" in part
    assert "Until the trial wires come out" in part
    assert not re.search(r"\d+ (?:hours?|days?|weeks?)", part)
    assert "Source:" not in part  # nothing to cite: no figures
    assert "The night after your trial" not in flat_text(handouts["spinal-cord-stimulator"])


# -- the plan -------------------------------------------------------------------------------------
@pytest.mark.parametrize("pack_id", PACKS)
def test_a_plan_personalises_the_handout(pack_id: str, planned: dict[str, bytes],
                                         handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    text = flat_text(planned[pack_id])
    assert text.index("For Margaret Ellis") < text.index(EMERGENCY_HEADING)
    assert "Your treatment: Pain pump (trial, then implant)" in text
    assert "Your medicine: Ziconotide" in text
    steps = between(text, NEXT_STEPS_HEADING, pack.handout.sections[0].heading)
    assert "Stop the blood thinner as Dr Shah explained." in steps
    assert "Bring a list of all your medicines." in steps
    assert "Your next appointment: 8 December 2026" in steps
    assert text.index(CLINIC_HEADING) < text.index(NEXT_STEPS_HEADING)
    general = flat_text(handouts[pack_id])
    for absent in ("Margaret Ellis", "Ziconotide", "Your treatment", "Your medicine",
                   NEXT_STEPS_HEADING, "next appointment", "December 2026, "):
        assert absent not in general, absent


def test_a_plan_without_medicine_steps_or_date_prints_only_what_it_has() -> None:
    plan = HandoutPlan(patient_name="Robert Okafor", procedure="Keep current care",
                       medicine="", next_steps="", follow_up=None)
    text = flat_text(render_handout(builtin_pack("spinal-cord-stimulator"), CONTACTS, plan))
    assert "For Robert Okafor" in text and "Your treatment: Keep current care" in text
    assert "Your medicine" not in text and NEXT_STEPS_HEADING not in text
    dated = HandoutPlan(patient_name="", procedure="", medicine="", next_steps="",
                        follow_up=date(2027, 1, 14))
    text = flat_text(render_handout(builtin_pack("spinal-cord-stimulator"), CONTACTS, dated))
    assert "For " not in between(text, "Riverside Pain Clinic", EMERGENCY_HEADING)
    assert "Your next appointment: 14 January 2027" in text


def test_user_text_is_literal_and_letter_paper_works() -> None:
    contacts = ClinicContacts(clinic="<b>A&B</b> Clinic", day_phone="<a href='x'>555</a>",
                              out_of_hours_phone="1 & 2", emergency_number="<i>911</i>")
    plan = HandoutPlan(patient_name="<font size=40>Ann</font>", procedure="A < B",
                       medicine="Morphine & Clonidine", next_steps="<br/>Call & ask",
                       follow_up=None)
    pdf = render_handout(builtin_pack("spinal-cord-stimulator"), contacts, plan,
                         paper=Paper.LETTER)
    text = flat_text(pdf)
    for literal in ("<b>A&B</b> Clinic", "<a href='x'>555</a>", "1 & 2", "<i>911</i>",
                    "For <font size=40>Ann</font>", "A < B", "Morphine & Clonidine",
                    "<br/>Call & ask"):
        assert literal in text, literal
    assert round(float(reader(pdf).pages[0].mediabox[2])) == 612


# -- the whole document ---------------------------------------------------------------------------
@pytest.mark.parametrize("pack_id", PACKS)
def test_handout_has_every_section_header_fonts_and_metadata(
        pack_id: str, handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    pdf = handouts[pack_id]
    text = flat_text(pdf)
    assert squeeze(pack.handout.title) in text
    for section in pack.handout.sections:
        assert squeeze(section.heading) in text
        for paragraph in section.paragraphs:
            assert squeeze(paragraph) in text
    assert "{" not in text  # no placeholder left unfilled
    pages = page_texts(pdf)
    for number, page in enumerate(pages, start=1):
        assert "Riverside Pain Clinic" in page
        assert f"Page {number} of {len(pages)}" in squeeze(page)
    for name, embedded in fonts(pdf):
        assert embedded and name.split("+")[-1] not in BASE_14
    assert reader(pdf).metadata.title == pack.handout.title


@pytest.mark.parametrize("pack_id", PACKS)
def test_patient_facing_text_is_at_least_11_points(pack_id: str,
                                                   planned: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    runs = sizes(planned[pack_id])
    h = pack.handout
    after = h.after_trial
    assert after is not None
    texts = [EMERGENCY_HEADING, CLINIC_HEADING, "For Margaret Ellis", "In the day:",
             *h.emergency_signs, *h.clinic_signs, after.heading, after.who, after.how_long,
             *after.watch, *(p for s in h.sections for p in (s.heading, *s.paragraphs))]
    for wanted in texts:
        start = squeeze(wanted)[:24]
        found = [size for size, run in runs if start in run
                 or (len(run) >= 12 and start.startswith(run))]
        assert found, wanted
        assert min(found) >= 11, (wanted, found)
    assert max(size for size, run in runs if EMERGENCY_HEADING in run) >= 14


@pytest.mark.parametrize("pack_id", PACKS)
def test_handout_ends_with_the_sources_of_its_figures(pack_id: str,
                                                      handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    text = flat_text(handouts[pack_id])
    sources = handout_sources(pack)
    assert sources and len(sources) == len(pack.handout.references())
    assert "Sources: " in text
    tail = text.split("Sources: ", 1)[1]
    for citation in sources:
        assert squeeze(citation) in squeeze(tail)
    assert tail.index("From the procedure pack") > 0  # the sources come before the pack line
    assert "blackburn-2021" not in pack.handout.references()
    assert "Blackburn et al." not in tail  # only what the handout cites


def test_pump_handout_references_cover_signs_after_trial_and_sections() -> None:
    pump: Pack = builtin_pack("intrathecal-pump")
    refs = pump.handout.references()
    # the emergency signs first, then the clinic signs (opioid withdrawal)
    assert refs[:2] == ("asa-asra-2016", "opioid-withdrawal-fast-fact")
    assert {"pacc-2017", "pacc-2017-trialing", "pump-labelling"} <= set(refs)
    assert len(refs) == len(set(refs))


def test_short_citations_name_the_first_author_title_and_year() -> None:
    pump = builtin_pack("intrathecal-pump")
    assert short_citation(pump.reference("neuman-2013")) == (
        "Neuman et al. Post dural puncture headache following intrathecal drug delivery "
        "system placement (2013)")
    pacc = {short_citation(pump.reference(i)) for i in ("pacc-2017", "pacc-2017-trialing")}
    assert len(pacc) == 2  # two PACC papers stay distinguishable
    assert short_citation(pump.reference("pump-labelling")) == (
        "Manufacturer information. Medtronic SynchroMed II")
    assert short_citation(pump.reference("bps-2015")) == (
        "British Pain Society. Intrathecal drug delivery for the management of pain and "
        "spasticity in adults (2015)")
    assert short_citation(pump.reference("asa-asra-2016")).endswith(
        "Practice guidelines for the prevention, detection, and management of respiratory "
        "depression associated with neuraxial opioid administration (2016)")


def test_patient_handout_takes_every_number_from_the_clinician() -> None:
    clinician = Clinician(name="Dr A Shah", clinic="Hill Clinic", clinic_phone="555 0100",
                          out_of_hours_phone="555 0199", emergency_number="112")
    text = flat_text(patient_handout(builtin_pack("intrathecal-pump"), clinician,
                                     Paper.A4, PLAN))
    assert "Phone 112 now" in text
    assert "In the day: 555 0100" in text and "At night and at weekends: 555 0199" in text
    assert "For Margaret Ellis" in text
    bare = flat_text(patient_handout(builtin_pack("intrathecal-pump"),
                                     Clinician(name="Dr B"), "a4"))
    assert f"Phone {LOCAL_EMERGENCY} now" in bare and NEXT_STEPS_HEADING not in bare


def test_cost_and_insurance_in_the_clinics_words_or_whom_to_ask() -> None:
    """No pack can know what a patient pays: the handout prints the clinic's own note, as
    literal text, or tells the patient to ask the clinic before the trial."""
    note = "Most insurers cover the trial & implant; <b>ask</b> our billing desk."
    with_note = ClinicContacts(clinic="Riverside Pain Clinic", day_phone="1",
                               out_of_hours_phone="2", emergency_number="999", cost_note=note)
    for pack_id in PACKS:
        text = flat_text(render_handout(builtin_pack(pack_id), with_note))
        assert f"Cost and insurance {squeeze(note)}" in text
        text = flat_text(render_handout(builtin_pack(pack_id), CONTACTS))
        assert "Cost and insurance Before the trial, ask Riverside Pain Clinic what the trial, " \
               "the implant and the follow-up visits will cost you" in text
