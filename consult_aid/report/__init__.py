"""PDFs from domain + content (reportlab): the consult summary and the patient handouts.

Pure and thread-safe: call from a worker thread. Every user string is shown literally
(:func:`consult_aid.report.text.literal`), in embedded DejaVu Sans fonts.

The names below are imported from their modules when first used (PEP 562): importing
``consult_aid.report.layout`` alone does not load reportlab's platypus (issue 16).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consult_aid.report.handout import render_handout
    from consult_aid.report.layout import Paper
    from consult_aid.report.summary import render_summary
    from consult_aid.report.text import literal

_MODULE_OF = {"Paper": "layout", "literal": "text", "render_handout": "handout",
              "render_summary": "summary"}

__all__ = ["Paper", "literal", "render_handout", "render_summary"]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
