"""Signing as its own moment: one signer, one large pad, nothing that scrolls while drawing.

The screen can be turned to the patient: the dialog shows who signs (the printed name, which
they can correct), what their signature means, a pad as large as the window allows, and Clear,
Done (Enter) and Cancel (Esc). Mouse, pen and touch draw, as on the review page's pad.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import SignerRole, Stroke
from consult_aid.ui.widgets.signature_pad import SignaturePad

SHARE_OF_WINDOW = 0.9  # the dialog takes most of the window, so the pad is large


class SigningDialog(QDialog):
    """``strokes()`` and ``printed_name()`` once accepted (Done)."""

    def __init__(self, role: SignerRole, role_label: str, name: str,
                 strokes: tuple[Stroke, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Signature: {role}").format(role=role_label))
        self.setModal(True)
        layout = QVBoxLayout(self)
        heading = QLabel(role_label, self)
        heading.setObjectName("title")
        meaning = QLabel(role.meaning, self)
        meaning.setObjectName("meaning")
        meaning.setWordWrap(True)
        meaning.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        caption = QLabel(self.tr("Printed &name"), self)
        self.name = QLineEdit(name, self)
        self.name.setAccessibleName(self.tr("{role}: printed name").format(role=role_label))
        caption.setBuddy(self.name)
        row.addWidget(caption)
        row.addWidget(self.name, 1)
        self.pad = SignaturePad(self)
        self.pad.set_strokes(strokes)
        self.pad.setAccessibleName(self.tr("{role}: signature pad").format(role=role_label))
        self.pad.setAccessibleDescription(self.tr("Sign with a pen, a finger or the mouse."))
        hint = QLabel(self.tr("Sign inside the box with a pen, a finger or the mouse."), self)
        hint.setObjectName("hint")
        buttons = QDialogButtonBox(self)
        self.clear_button = QPushButton(self.tr("&Clear"), self)
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.pad.clear)
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.done_button = buttons.addButton(self.tr("&Done"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setDefault(True)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for widget in (heading, meaning):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.pad, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        if parent is not None and parent.window() is not None:
            size = parent.window().size()
            self.resize(int(size.width() * SHARE_OF_WINDOW),
                        int(size.height() * SHARE_OF_WINDOW))
        self.pad.setFocus()

    def strokes(self) -> tuple[Stroke, ...]:
        return self.pad.strokes()

    def printed_name(self) -> str:
        return self.name.text().strip()
