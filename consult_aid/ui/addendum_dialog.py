"""Add an addendum to a signed consult: the text, who writes it, then the signing password.

The dialog only collects and checks the input; the signing flow asks for the password and runs
the service on the database writer thread, keeping the dialog open (busy) until it is done.

Signals: ``submitted(str, str)`` with the author and the text, once both are filled in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.ui.widgets.fields import ErrorLabel, Form, TextArea


class AddendumDialog(QDialog):
    submitted = Signal(str, str)

    def __init__(self, author: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("addendumDialog")
        self.setWindowTitle(self.tr("Add an addendum"))
        self.setModal(True)
        intro = QLabel(self.tr(
            "The signed consult does not change. The addendum is added to it, dated and signed "
            "with your signing key, and printed as its own page."), self)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        form = Form(self)
        self.text = form.add("addendum.text", self.tr("&Addendum"), TextArea(6))
        self.text.setAccessibleName(self.tr("Addendum text"))
        self.text.setTabChangesFocus(True)
        self.author = form.add("addendum.author", self.tr("&Written by"), QLineEdit())
        self.author.setText(author)
        self.errors = form.errors
        self.status = ErrorLabel(self)
        self.status.setObjectName("hint")
        self.sign_button = QPushButton(self.tr("&Sign and add…"), self)
        self.sign_button.setObjectName("primary")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)
        layout = QVBoxLayout(self)
        # the size comes from resize() below, not from size constraints (which the offscreen
        # platform of the tests cannot take)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addWidget(intro)
        layout.addWidget(form, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 84, self.sizeHint().height())
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)

    def problems(self) -> dict[str, str]:
        found = {}
        if not self.text.text().strip():
            found["addendum.text"] = self.tr("Write the addendum's text.")
        if not self.author.text().strip():
            found["addendum.author"] = self.tr("Enter who writes the addendum.")
        return found

    def submit(self) -> None:
        problems = self.problems()
        for path, label in self.errors.items():
            label.show_message(problems.get(path, ""))
        if problems:
            (self.text if "addendum.text" in problems else self.author).setFocus()
            return
        self.submitted.emit(self.author.text().strip(), self.text.text().strip())

    def set_busy(self, busy: bool) -> None:
        for w in (self.text, self.author):
            w.setReadOnly(busy)
        self.sign_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.status.show_message(self.tr("Signing the addendum…") if busy else "")

    def reject(self) -> None:
        if self.sign_button.isEnabled():  # never while the addendum is being signed
            super().reject()
