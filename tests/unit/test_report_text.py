"""The single escaping function: user text is shown literally, never read as markup."""

from __future__ import annotations

import threading
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from consult_aid.report.fonts import register_fonts
from consult_aid.report.styles import styles
from consult_aid.report.text import RTL_LINE_CHARS, clean, has_unprintable, literal


def test_markup_characters_are_escaped() -> None:
    assert literal('<b>x</b> & &amp; "q" \'a\'') == (
        "&lt;b&gt;x&lt;/b&gt; &amp; &amp;amp; &quot;q&quot; &#39;a&#39;"
    )


def test_line_breaks_are_kept_and_control_characters_removed() -> None:
    assert literal("one\ntwo\r\nthree\rfour") == "one<br/>two<br/>three<br/>four"
    assert literal("a\x00b\x07c\td") == "abc d"


def test_none_is_empty_and_decomposed_accents_are_composed() -> None:
    assert literal(None) == ""
    assert literal("Jose\u0301") == "José"


def test_a_script_without_glyphs_gets_a_visible_placeholder() -> None:
    markup = literal("王 小明 ok")
    assert "[not printable: U+738B U+5C0F U+660E]" in markup  # one placeholder for the name
    assert markup.endswith(" ok")
    assert has_unprintable("王") and not has_unprintable("Łukasz Øster-Müller")


def test_right_to_left_text_is_put_in_visual_order() -> None:
    # reportlab lays out left to right: the markup must already be in visual order
    assert literal("שלום כהן") == "ןהכ םולש"
    assert not has_unprintable("שלום כהן")
    arabic = literal("مرحبا")
    assert "not printable" not in arabic
    assert unicodedata.normalize("NFKC", arabic)[::-1] == "مرحبا"  # shaped, then reversed
    assert literal("MRN 4711 שלום") == "MRN 4711 םולש"  # a left-to-right line stays in order


def test_long_right_to_left_text_is_wrapped_in_reading_order() -> None:
    words = [f"מילה{n}" for n in range(30)]
    rows = literal(" ".join(words)).split("<br/>")
    assert len(rows) > 3 and all(len(r) <= RTL_LINE_CHARS for r in rows)
    # the first printed row holds the first words (read right to left), not the last ones
    assert "0הלימ" in rows[0] and "29הלימ" in rows[-1]


_MIRRORED = str.maketrans("()[]{}<>«»", "((([{{<<««")


def _letters(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).translate(_MIRRORED)
    return sorted(c for c in folded if not c.isspace())


def test_names_in_latin_greek_and_cyrillic_are_kept() -> None:
    for name in ("Łukasz Øster-Müller", "José Núñez", "Ελένη Παπαδοπούλου", "Владимир Щукин"):
        assert literal(name) == name


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses_as_a_paragraph_and_reads_back(text: str) -> None:
    """Whatever is typed, Paragraph accepts the markup (an unclosed tag would raise)."""
    markup = literal(text)
    paragraph = Paragraph(markup, styles().body)
    shown = paragraph.getPlainText()
    paragraph.wrap(300, 10_000)
    if not has_unprintable(text):
        if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
            # reordered and shaped: the same letters, in visual order
            assert _letters(shown) == _letters(clean(text))
        else:
            assert "".join(shown.split()) == "".join(clean(text).split())


def test_font_registration_is_idempotent_and_thread_safe() -> None:
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(register_fonts()))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in results}) == 1
    assert register_fonts().can_draw("Ł") and not register_fonts().can_draw("王")


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x0b", "\x0c"])
def test_unusual_line_separators_become_line_breaks(char: str) -> None:
    assert literal(f"a{char}b") == "a<br/>b"


def test_a_layout_failure_is_a_calm_error_without_the_text() -> None:
    from reportlab.platypus import Table

    from consult_aid.errors import KnownError
    from consult_aid.report.layout import Metadata, Paper, RunningHeader, build_pdf

    secret = "Confidential-patient-words " * 3
    huge = Table([[secret]], rowHeights=[5000])  # taller than any page: cannot be laid out
    with pytest.raises(KnownError) as caught:
        build_pdf([huge], paper=Paper.A4, header=RunningHeader("a", "b"),
                  metadata=Metadata("t", "a", "s"))
    assert "too long to fit" in str(caught.value)
    assert "Confidential" not in str(caught.value)


def test_brackets_in_right_to_left_text_are_mirrored() -> None:
    assert literal("שרה (כהן)") == "(ןהכ) הרש"
