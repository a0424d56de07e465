"""A PDF shown in the window (QtPdf), with Print… — for the summary before and after signing
and for the patient handout.

Signals: ``print_requested()`` when the clinician asks to print what is shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.ui.printing import OpenedPdf


class PdfPreview(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName(self.tr("PDF preview"))
        palette = self.view.viewport().palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#e5e7eb"))
        palette.setColor(QPalette.ColorRole.Base, QColor("white"))
        self.view.viewport().setPalette(palette)
        self.view.viewport().setAutoFillBackground(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._pdf: OpenedPdf | None = None
        self.data = b""

    def show_pdf(self, data: bytes) -> None:
        pdf = OpenedPdf(data)
        self.view.setDocument(pdf.document)
        if self._pdf is not None:
            self._pdf.close()
        self._pdf = pdf
        self.data = data

    def page_count(self) -> int:
        return self._pdf.document.pageCount() if self._pdf else 0


class PdfPreviewDialog(QDialog):
    print_requested = Signal()

    def __init__(self, title: str, note: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        if note:
            label = QLabel(note, self)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setObjectName("intro")
            layout.addWidget(label)
        self.preview = PdfPreview(self)
        self.preview.show_pdf(data)
        layout.addWidget(self.preview, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.print_button = QPushButton(self.tr("&Print…"), self)
        self.print_button.clicked.connect(self.print_requested)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.close)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            self.resize(int(screen.width() * 0.6), int(screen.height() * 0.85))
