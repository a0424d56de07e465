"""One signer: role, the meaning of their signature, printed name, the pad, and when they signed.

Signals: ``changed()`` when the strokes or the printed name change.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from consult_aid.domain import Signature, SignerRole
from consult_aid.ui.widgets.fields import ErrorLabel
from consult_aid.ui.widgets.signature_pad import SignaturePad
from consult_aid.ui.widgets.signing_dialog import SigningDialog


class SignatureBlock(QWidget):
    changed = Signal()

    def __init__(self, role: SignerRole, role_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.signed_at: datetime | None = None
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(role_label, self)
        heading.setObjectName("subHeading")
        grid.addWidget(heading, 0, 0, 1, 3)
        meaning = QLabel(role.meaning, self)
        meaning.setObjectName("meaning")
        meaning.setWordWrap(True)
        meaning.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(meaning, 1, 0, 1, 3)
        caption = QLabel(self.tr("Printed name"), self)
        self.name = QLineEdit(self)
        self.name.setAccessibleName(self.tr("{role}: printed name").format(role=role_label))
        caption.setBuddy(self.name)
        grid.addWidget(caption, 2, 0)
        grid.addWidget(self.name, 2, 1, 1, 2)
        self.pad = SignaturePad(self)
        self.pad.setAccessibleName(self.tr("{role}: signature pad").format(role=role_label))
        self.pad.setAccessibleDescription(self.tr("Sign with a pen, a finger or the mouse."))
        grid.addWidget(self.pad, 3, 0, 1, 3)
        self.when = QLabel(self)
        self.when.setObjectName("hint")
        grid.addWidget(self.when, 4, 0, 1, 2)
        self.clear_button = QPushButton(self.tr("Clear signature"), self)
        self.clear_button.setAccessibleName(self.tr("{role}: clear signature").format(
            role=role_label))
        self.clear_button.clicked.connect(self.pad.clear)
        grid.addWidget(self.clear_button, 4, 2)
        # signing as its own moment: a large pad in a view of its own, turned to the signer
        self.sign_button = QPushButton(self.tr("Sign on a large pad…"), self)
        self.sign_button.setAccessibleName(self.tr("{role}: sign on a large pad").format(
            role=role_label))
        self.sign_button.clicked.connect(lambda _c=False: self.open_signing())
        grid.addWidget(self.sign_button, 5, 0, 1, 3, Qt.AlignmentFlag.AlignLeft)
        self.role_label = role_label
        self.error = ErrorLabel(self)
        grid.addWidget(self.error, 6, 0, 1, 3)
        grid.setColumnStretch(1, 1)
        self.pad.changed.connect(self.changed)
        self.name.textEdited.connect(self.changed)

    def open_signing(self) -> bool:
        """The signer signs in the signing view; Done puts their strokes and name here."""
        dialog = SigningDialog(self.role, self.role_label, self.name.text(), self.pad.strokes(),
                               self)
        if dialog.exec() != SigningDialog.DialogCode.Accepted:
            return False
        if dialog.printed_name():
            self.name.setText(dialog.printed_name())
        self.pad.set_strokes(dialog.strokes())
        self.changed.emit()
        return True

    def load(self, signature: Signature | None, default_name: str) -> None:
        if signature is None:
            if not self.name.text():
                self.name.setText(default_name)
            self.pad.set_strokes(())
            self.signed_at = None
        else:
            if self.name.text() != signature.printed_name:
                self.name.setText(signature.printed_name)
            if self.pad.strokes() != signature.strokes:
                self.pad.set_strokes(signature.strokes)
            self.signed_at = signature.signed_at
        self._show_time()

    def signature(self, now: datetime, previous: Signature | None) -> Signature | None:
        """The signature as drawn now, or None when the pad is empty."""
        strokes = self.pad.strokes()
        if not strokes:
            self.signed_at = None
            self._show_time()
            return None
        if previous is None or previous.strokes != strokes:
            self.signed_at = now
        elif self.signed_at is None:
            self.signed_at = previous.signed_at
        self._show_time()
        return Signature(self.role, self.name.text(), self.signed_at or now, self.role.meaning,
                         strokes)

    def _show_time(self) -> None:
        if self.signed_at is None:
            self.when.setText(self.tr("Not signed yet."))
        else:
            self.when.setText(self.tr("Signed {when}").format(
                when=self.signed_at.strftime("%Y-%m-%d %H:%M %Z").strip()))

    def set_read_only(self, read_only: bool) -> None:
        self.pad.set_read_only(read_only)
        self.name.setReadOnly(read_only)
        self.clear_button.setVisible(not read_only)
        self.sign_button.setVisible(not read_only)
