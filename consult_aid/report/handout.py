"""The patient handout of a procedure pack, as its own PDF, with the clinic's phone filled in."""

from __future__ import annotations

import re

from reportlab.platypus import Flowable, Paragraph, Spacer

from consult_aid.content.model import Pack, Reference
from consult_aid.content.placeholders import fill_placeholders
from consult_aid.report.blocks import Story
from consult_aid.report.layout import SIDE_MARGIN, Metadata, Paper, RunningHeader, build_pdf
from consult_aid.report.text import clean
from consult_aid.report.wording import day

MISSING_PHONE = "[the clinic's phone number — ask the clinic to write it here: ____________]"
AUTHOR = re.compile(r"^([A-Z][\w'’-]+) [A-Z]{1,3}(?=[,.]|$)")  # "Deer TR, ...", "West T."


def render_handout(pack: Pack, *, clinic: str, clinic_phone: str,
                   paper: Paper | str = Paper.A4) -> bytes:
    """The handout PDF of ``pack`` for a clinic (``{clinic_phone}``/``{clinic_name}`` filled)."""
    paper = Paper.parse(paper)
    story = Story(paper.size[0] - 2 * SIDE_MARGIN)
    s = story.s
    clinic_phone = _unbroken(clinic_phone)
    values = {"clinic_phone": clinic_phone.strip() or MISSING_PHONE,
              "clinic_name": clinic.strip() or "the clinic"}

    def fill(text: str) -> str:
        return story.lit(fill_placeholders(text, values))

    handout = pack.handout
    story.add(story.para(fill(handout.title), s.title))
    story.add(story.para(f"Information for patients from {fill(values['clinic_name'])}",
                         s.subtitle))
    note_at = len(story.flowables)

    story.callout(_call_box(story, clinic, clinic_phone), style=s.big)
    story.gap(4)
    for section in handout.sections:
        story.heading(fill(section.heading))
        for paragraph in section.paragraphs:
            story.add(story.para(fill(paragraph), s.big))

    if handout.warning_signs:
        story.heading("⚠ Warning signs: call the clinic at once")
        signs: list[Flowable] = [Paragraph(fill(sign), s.bullet_big, bulletText="•")
                                 for sign in handout.warning_signs]
        signs += [Spacer(1, 4), Paragraph(_call_box(story, clinic, clinic_phone), s.big)]
        story.callout(signs)

    story.gap(10)
    sources = handout_sources(pack)
    if sources:
        story.muted("Sources: " + "; ".join(story.lit(c) for c in sources) + ".")
    story.muted(f"From the procedure pack “{story.lit(pack.title)}”, version "
                f"{story.lit(pack.version)}, published {day(pack.published)}; next review "
                f"{day(pack.next_review)}. Keep this sheet with your other medical papers.")

    header = RunningHeader(
        left=f"<b>{story.lit(clinic) or 'Your clinic'}</b><br/>{fill(handout.title)}",
        right=f"Phone: <b>{story.lit(clinic_phone) or 'see the box on page 1'}</b><br/>"
              f"Pack {story.lit(pack.id)} · version {story.lit(pack.version)}",
        footer_left="Information for patients · Consult Aid",
    )
    metadata = Metadata(title=clean(handout.title), author=clean(clinic) or "Consult Aid",
                        subject=f"Patient handout: {clean(pack.title)} (pack {clean(pack.id)} "
                                f"{clean(pack.version)})",
                        keywords=("patient handout", clean(pack.id), clean(pack.version)))
    return build_pdf(story.finish(note_at), paper=paper, header=header, metadata=metadata)


def handout_sources(pack: Pack) -> list[str]:
    """Short citations of the references the handout cites, in the pack's reference order."""
    cited = set(pack.handout.references())
    return [short_citation(ref) for ref in pack.references if ref.id in cited]


def short_citation(ref: Reference) -> str:
    """A short form a patient can look up: 'Neuman et al. Post dural puncture headache following
    intrathecal drug delivery system placement (2013)', 'British Pain Society. Intrathecal drug
    delivery for the management of pain and spasticity in adults (2015)'."""
    sentences = [t for t in re.split(r"(?<=\.)\s+", ref.citation.strip())
                 if t and not t.startswith("(")]
    if not sentences:
        return ref.id
    first = sentences[0].rstrip(".")
    author = AUTHOR.match(first)
    if author:
        many = "," in first or "et al" in first
        title = _title(sentences[1], keep_subtitle_under=8) if len(sentences) > 1 else ""
        text = f"{author.group(1)}{' et al.' if many else ''} {title}".strip()
    elif re.search(r"[:;]", first) or len(sentences) == 1:
        text = _title(first)
    else:  # an organisation, then the title
        text = f"{first}. {_title(sentences[1])}"
    if ref.year and str(ref.year) not in text:
        text += f" ({ref.year})"
    return text


def _title(sentence: str, keep_subtitle_under: int = 0) -> str:
    """The sentence up to its first colon or semicolon; the whole sentence when the part
    before the colon has fewer than ``keep_subtitle_under`` words (it would not say enough:
    'The Polyanalgesic Consensus Conference (PACC)' names two different papers)."""
    head = re.split(r"[:;]", sentence, maxsplit=1)[0]
    text = head if len(head.split()) >= keep_subtitle_under else sentence
    return text.strip().rstrip(".")


def _unbroken(phone: str) -> str:
    """A phone number never breaks across lines (spaces become no-break spaces)."""
    return phone.strip().replace(" ", "\u00a0")


def _call_box(story: Story, clinic: str, clinic_phone: str) -> str:
    who = story.lit(clinic.strip()) or "your clinic"
    phone = story.lit(clinic_phone.strip()) or story.lit(MISSING_PHONE)
    return (f"<b>Whom to call:</b> {who}, phone <b>{phone}</b>. If you cannot reach the clinic "
            "and you feel very unwell, call your local emergency number.")

