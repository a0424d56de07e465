"""Printing a PDF through Qt: each page rendered to an image, painted onto the printer.

QtPdf draws pages on a transparent background, so each page is painted onto white first.
``print_pdf`` may run on a worker thread (painting on a QPrinter is thread-safe); the print
dialog itself runs on the GUI thread. Keep a Python reference to the QPrinter while printing.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from consult_aid.errors import KnownError

PRINT_DPI = 300


class OpenedPdf:
    """A PDF held in memory by QtPdf (the buffer must outlive the document)."""

    def __init__(self, data: bytes) -> None:
        self.buffer = QBuffer()
        self.buffer.setData(QByteArray(data))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            raise KnownError("The PDF could not be read; it may be damaged.")

    def page_image(self, index: int, dpi: float) -> QImage:
        """Page ``index`` at ``dpi``, on white."""
        points = self.document.pagePointSize(index)
        size = QSize(max(1, round(points.width() / 72 * dpi)),
                     max(1, round(points.height() / 72 * dpi)))
        rendered = self.document.render(index, size)
        page = QImage(size, QImage.Format.Format_RGB32)
        page.fill(QColor("white"))
        painter = QPainter(page)
        painter.drawImage(0, 0, rendered)
        painter.end()
        return page

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


def print_pdf(data: bytes, printer: QPrinter, dpi: int = PRINT_DPI) -> int:
    """Print every page of ``data`` on ``printer``; returns the number of pages printed."""
    pdf = OpenedPdf(data)
    try:
        painter = QPainter()
        if not painter.begin(printer):
            raise KnownError("The printer could not be started. Check that it is switched on "
                             "and try again.")
        try:
            count = pdf.document.pageCount()
            for index in range(count):
                if index:
                    printer.newPage()
                image = pdf.page_image(index, min(dpi, printer.resolution()))
                area = QRectF(painter.viewport())
                scaled = QSize(image.width(), image.height()).scaled(
                    area.size().toSize(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRectF(area.left() + (area.width() - scaled.width()) / 2, area.top(),
                                scaled.width(), scaled.height())
                painter.drawImage(target, image)
        finally:
            painter.end()
        return count
    finally:
        pdf.close()


def paper_page_size(paper: str) -> QPageSize:
    return QPageSize(QPageSize.PageSizeId.Letter if paper == "letter" else QPageSize.PageSizeId.A4)
