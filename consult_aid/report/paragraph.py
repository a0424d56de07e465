"""reportlab's ``Paragraph``, laid out once per width.

reportlab breaks a paragraph into lines on every ``wrap``, and a table wraps each cell several
times for one page (to size its rows, to split across pages, to draw), the running header once
a page: breaking lines was half of rendering a summary. This ``Paragraph`` keeps the lines of
its last width and hands them back when asked again for that width. The text, style and
fragments of a paragraph never change after it is made (a split makes new paragraphs), so the
lines are the ones reportlab would compute again.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph as _ReportlabParagraph


class Paragraph(_ReportlabParagraph):
    _laid_out: tuple[float, Any, list[float], float] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        laid_out = self._laid_out
        if laid_out is not None and laid_out[0] == availWidth:
            self.width = availWidth
            _, self.blPara, self._wrapWidths, self.height = laid_out
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        if getattr(self, "blPara", None) is not None and width == availWidth:
            self._laid_out = (availWidth, self.blPara, self._wrapWidths, height)
        return width, height


__all__ = ["Paragraph"]
