"""The patient handout of a procedure pack, as its own PDF: what to do when something is wrong
first (emergency services, then the clinic), then what happens after the trial, the patient's
own next steps and the pack's sections.

Page 1 in order: title; whom it is for (with a plan); box 1 "Call emergency services now" (red)
with the emergency number and the pack's emergency signs; box 2 "Call the clinic today" with
the clinic's day and out-of-hours numbers and the clinic signs; "The night after your trial";
"Your next steps"; then the pack's sections, the sources and the pack's version. Danger signs
never route through the clinic (REFERENCE.md, neuraxial opioids and breathing).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer

from consult_aid.content.model import AfterTrial, Pack, Reference
from consult_aid.content.placeholders import fill_placeholders
from consult_aid.report.blocks import Story
from consult_aid.report.layout import SIDE_MARGIN, Metadata, Paper, RunningHeader, build_pdf
from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import Styles
from consult_aid.report.text import clean
from consult_aid.report.wording import day

WRITE_HERE = "ask the clinic to write it here: ____________"
MISSING_PHONE = f"[the clinic's phone number — {WRITE_HERE}]"
MISSING_OUT_OF_HOURS = f"[the clinic's night and weekend number — {WRITE_HERE}]"
WRITE_IN_LINE = "______________________"  # a missing number in a box: a line to write on
WRITE_IN_NOTE = "Ask the clinic to write the missing number on the line."
LOCAL_EMERGENCY = "your local emergency number"
AUTHOR = re.compile(r"^([A-Z][\w'’-]+) [A-Z]{1,3}(?=[,.]|$)")  # "Deer TR, ...", "West T."

EMERGENCY_HEADING = "Call emergency services now"
CLINIC_HEADING = "Call the clinic today"
NEXT_STEPS_HEADING = "Your next steps"
EMERGENCY_BG = colors.HexColor("#fdeaea")
EMERGENCY_EDGE = colors.HexColor("#b71c1c")
EMERGENCY_INK = colors.HexColor("#9a1414")
CLINIC_BG = colors.HexColor("#fff3e0")
CLINIC_EDGE = colors.HexColor("#d9822b")


COST_HEADING = "Cost and insurance"
# When the clinic has written nothing: no pack can know the cost, so the handout says whom to ask
NO_COST_NOTE = ("Before the trial, ask {clinic} what the trial, the implant and the follow-up "
                "visits will cost you, and what your insurance covers.")


@dataclass(frozen=True, slots=True)
class ClinicContacts:
    clinic: str  # clinic name, may be ""
    day_phone: str  # may be ""
    out_of_hours_phone: str  # may be ""
    emergency_number: str  # may be "" -> "your local emergency number"
    cost_note: str = ""  # the clinic's own words on cost and insurance; "" -> ask the clinic


@dataclass(frozen=True, slots=True)
class HandoutPlan:
    """Personalisation from the consult (all plain text, escaped by the renderer)."""

    patient_name: str
    procedure: str  # the chosen option's name, or the pack title
    medicine: str  # planned medicine, may be ""
    next_steps: str  # may be multi-line, may be ""
    follow_up: date | None
    diagnosis_id: str = ""  # the pack condition recorded; sections for others are left out


@dataclass(frozen=True, slots=True)
class _Styles:
    """The handout's own styles, derived from the shared ones (patient text 12 pt or more)."""

    box_heading: ParagraphStyle
    emergency_heading: ParagraphStyle
    box_text: ParagraphStyle
    lead: ParagraphStyle


@cache
def _styles(s: Styles) -> _Styles:
    """Made once per set of shared styles: a paragraph's parse and layout are kept per style
    object (:mod:`consult_aid.report.paragraph`), so the same text in the same style must get
    the same object every render."""
    box_heading = ParagraphStyle("handout_box_heading", parent=s.h1, fontSize=15, leading=19,
                                 spaceBefore=0, spaceAfter=4, textColor=s.body.textColor)
    return _Styles(
        box_heading=box_heading,
        emergency_heading=ParagraphStyle("handout_emergency_heading", parent=box_heading,
                                         textColor=EMERGENCY_INK),
        box_text=ParagraphStyle("handout_box_text", parent=s.big, spaceAfter=4),
        lead=ParagraphStyle("handout_lead", parent=s.big, fontName=s.h1.fontName, fontSize=13,
                            leading=18, spaceAfter=2),
    )


