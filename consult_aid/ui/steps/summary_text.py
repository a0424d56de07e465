"""The review step's one-page view of the consult, as HTML (every text escaped).

The rows come from :func:`consult_aid.domain.overview.overview`; this module only lays them
out and passes the labels through Qt's translation.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from consult_aid.domain.consult import Consult
from consult_aid.domain.overview import Section, overview
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
