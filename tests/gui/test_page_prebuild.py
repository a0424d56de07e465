"""The steps not shown yet are built in a pause, the heaviest first, so the first visit of
benefits and risks (56 cards) does not wait for its page; work in the consult (edits, steps,
focus) postpones the building, and it never moves the clinician's step or focus."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.domain.steps import STEP_IDS
from consult_aid.services.consults import save_draft, start_consult
from consult_aid.services.demo import mid_discussion
from consult_aid.ui import consult_view as consult_view_module
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from tests.builders import NOW, sample_patient

from .conftest import make_window
from .helpers import WAIT_MS


def open_consult(qtbot: QtBot, ctx: AppContext, clinic: Clinician,
                 monkeypatch: pytest.MonkeyPatch, pause_ms: int) -> tuple[MainWindow,
                                                                          ConsultView]:
    """A draft opened in a window whose pages wait for a pause of ``pause_ms``."""
    monkeypatch.setattr(consult_view_module, "PREBUILD_PAUSE_MS", pause_ms)
    pack = ctx.catalog.get("intrathecal-pump")
    consult = start_consult(ctx.db, sample_patient(), clinic, pack, NOW)
    save_draft(ctx.db, mid_discussion(consult, pack, NOW), now=NOW)
    window = make_window(qtbot, ctx)
    window.open_consult(consult.id)
    view = window.consult_view
    assert view is not None
    return window, view


def built(view: ConsultView) -> set[str]:
    return {page.step_id for page in view.built_pages()}


def test_pages_not_shown_are_built_in_a_pause_the_heaviest_first(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, view = open_consult(qtbot, ctx, clinic, monkeypatch, 300)
    try:
        # the window takes the focus once shown (a focus change: the pause starts again)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)
        step, focused = view.current_step(), QApplication.focusWidget()
        assert focused is not None and view.page(step).isAncestorOf(focused)
        first = built(view)
        assert first == {step} and "benefits_risks" not in first
        qtbot.waitUntil(lambda: len(built(view)) > len(first), timeout=WAIT_MS)
        # the heaviest page first (and the review page next, should a slow machine let two
        # pauses end before this looks)
        assert "benefits_risks" in built(view)
        assert built(view) - first <= {"benefits_risks", "review"}
        qtbot.waitUntil(lambda: built(view) == set(STEP_IDS), timeout=WAIT_MS)
        assert view.current_step() == step
        assert QApplication.focusWidget() is focused
        assert not view._prebuild.isActive()  # nothing left: no timer ticking on
        view.go_to("benefits_risks")  # shown as built: its cards are there
        assert view.current_step() == "benefits_risks"
    finally:
        window.close()


def test_work_in_the_consult_postpones_the_building(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, view = open_consult(qtbot, ctx, clinic, monkeypatch, 800)
    try:
        view.go_to("condition")
        before = built(view)
        field = next(w for w in view.page("condition").findChildren(QLineEdit)
                     if w.isVisibleTo(view) and w.isEnabled() and not w.isReadOnly())
        field.setFocus()
        for _ in range(12):  # a letter every 0.1 s for 1.2 s: longer than the pause, never one
            qtbot.keyClicks(field, "x")
            qtbot.wait(100)
        assert built(view) == before
        qtbot.waitUntil(lambda: "benefits_risks" in built(view), timeout=WAIT_MS)
    finally:
        window.close()
