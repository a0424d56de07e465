"""A whole consult by keyboard alone, keys counted.

From the start screen (a new patient, the procedure) through every step to the signed record,
with the demo's content, every key goes to the widget that has the focus, as a person's keys
would. Typed text (names, notes, numbers) is not counted; every other key is: Tab, arrows,
Space, Enter, Alt and Ctrl shortcuts, and the one-key answers. Signatures are drawn with the
pointer (a pen), and the signing password comes from the test's password dialog (typed, then
one Enter, counted). The issue's budget: at most 120 navigation keys (about 290 before).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.datadir import DataFolder
from consult_aid.domain import DecisionChoice, TeachBack
from consult_aid.domain.steps import open_items
from consult_aid.services.consults import signed_summary
from consult_aid.storage.server import ServerAddress
from consult_aid.ui.main_window import MainWindow

from .conftest import draw
from .helpers import WAIT_MS

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
BUDGET = 120


@pytest.fixture(params=["sqlite", "postgresql"])
def data_folder(request: pytest.FixtureRequest, tmp_path: Path) -> DataFolder:
    """The window on this PC's own archive, and on a clinic's PostgreSQL server (issue 18)."""
    folder = DataFolder(tmp_path / "data").ensure()
    if request.param == "sqlite":
        return folder
    return DataFolder(folder.root, ServerAddress.parse(request.getfixturevalue("pg_url")))


class Keyboard:
    def __init__(self, qtbot: QtBot, window: MainWindow) -> None:
        self.qtbot, self.window = qtbot, window
        self.count = 0
        self.by_screen: dict[str, int] = {}
        self.screen = "start"

    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the focus"
        return widget

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE, times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(self.focus(), key, modifier)
            self.count += 1
            self.by_screen[self.screen] = self.by_screen.get(self.screen, 0) + 1

    def alt(self, letter: str) -> None:
        self.press(getattr(Qt.Key, f"Key_{letter.upper()}"), ALT)

    def type(self, text: str) -> None:
        """Typed text: not counted."""
        self.qtbot.keyClicks(self.focus(), text)

    def next_step(self, screen: str) -> None:
        self.press(Qt.Key.Key_PageDown, CTRL)
        self.screen = screen


def test_a_whole_consult_by_keyboard_in_at_most_120_keys(qtbot: QtBot,
                                                          window: MainWindow) -> None:
    keys = Keyboard(qtbot, window)
    start = window.start
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)

    # start screen: a new patient, then the pain pump
    keys.alt("n")
    keys.type("Margaret Ellis")
    keys.alt("b")
    keys.type("1958-06-03")
    keys.alt("x")
    keys.press(Qt.Key.Key_F)  # Female
    keys.alt("m")
    keys.type("DEMO-0001")
    keys.alt("a")
    qtbot.waitUntil(lambda: start.selected_patient() is not None
                    and start.selected_patient().name == "Margaret Ellis", timeout=WAIT_MS)
    keys.alt("p")
    pump = start.pack.findData("intrathecal-pump")
    keys.press(Qt.Key.Key_Down, times=max(pump - start.pack.currentIndex(), 0))
    assert start.pack.currentData() == "intrathecal-pump"
    keys.alt("s")
    qtbot.waitUntil(lambda: window.consult_view is not None, timeout=WAIT_MS)
    view = window.consult_view
    assert view is not None
    consult = view.session.consult
    assert consult.patient.name == "Margaret Ellis"
    assert str(consult.patient.date_of_birth) == "1958-06-03"  # typed, read as typed
    keys.screen = "patient"
    keys.next_step("condition")

    # condition: the diagnosis completes from the list; Tab through the pain and its scores
    keys.type("Pain after")
    keys.press(Qt.Key.Key_Tab)
    keys.type("Lower back and left leg")
    keys.press(Qt.Key.Key_Tab)
    keys.type("74")
    for score in ("6", "7", "9", "8"):
        keys.press(Qt.Key.Key_Tab)
        keys.type(score)
    keys.next_step("history")
    assert consult.condition.diagnosis_id == "psps-2"
    assert consult.condition.pain_worst == 9

    # history: Y or N per question; a yes goes to its details, then its prompt is ticked
    keys.type("High blood pressure")
    keys.press(Qt.Key.Key_Tab)
    keys.press(Qt.Key.Key_Y)  # blood thinners: yes
    keys.type("Apixaban 5 mg twice a day")
    keys.press(Qt.Key.Key_Tab)  # the prompt it raised: "Discussed with the patient"
    keys.press(Qt.Key.Key_Space)
    keys.press(Qt.Key.Key_Tab)
    keys.press(Qt.Key.Key_N, times=10)  # the ten other questions: no
    page = view.page("history")
    assert QApplication.focusWidget() is page.psych
    keys.press(Qt.Key.Key_Down, times=page.psych.findData("done_no_concerns"))
    keys.next_step("lifestyle")
    assert consult.history.anticoagulants.present is True
    assert consult.red_flags_discussed == {"anticoagulants": True}
    assert all(consult.history.finding(n).present is False for n in (
        "infection", "diabetes", "mri_needs"))

    # lifestyle: Tab from field to field
    for n, text in enumerate(("Retired school librarian", "Gardening and short walks",
                              "Walk my granddaughter to school", "Tom, my husband", "35")):
        if n:
            keys.press(Qt.Key.Key_Tab)
        keys.type(text)
    keys.next_step("options")

    # options: the patient leans towards the pump
    keys.press(Qt.Key.Key_Down)
    keys.next_step("benefits_risks")
    assert consult.decision.option_id == "pump"

    # benefits and risks: one key per item, the focus moving on by itself
    keys.press(Qt.Key.Key_Tab)  # from "Show only open items" to the first card
    page = view.page("benefits_risks")
    shown = [c for c in page.cards if c.isVisible()]
    for _card in shown:
        keys.press(Qt.Key.Key_1)
    assert all(c.level.value() is TeachBack.UNDERSTOOD for c in shown)
    keys.next_step("questions")

    # questions: what matters most, then the SURE test by Y
    keys.alt("m")
    keys.type("Being able to look after my grandson on Fridays")
    page = view.page("questions")
    first_sure = page.sure[next(iter(page.sure))].buttons()
    while QApplication.focusWidget() not in first_sure:  # Tab on to the SURE test
        keys.press(Qt.Key.Key_Tab)
        assert keys.by_screen["questions"] < 8, QApplication.focusWidget()
    keys.press(Qt.Key.Key_Y, times=4)
    keys.next_step("decision")
    assert consult.sure.score == 4

    # decision: go ahead with a trial of the pump, morphine, recommendation and reason
    page = view.page("decision")
    keys.alt("d")
    keys.press(Qt.Key.Key_Space)
    keys.alt("w")
    keys.press(Qt.Key.Key_Space)
    keys.alt("m")
    keys.type("Morphine")
    keys.alt("r")
    keys.press(Qt.Key.Key_Down, times=page.recommendation.findData("pump"))
    keys.alt("e")
    keys.type("Leg pain from nerve damage after spine surgery")
    keys.alt("n")
    keys.type("Single-shot intrathecal morphine trial")
    keys.alt("u")
    keys.type("2026-12-18")
    keys.next_step("review")
    assert consult.decision.choice is DecisionChoice.GO_AHEAD_TRIAL

    # review: the signers sign with the pen; Alt+S signs, the password is typed, Enter
    review = view.review_page
    for block in review.blocks.values():
        w, h = block.pad.width(), block.pad.height()
        draw(block.pad, [(w * 0.1, h * 0.6), (w * 0.3, h * 0.3), (w * 0.6, h * 0.7),
                         (w * 0.8, h * 0.4)])
    qtbot.waitUntil(lambda: review.sign_button.isEnabled(), timeout=WAIT_MS)
    assert not [o for o in open_items(consult, view.session.pack) if o.blocks_signing]
    keys.alt("s")
    keys.count += 1  # Enter in the password dialog, which the test's dialog answers
    keys.by_screen["review"] = keys.by_screen.get("review", 0) + 1
    qtbot.waitUntil(lambda: view.session.consult.is_locked, timeout=30_000)

    print(f"\nnavigation keys for a whole consult: {keys.count} {keys.by_screen}")
    assert keys.count <= BUDGET
    # archived where the window keeps its consults: the signed PDF reads back from there
    ctx = window.ctx
    ctx.writer.wait_idle()
    assert ctx.db.backend == ("postgresql" if ctx.data.server else "sqlite")
    assert ("clinic archive on" in window.windowTitle()) == (ctx.data.server is not None)
    pdf = signed_summary(ctx.db, consult.id)
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
