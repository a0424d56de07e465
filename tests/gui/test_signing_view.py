"""Signing as its own moment: each signer signs on a large pad in a view of its own (printed
name, what the signature means, Clear, Done), opened from the signer's block or from the
review step's "Signature missing" link; Cancel changes nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from consult_aid.domain import SignerRole
from consult_aid.domain.steps import open_items
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.widgets.signing_dialog import SigningDialog

from .conftest import draw
from .helpers import WAIT_MS, add_patient_and_start, click

# the offscreen platform's note about a modal dialog's size hints (no display has one)
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
STROKE = [(0.1, 0.6), (0.3, 0.3), (0.6, 0.7), (0.85, 0.4)]


def in_dialog(action: object) -> None:
    """Run ``action(dialog)`` on the signing view as soon as it is shown (it is modal)."""
    def run() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SigningDialog):
            QTimer.singleShot(20, run)
            return
        action(dialog)  # type: ignore[operator]
    QTimer.singleShot(0, run)


def sign(dialog: SigningDialog, name: str = "") -> None:
    w, h = dialog.pad.width(), dialog.pad.height()
    draw(dialog.pad, [(w * x, h * y) for x, y in STROKE])
    if name:
        dialog.name.setText(name)
    dialog.done_button.click()


def test_a_missing_signature_link_opens_that_signers_large_pad(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, "Signe Padmore")
    view.go_to("review")
    review = view.review_page
    def link() -> QPushButton | None:  # links are shown a moment after they are listed
        shown = [b for b in review.findChildren(QPushButton) if b.objectName() == "openItem"
                 and b.isVisible() and b.text() == "Signature missing: Patient."]
        return shown[0] if len(shown) == 1 else None

    qtbot.waitUntil(lambda: link() is not None, timeout=WAIT_MS)
    links = [link()]
    seen: list[SigningDialog] = []

    def check_and_sign(dialog: SigningDialog) -> None:
        seen.append(dialog)
        # large, for the signer: most of the window, the meaning and the name on it
        assert dialog.pad.width() >= window.width() * 0.6
        assert dialog.name.text() == "Signe Padmore"
        sign(dialog, "Signe A. Padmore")

    in_dialog(check_and_sign)
    click(qtbot, links[0])
    qtbot.waitUntil(lambda: bool(seen), timeout=WAIT_MS)
    block = review.blocks[SignerRole.PATIENT]
    assert block.pad.strokes() and block.name.text() == "Signe A. Padmore"
    qtbot.waitUntil(lambda: any(s.role is SignerRole.PATIENT
                                for s in view.session.consult.signatures), timeout=WAIT_MS)
    fields = {o.field for o in open_items(view.session.consult, view.session.pack)}
    assert "signatures.patient" not in fields
    assert "signatures.clinician" in fields
    signed = next(s for s in view.session.consult.signatures if s.role is SignerRole.PATIENT)
    assert signed.printed_name == "Signe A. Padmore"
    assert signed.meaning == SignerRole.PATIENT.meaning


def test_cancel_keeps_what_was_there(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    view.go_to("review")
    block = view.review_page.blocks[SignerRole.CLINICIAN]
    before = block.pad.strokes()

    def draw_then_cancel(dialog: SigningDialog) -> None:
        w, h = dialog.pad.width(), dialog.pad.height()
        draw(dialog.pad, [(w * x, h * y) for x, y in STROKE])
        dialog.cancel_button.click()

    in_dialog(draw_then_cancel)
    click(qtbot, block.sign_button)
    assert block.pad.strokes() == before
