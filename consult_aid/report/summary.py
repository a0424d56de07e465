"""The consult summary PDF: what was discussed, understood and decided, and who signed.

:func:`render_summary` is pure (domain + content in, PDF bytes out) and thread-safe, so the
window can run it on a worker thread. The cryptographic signature is added afterwards by
:mod:`consult_aid.signing`; the drawn signatures are part of the page content here.
"""

from __future__ import annotations

from reportlab.platypus import PageBreak

from consult_aid.content.model import Pack
from consult_aid.domain import Consult, ConsultStatus
from consult_aid.exchange.consult_json import record_fingerprint
from consult_aid.report import summary_sections as sections
from consult_aid.report.blocks import Story
from consult_aid.report.layout import (
    SIDE_MARGIN,
    Metadata,
    Paper,
    RunningHeader,
    build_pdf,
)
from consult_aid.report.summary_appendix import appendix
from consult_aid.report.summary_record import TITLE, decision_page
from consult_aid.report.text import clean
from consult_aid.report.wording import day
from consult_aid.signing.record import RECORD_KEYWORD

SUMMARY_TITLE = TITLE
DRAFT_MARK = "DRAFT — NOT SIGNED"


def render_summary(consult: Consult, pack: Pack, *, paper: Paper | str = Paper.A4) -> bytes:
    """The summary PDF of ``consult`` as discussed with ``pack`` (unsigned bytes).

    Page 1 is the decision record; the body (what was discussed and understood, the
    signatures) follows; the appendix, on its own pages, holds the evidence.
    """
    paper = Paper.parse(paper)
    # the record's fingerprint (canonical JSON of the whole consult, hashed) is computed once:
    # the appendix prints it and the keywords carry it
    fingerprint = (record_fingerprint(consult) if consult.status is not ConsultStatus.DRAFT
                   else None)
    story = Story(paper.size[0] - 2 * SIDE_MARGIN)
    decision_page(story, consult, pack)
    note_at = len(story.flowables)
    sections.situation(story, consult, pack)
    sections.benefits_and_risks(story, consult, pack)
    sections.questions(story, consult)
    sections.signatures(story, consult)
    sections.addenda(story, consult)
    story.add(PageBreak())
    appendix(story, consult, pack, fingerprint=fingerprint)
    header = _header(story, consult, pack)
    return build_pdf(story.finish(note_at), paper=paper, header=header,
                     metadata=summary_metadata(consult, pack, fingerprint=fingerprint))


def _header(story: Story, consult: Consult, pack: Pack) -> RunningHeader:
    clinic = consult.clinician.clinic.strip()
    left = (f"<b>{story.lit(clinic) if clinic else 'Clinic not named'}</b><br/>"
            f"Patient: <b>{story.lit(consult.patient.name)}</b> · "
            f"born {day(consult.patient.date_of_birth)}")
    right = (f"Consult {story.lit(consult.id)}<br/>"
             f"Pack {story.lit(pack.id)} · version {story.lit(pack.version)}")
    draft = consult.status is ConsultStatus.DRAFT
    status = "DRAFT — NOT SIGNED" if draft else "signed record"
    return RunningHeader(left=left, right=right,
                         footer_left=f"{SUMMARY_TITLE} · {status} · Consult Aid",
                         watermark=DRAFT_MARK if draft else "")


def summary_metadata(consult: Consult, pack: Pack, *, fingerprint: str | None = None
                     ) -> Metadata:
    """Document properties: no patient name (file managers and search indexes show these).

    ``fingerprint``: the consult's :func:`record_fingerprint` when the caller has it already.
    """
    keywords = ["consult summary", clean(pack.id), clean(pack.version)]
    if consult.status is not ConsultStatus.DRAFT:
        # covered by the PDF signature: an imported JSON is checked against it
        keywords.append(RECORD_KEYWORD + (fingerprint or record_fingerprint(consult)))
    return Metadata(
        title=f"{SUMMARY_TITLE} {clean(consult.id)}",
        author=clean(consult.clinician.name),
        subject=f"{clean(pack.title)} (pack {clean(pack.id)} {clean(pack.version)})",
        keywords=tuple(keywords),
    )



__all__ = ["RECORD_KEYWORD", "SUMMARY_TITLE", "Paper", "render_summary", "summary_metadata"]
