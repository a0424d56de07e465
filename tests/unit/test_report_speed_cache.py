"""The renderer's caches give the PDF a fresh render gives (issue 16: the signed record's speed).

Kept across renders: paragraphs parsed and laid out, the page code drawn for them
(``report/paragraph.py``), text widths and subset codes (``report/fonts.py``). A render with
warm caches must write the same bytes as one with empty caches (reportlab's invariant mode
fixes the dates and the document id), for the same consult, another consult, another pack text.
"""

from __future__ import annotations

import dataclasses
import random
import weakref
from collections.abc import Iterator

import pytest
from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import TTFont

from consult_aid.domain import Consult, PatientQuestion
from consult_aid.report import paragraph
from consult_aid.report.fonts import EmbeddedFont, register_fonts
from consult_aid.report.handout import ClinicContacts, render_handout
from consult_aid.report.layout import _PDF_ESCAPES, Paper
from consult_aid.report.paragraph import Paragraph, cache_size, clear_cache
from consult_aid.report.styles import styles
from consult_aid.report.summary import render_summary
from tests.pdfcheck import demo_consult, demo_pack, flat_text, page_texts, signed_state

LONG = ("The patient described at length how the pain moves from the lower back into both "
        "legs and changes through the day, worse after sitting. ") * 45


@pytest.fixture(autouse=True)
def invariant(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Same content, same bytes: no creation date or random document id in the PDF."""
    monkeypatch.setattr(rl_config, "invariant", 1)
    yield


def cold(render: object, *args: object, **kwargs: object) -> bytes:
    """``render(*args)`` with the paragraph cache emptied first."""
    clear_cache()
    assert callable(render)
    return render(*args, **kwargs)  # type: ignore[no-any-return]


def other_consult() -> Consult:
    """The demo consult with a new patient (a letter outside ASCII early in the document, so
    the font codes of later characters differ from the demo's) and new free text."""
    consult = signed_state(demo_consult())
    consult.patient = dataclasses.replace(consult.patient, name="Zoë Ångström")
    consult.condition.function_notes = LONG  # longer than a page: the cell is split
    consult.questions = [*consult.questions, PatientQuestion("Can I swim? “Really” — ✓", "Yes.")]
    for record in consult.understanding.values():
        if record.patient_words:
            record.patient_words += " (said twice)"
    return consult


def test_a_warm_render_writes_the_bytes_of_a_cold_one() -> None:
    consult, pack = signed_state(demo_consult()), demo_pack()
    first = cold(render_summary, consult, pack)
    assert cache_size() > 100
    assert render_summary(consult, pack) == first
    assert render_summary(consult, pack) == first


def test_another_consult_after_a_warm_cache_is_rendered_as_if_alone() -> None:
    pack = demo_pack()
    other = other_consult()
    alone = cold(render_summary, other, pack)
    render_summary(signed_state(demo_consult()), pack)  # warms the cache with the demo
    assert render_summary(other, pack) == alone
    text = flat_text(alone)
    assert "Zoë Ångström" in text and "Can I swim?" in text and "(said twice)" in text
    # and the demo after the other consult
    demo = signed_state(demo_consult())
    assert render_summary(demo, pack) == cold(render_summary, demo, pack)


def test_a_split_paragraph_keeps_all_its_text_and_leaves_the_cache_alone() -> None:
    pack = demo_pack()
    other = other_consult()
    fresh = cold(render_summary, other, pack)
    again = render_summary(other, pack)  # now split from cached paragraphs
    assert again == fresh
    assert render_summary(other, pack, paper=Paper.LETTER) == cold(
        render_summary, other, pack, paper=Paper.LETTER)
    words = " ".join(page_texts(again)).split()
    assert words.count("sitting.") == 45  # every sentence of the split note, once


def test_a_changed_pack_text_is_not_served_from_the_cache() -> None:
    consult, pack = signed_state(demo_consult()), demo_pack()
    before = flat_text(render_summary(consult, pack))
    old = pack.references[0]
    changed = dataclasses.replace(pack, references=(
        dataclasses.replace(old, citation="Replaced citation, Journal of Tests 2026"),
        *pack.references[1:]))
    after = flat_text(render_summary(consult, changed))
    assert "Replaced citation, Journal of Tests 2026" in after
    assert "Replaced citation" not in before
    assert flat_text(render_summary(consult, pack)) == before


def test_handouts_warm_and_cold_are_the_same() -> None:
    pack = demo_pack()
    contacts = ClinicContacts("Riverside Pain Clinic", "01234 567890", "01234 999999", "112")
    first = cold(render_handout, pack, contacts)
    assert render_handout(pack, contacts) == first
    assert render_handout(pack, contacts, carer=True) == cold(
        render_handout, pack, contacts, carer=True)


def test_the_same_text_in_another_style_is_laid_out_in_that_style() -> None:
    s = styles()
    small, big = Paragraph("Words " * 40, s.small), Paragraph("Words " * 40, s.title)
    assert small.wrap(200, 1000)[1] < big.wrap(200, 1000)[1]
    other = ParagraphStyle("other", parent=s.small, fontSize=20, leading=24)
    assert Paragraph("Words " * 40, other).wrap(200, 1000)[1] > small.wrap(200, 1000)[1]


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paragraph, "CACHE_ENTRIES", 5)
    clear_cache()
    for n in range(20):
        Paragraph(f"text {n}", styles().body).wrap(300, 100)
    assert cache_size() == 5
    clear_cache()
    assert cache_size() == 0


def test_text_widths_are_reportlabs() -> None:
    register_fonts()
    font = getFont("DejaVuSans")
    assert isinstance(font, EmbeddedFont)
    for text in ("", "Consult summary", "Zoë · “quoted” — ✓ 1–2", "x" * 300):
        for size in (8, 10.5, 11):
            assert font.stringWidth(text, size) == TTFont.stringWidth(font, text, size)
            assert font.stringWidth(text, size) == font.stringWidth(text, size)  # remembered


class _Doc:
    """Stands for a PDF document: the fonts keep their subset codes per document object."""


def test_subset_codes_are_reportlabs_in_any_order() -> None:
    register_fonts()
    font = getFont("DejaVuSans-Bold")
    assert isinstance(font, EmbeddedFont)
    pool = ("abc XYZ 019 ", "é", "ü", "\xa0", "·", "—", "“", "”", "✓", "⚑", "\u4e2d", "()\\",
            "\u0645", "\u2028")
    rng = random.Random(16)
    for _ in range(20):
        ours, theirs = _Doc(), _Doc()
        for _ in range(60):
            text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 12)))
            assert font.splitString(text, ours) == TTFont.splitString(font, text, theirs)
        assert font.state[ours].assignments == font.state[theirs].assignments
        # the fonts keep no document alive
        ours_ref = weakref.ref(ours)
        del ours
        assert ours_ref() is None


def test_many_characters_spill_into_a_second_subset_as_in_reportlab() -> None:
    register_fonts()
    font = getFont("DejaVuSans")
    drawable = sorted(register_fonts().drawable)
    text = "".join(map(chr, drawable[200:700]))
    ours, theirs = _Doc(), _Doc()
    for chunk in (text[:100], text, text[50:400], "plain", text[::-1]):
        assert font.splitString(chunk, ours) == TTFont.splitString(font, chunk, theirs)


def test_pdf_string_escapes_are_reportlabs() -> None:
    from reportlab.lib import rl_accel

    python_escape = getattr(rl_accel, "_py_escapePDF", None) or rl_accel.escapePDF
    every_byte = bytes(range(256))
    assert every_byte.decode("latin-1").translate(_PDF_ESCAPES) == python_escape(every_byte)
