"""Patient handouts: every section, the warning signs, whom to call with the clinic's phone."""

from __future__ import annotations

import pytest

from consult_aid.report.handout import handout_sources, render_handout, short_citation
from consult_aid.report.layout import Paper
from tests.pdfcheck import BASE_14, builtin_pack, flat_text, fonts, page_texts, reader, squeeze

PACKS = ("intrathecal-pump", "spinal-cord-stimulator")


@pytest.fixture(scope="module")
def handouts() -> dict[str, bytes]:
    """Each built-in pack's handout for one clinic, rendered once and only read by the tests."""
    return {pack_id: render_handout(builtin_pack(pack_id), clinic="Riverside Pain Clinic",
                                    clinic_phone="+44 20 7946 0999") for pack_id in PACKS}


@pytest.mark.parametrize("pack_id", PACKS)
def test_handout_has_every_section_warning_sign_and_the_clinic_phone(
        pack_id: str, handouts: dict[str, bytes]) -> None:
    pack = builtin_pack(pack_id)
    pdf = handouts[pack_id]
    text = flat_text(pdf)
    assert squeeze(pack.handout.title) in text
    for section in pack.handout.sections:
        assert squeeze(section.heading) in text
    for sign in pack.handout.warning_signs:
        assert squeeze(sign) in text
    assert "{clinic_phone}" not in text and "{clinic_name}" not in text
    assert text.count("+44 20 7946 0999") >= 2  # the call box and the header at least
    pages = page_texts(pdf)
    for number, page in enumerate(pages, start=1):
        assert "Riverside Pain Clinic" in page
        assert f"Page {number} of {len(pages)}" in squeeze(page)
    for name, embedded in fonts(pdf):
        assert embedded and name.split("+")[-1] not in BASE_14
    assert reader(pdf).metadata.title == pack.handout.title


def test_a_missing_phone_number_is_visible_not_dropped() -> None:
    text = flat_text(render_handout(builtin_pack("intrathecal-pump"), clinic="X Clinic",
                                    clinic_phone=""))
    assert "ask the clinic to write it here" in text


def test_clinic_text_is_literal_and_letter_paper_works() -> None:
    pdf = render_handout(builtin_pack("spinal-cord-stimulator"), clinic="<b>A&B</b> Clinic",
                         clinic_phone="<a href='x'>555</a>", paper=Paper.LETTER)
    text = flat_text(pdf)
    assert "<b>A&B</b> Clinic" in text
    assert round(float(reader(pdf).pages[0].mediabox[2])) == 612


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
