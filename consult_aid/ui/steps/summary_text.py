"""The review step's views of the consult, as HTML (every text escaped).

The decision record comes from :func:`consult_aid.domain.record.decision_record`, the one
source of page 1 of the summary PDF, in the same order and with the same marks (someone's own
words in quotes, a point to look at with ⚑). The one-page overview comes from
:func:`consult_aid.domain.overview.overview`. This module only lays them out and passes the
labels through Qt's translation.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from consult_aid.domain.consult import Consult
from consult_aid.domain.overview import Section, overview
from consult_aid.domain.record import DecisionRecord, RecordLine
from consult_aid.domain.step_rules import PackContent


def tr(text: str) -> str:
    return QCoreApplication.translate("Summary", text)


def _value(value: str | None) -> str:
    if value is None:
        return f"<span style='color:#6b7280'>{escape(tr('not recorded'))}</span>"
    return escape(value).replace("\n", "<br/>")


def _section(section: Section) -> str:
    body = "".join(
        f"<tr><td style='padding:2px 12px 2px 0; color:#374151; vertical-align:top'>"
        f"{escape(tr(label))}</td><td style='padding:2px 0; vertical-align:top'>"
        f"{_value(value)}</td></tr>" for label, value in section.rows)
    return f"<h3 style='margin-bottom:2px'>{escape(tr(section.title))}</h3><table>{body}</table>"


def summary_html(consult: Consult, pack: PackContent) -> str:
    return "".join(_section(s) for s in overview(consult, pack))


FLAG = "⚑"
ATTENTION = "#7c4a03"  # the theme's "open" text colour, on white 7:1
LABEL = "#374151"


def _record_value(line: RecordLine) -> str:
    text = escape(line.value.strip() if line.words else line.value).replace("\n", "<br/>")
    if line.words:
        text = f"“{text}”"
    if line.attention:
        text = f"<span style='color:{ATTENTION}; font-weight:600'>{FLAG} {text}</span>"
    return text


def _record_rows(lines: tuple[RecordLine, ...]) -> str:
    return "".join(
        f"<tr><td width='30%' style='padding:3px 12px 3px 0; color:{LABEL}; "
        f"vertical-align:top'>{escape(tr(line.label))}</td>"
        f"<td style='padding:3px 0; vertical-align:top'>{_record_value(line)}</td></tr>"
        for line in lines)


def decision_record_html(record: DecisionRecord) -> str:
    """The decision record as on page 1 of the summary: who, the decision, teach-back, and
    what is still open."""
    parts = [f"<table width='100%' cellspacing='0'>{_record_rows(record.who)}</table>",
             f"<h3 style='margin-bottom:2px'>{escape(tr('The decision'))}</h3>",
             f"<table width='100%' cellspacing='0'>{_record_rows(record.decision)}</table>",
             f"<p><b>{escape(tr('Teach-back:'))}</b> {escape(record.teach_back.sentence())}</p>"]
    if record.open_points:
        heading = (tr("Left open when the record was signed") if record.signed
                   else tr("Still open"))
        items = "".join(f"<li>{escape(point)}</li>" for point in record.open_points)
        parts.append(f"<h3 style='margin-bottom:2px; color:{ATTENTION}'>{FLAG} "
                     f"{escape(heading)}</h3><ul style='margin-top:0'>{items}</ul>")
    return "".join(parts)
