"""An addendum to a signed consult, as its own signed PDF (the signed summary never changes)."""

from __future__ import annotations

from consult_aid.domain import Addendum, Consult
from consult_aid.exchange.consult_json import addendum_fingerprint
from consult_aid.report.blocks import Story
from consult_aid.report.layout import SIDE_MARGIN, Metadata, Paper, RunningHeader, build_pdf
from consult_aid.report.text import clean
from consult_aid.report.wording import day, moment
from consult_aid.signing.record import ADDENDUM_KEYWORD

ADDENDUM_TITLE = "Addendum to an informed-decision consult"


def render_addendum(consult: Consult, addendum: Addendum, *,
                    paper: Paper | str = Paper.A4) -> bytes:
    """The addendum PDF: which signed record it amends (id, date, PDF hash) and the note."""
    paper = Paper.parse(paper)
    story = Story(paper.size[0] - 2 * SIDE_MARGIN)
    s = story.s
    story.add(story.para(ADDENDUM_TITLE, s.title))
    note_at = len(story.flowables)
    story.fields([
        ("Patient", f"<b>{story.lit(consult.patient.name)}</b>"),
        ("Date of birth", day(consult.patient.date_of_birth)),
        ("Consult", story.lit(consult.id)),
        ("Consult signed", moment(consult.signed_at) if consult.signed_at else "not recorded"),
        ("Signed summary (SHA-256)", story.lit(consult.pdf_sha256) or "not recorded"),
        ("Written by", story.lit(addendum.author)),
        ("Written", moment(addendum.written_at)),
    ])
    story.heading("Addendum")
    story.add(story.text(addendum.text, s.body))
    story.gap(8)
    story.muted("This addendum adds to the signed consult summary named above; it does not change "
                "it. The clinic signs this PDF digitally: <b>consult-aid verify</b> detects any "
                "later change to the file.")
    clinic = consult.clinician.clinic.strip()
    header = RunningHeader(
        left=(f"<b>{story.lit(clinic) if clinic else 'Clinic not named'}</b><br/>"
              f"Patient: <b>{story.lit(consult.patient.name)}</b> · "
              f"born {day(consult.patient.date_of_birth)}"),
        right=f"Addendum to consult {story.lit(consult.id)}",
        footer_left=f"{ADDENDUM_TITLE} · Consult Aid",
    )
    fingerprint = addendum_fingerprint(consult.id, consult.pdf_sha256, addendum)
    metadata = Metadata(title=f"{ADDENDUM_TITLE} {clean(consult.id)}",
                        author=clean(addendum.author),
                        subject=f"Addendum to consult {clean(consult.id)}",
                        keywords=("consult addendum", clean(consult.id),
                                  ADDENDUM_KEYWORD + fingerprint))
    return build_pdf(story.finish(note_at), paper=paper, header=header, metadata=metadata)