def render_handout(pack: Pack, contacts: ClinicContacts, plan: HandoutPlan | None = None,
                   *, paper: Paper | str = Paper.A4, carer: bool = False) -> bytes:
    """The handout PDF of ``pack`` for a clinic, personalised when ``plan`` is given."""
    paper = Paper.parse(paper)
    story = Story(paper.size[0] - 2 * SIDE_MARGIN)
    s = story.s
    own = _styles(s)
    clinic = contacts.clinic.strip()
    day_phone = _unbroken(contacts.day_phone)
    night_phone = _unbroken(contacts.out_of_hours_phone)
    emergency = _unbroken(contacts.emergency_number)
    values = {"clinic_phone": day_phone or MISSING_PHONE,
              "clinic_name": clinic or "the clinic",
              "out_of_hours_phone": night_phone or MISSING_OUT_OF_HOURS,
              "emergency_number": emergency or LOCAL_EMERGENCY}

    def fill(text: str) -> str:
        return story.lit(fill_placeholders(text, values))

    handout = pack.carer_handout if carer and pack.carer_handout is not None else pack.handout
    story.add(story.para(fill(handout.title), s.title))
    readers = "carers" if carer else "patients"
    story.add(story.para(f"Information for {readers} from {story.lit(values['clinic_name'])}",
                         s.subtitle))
    note_at = len(story.flowables)
    if plan is not None:
        _for_whom(story, own, plan, carer)

    # Box 1: danger signs go to emergency services, never through the clinic first.
    call = story.lit(emergency) if emergency else LOCAL_EMERGENCY
    box: list[Flowable] = [
        Paragraph(f"⚠ {EMERGENCY_HEADING}", own.emergency_heading),
        Paragraph(f"Phone <b>{call}</b> now if you have any of these. Do not call the clinic "
                  "first.", own.box_text),
    ]
    box += [Paragraph(fill(sign), s.bullet_big, bulletText="•")
            for sign in handout.emergency_signs]
    story.callout(box, background=EMERGENCY_BG, edge=EMERGENCY_EDGE)
    story.gap(8)

    # Box 2: the clinic, the same day.
    who = story.lit(clinic) or "your clinic"
    box = [Paragraph(CLINIC_HEADING, own.box_heading),
           Paragraph(f"Call {who} if you have any of these.", own.box_text),
           Paragraph(f"In the day: {_number(story, day_phone)}", own.box_text),
           Paragraph(f"At night and at weekends: {_number(story, night_phone)}", own.box_text)]
    if not day_phone or not night_phone:
        box.append(Paragraph(WRITE_IN_NOTE, own.box_text))
    box.append(Spacer(1, 2))
    box += [Paragraph(fill(sign), s.bullet_big, bulletText="•") for sign in handout.clinic_signs]
    story.callout(box, background=CLINIC_BG, edge=CLINIC_EDGE)

    if handout.after_trial is not None:
        _after_trial(story, pack, handout.after_trial, fill, call)
    if plan is not None and (plan.next_steps.strip() or plan.follow_up is not None):
        _next_steps(story, plan)

    diagnosis = plan.diagnosis_id if plan is not None else ""
    for section in (s for s in handout.sections if s.applies(diagnosis)):
        story.heading(fill(section.heading))
        for paragraph in section.paragraphs:
            story.add(story.para(fill(paragraph), s.big))
    story.heading(COST_HEADING)
    story.add(story.para(story.lit(contacts.cost_note.strip()) if contacts.cost_note.strip()
                         else NO_COST_NOTE.format(clinic=story.lit(clinic) or "the clinic"),
                         s.big))

    story.gap(6)
    story.add(story.para("Keep this sheet with your other medical papers.", s.big))
    sources = handout_sources(pack, diagnosis, carer=carer)
    if sources:
        story.muted("Sources: " + "; ".join(story.lit(c) for c in sources) + ".")
    story.muted(f"From the procedure pack “{story.lit(pack.title)}”, version "
                f"{story.lit(pack.version)}, published {day(pack.published)}; next review "
                f"{day(pack.next_review)}.")

    header = RunningHeader(
        left=f"<b>{story.lit(clinic) or 'Your clinic'}</b><br/>{fill(handout.title)}",
        right=f"Clinic phone: <b>{story.lit(day_phone) or 'see the box on page 1'}</b><br/>"
              f"Pack {story.lit(pack.id)} · version {story.lit(pack.version)}",
        footer_left="Information for patients · Consult Aid",
    )
    metadata = Metadata(title=clean(handout.title), author=clean(clinic) or "Consult Aid",
                        subject=f"Patient handout: {clean(pack.title)} (pack {clean(pack.id)} "
                                f"{clean(pack.version)})",
                        keywords=("patient handout", clean(pack.id), clean(pack.version)))
    return build_pdf(story.finish(note_at), paper=paper, header=header, metadata=metadata)


