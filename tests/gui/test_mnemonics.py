"""Every Alt shortcut on a screen is unique and does something: on each consult step, with the
menu bar's (File, Go, View) and the consult's own buttons, no two controls share a letter, and
every label with one has a control to move to."""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain.steps import STEP_IDS
from consult_aid.ui.main_window import MainWindow

from .helpers import add_patient_and_start

MNEMONIC = re.compile(r"&([^&\s])")


def rich(label: QLabel) -> bool:
    """A label showing rich text (its "&" are entities, not shortcuts)."""
    return label.textFormat() == Qt.TextFormat.RichText or "<" in label.text()


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Letter -> the texts that claim it, for the visible controls under ``root``."""
    found: dict[str, list[str]] = defaultdict(list)
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        text = ""
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if (labelled and not rich(widget)) or isinstance(widget, QAbstractButton):
            text = widget.text()
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            text = widget.title()
        match = MNEMONIC.search(text)
        if match:
            found[match.group(1).lower()].append(text.replace("&", ""))
    return found


def test_no_two_controls_on_a_step_share_an_alt_letter(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    menus = {m.group(1).lower(): [a.text().replace("&", "")]
             for a in window.menuBar().actions() if (m := MNEMONIC.search(a.text()))}
    clashes: dict[str, dict[str, list[str]]] = {}
    for step in STEP_IDS:
        view.go_to(step)
        page = view.page(step)
        letters = mnemonics(page)
        # the consult's own controls (Close consult, Previous, Next) are on every step
        for letter, texts in mnemonics(view).items():
            for text in texts:
                if text not in letters.get(letter, []):
                    letters[letter].append(text)
        for letter, texts in menus.items():
            letters[letter] = [*letters.get(letter, []), *texts]
        double = {k: v for k, v in letters.items() if len(set(v)) > 1 or len(v) > 1}
        if double:
            clashes[step] = double
    assert clashes == {}


def test_every_label_with_an_alt_letter_moves_to_a_control(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    dead: list[tuple[str, str]] = []
    for step in STEP_IDS:
        view.go_to(step)
        for label in view.page(step).findChildren(QLabel):
            if MNEMONIC.search(label.text()) and label.buddy() is None and not rich(label):
                dead.append((step, label.text()))
    assert dead == []
