"""Page 1 of the summary: the decision record, from :func:`consult_aid.domain.record.
decision_record` (the window's review step shows the same lines)."""

from __future__ import annotations

from reportlab.platypus import Table

from consult_aid.content.model import Pack
from consult_aid.domain import Consult, ConsultStatus
from consult_aid.domain.dates import day
from consult_aid.domain.record import DecisionRecord, RecordLine, decision_record
from consult_aid.report.blocks import Story, split_in_row
from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import WARNING_EDGE, field_table_style

TITLE = "Informed-decision consult summary"
FLAG = "⚑"


def decision_page(story: Story, consult: Consult, pack: Pack) -> DecisionRecord:
    s = story.s
    record = decision_record(consult, pack)
    story.add(story.para(TITLE, s.title))
    state = ("Draft — not signed" if consult.status is ConsultStatus.DRAFT
             else consult.status.label)
    story.add(story.para(f"{story.lit(pack.title)} · consult of {day(consult.created_at.date())}"
                         f" · {state}", s.subtitle))
    if consult.status is ConsultStatus.DRAFT:
        story.callout("<b>Draft — not signed.</b> This copy is not the record of the consult: "
                      "it has no signatures. The signed record replaces it.")
        story.gap(6)
    _lines(story, record.who)
    story.subheading("The decision")
    _lines(story, record.decision)
    story.gap(4)
    story.body(f"<b>Teach-back:</b> {story.lit(record.teach_back.sentence())}")
    if record.open_points:
        story.subheading(f"{FLAG} Still open" if not record.signed
                         else f"{FLAG} Left open when the record was signed")
        story.bullets(story.lit(point) for point in record.open_points)
    return record


def _lines(story: Story, lines: tuple[RecordLine, ...]) -> None:
    """Label/value rows, a flag on what needs the reader's attention."""
    s = story.s
    cells = []
    for line in lines:
        if line.words:
            value = story.quoted(line.value)
        else:
            value = "<br/>".join(story.lit(part) for part in line.value.split("\n"))
        if line.attention:
            value = f"<font color='#{WARNING_EDGE.hexval()[2:]}'><b>{FLAG}</b></font> {value}"
        cells.append([Paragraph(story.lit(line.label), s.label), Paragraph(value, s.cell)])
    data = cells
    widths = [story.width * 0.34, story.width * 0.66]
    table = Table(data, colWidths=widths, splitInRow=split_in_row([[line.value] for line in lines]))
    table.setStyle(field_table_style())
    story.add(table)