def _for_whom(story: Story, own: _Styles, plan: HandoutPlan, carer: bool = False) -> None:
    """'For Jane Doe' (or 'For the carers of Jane Doe'), then the planned procedure and
    medicine."""
    s = story.s
    name = story.lit(plan.patient_name.strip())
    if name:
        story.add(story.para(f"For the carers of {name}" if carer else f"For {name}",
                             own.lead))
    whose = "The planned" if carer else "Your"
    lines = []
    if plan.procedure.strip():
        lines.append(f"{whose} treatment: <b>{story.lit(plan.procedure.strip())}</b>")
    if plan.medicine.strip():
        lines.append(f"{whose} medicine: <b>{story.lit(plan.medicine.strip())}</b>")
    if lines:
        story.add(story.para("<br/>".join(lines), s.big))


def _after_trial(story: Story, pack: Pack, after: AfterTrial, fill: Callable[[str], str],
                 call: str) -> None:
    """Who stays with the patient after the trial, how long, what they watch for, sources;
    kept on one page so the list is never parted from what to do about it."""
    s = story.s
    block: list[Flowable] = [
        story.para(fill(after.heading), s.h1),
        story.para(f"<b>{fill(after.who)}</b>", s.big),
        story.para(fill(after.how_long), s.big),
        story.para("<b>What to watch for:</b>", s.big),
        *(Paragraph(fill(sign), s.bullet_big, bulletText="•") for sign in after.watch),
        story.para(f"If you see a sign that is in the red box, phone <b>{call}</b> now. For any "
                   "other sign, call the clinic today.", s.big),
    ]
    story.keep(block)
    # the sources follow the block but may start the next page: the signs and what to do stay
    # together, a long source line never pushes them off a half-empty page
    cited = [short_citation(ref) for ref in pack.references if ref.id in after.references]
    if cited:
        story.add(story.para("Source: " + "; ".join(story.lit(c) for c in cited) + ".",
                             s.muted))


def _number(story: Story, phone: str) -> str:
    """A phone number in bold, or a line to write it on."""
    return f"<b>{story.lit(phone)}</b>" if phone else WRITE_IN_LINE


def _next_steps(story: Story, plan: HandoutPlan) -> None:
    """The consult's next steps, one paragraph per line, and the follow-up date in words."""
    s = story.s
    story.heading(NEXT_STEPS_HEADING)
    lines = [line.strip() for line in plan.next_steps.splitlines() if line.strip()]
    if len(lines) > 1:
        story.bullets([story.lit(line) for line in lines], s.bullet_big)
    elif lines:
        story.add(story.text(lines[0], s.big))
    if plan.follow_up is not None:
        story.add(story.para(f"Your next appointment: <b>{day(plan.follow_up)}</b>", s.big))


def handout_sources(pack: Pack, diagnosis_id: str = "", *, carer: bool = False) -> list[str]:
    """Short citations of the references the handout (the carers' with ``carer``) cites for a
    patient with ``diagnosis_id``, in the pack's reference order."""
    handout = pack.carer_handout if carer and pack.carer_handout is not None else pack.handout
    cited = set(handout.references(diagnosis_id))
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
