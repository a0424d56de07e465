"""PDFs from domain + content (reportlab): the consult summary and the patient handouts.

Pure and thread-safe: call from a worker thread. Every user string is shown literally
(:func:`consult_aid.report.text.literal`), in embedded DejaVu Sans fonts.
"""

from __future__ import annotations

from consult_aid.report.handout import render_handout
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary
from consult_aid.report.text import literal

__all__ = ["Paper", "literal", "render_handout", "render_summary"]
