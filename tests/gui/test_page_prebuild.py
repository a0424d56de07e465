"""The steps not shown yet are built in a pause, the heaviest first, so the first visit of
benefits and risks (56 cards) does not wait for its page; work in the consult (edits, steps,
focus) postpones the building, and it never moves the clinician's step or focus. In the pause
after the last page, the first signature's slow work is done off the GUI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from consult_aid.domain import Clinician
from consult_aid.domain.steps import STEP_IDS
from consult_aid.report.paragraph import cache_size, clear_cache
from consult_aid.services import signing as signing_service
from consult_aid.services.consults import save_draft, start_consult
from consult_aid.services.demo import mid_discussion
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui import consult_view as consult_view_module
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from tests.builders import NOW, sample_patient

from .conftest import PASSWORD, make_window
from .helpers import WAIT_MS, click
from .test_signing import SIGN_MS
from .test_window import complete_for_signing


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
        with qtbot.waitSignal(view.settled, timeout=WAIT_MS):
            pass  # the next pause: nothing left to build
        assert not view._prebuild.isActive()  # no timer ticking on
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


def test_in_the_pause_after_the_pages_the_first_signature_is_prepared(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page built, one more pause: the signing and report stacks are imported and the
    summary rendered once off the GUI thread (step and focus unchanged); then Sign, through the
    window, stores the signed record as always."""
    monkeypatch.setattr(signing_service, "_prepared", set())
    clear_cache()
    window, view = open_consult(qtbot, ctx, clinic, monkeypatch, 300)
    flow = window.signing
    assert flow is not None
    try:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT_MS)
        step, focused = view.current_step(), QApplication.focusWidget()
        with qtbot.waitSignal(flow.prepared, timeout=SIGN_MS) as prepared:
            pass
        assert prepared.args == [True]
        assert built(view) == set(STEP_IDS)  # it came after the pages
        assert cache_size() > 100  # the pack's paragraphs, parsed for the signature's render
        assert view.current_step() == step and QApplication.focusWidget() is focused
        flow.prepare()  # once per pack and paper: a second time does nothing
        with qtbot.waitSignal(flow.prepared, timeout=SIGN_MS) as again:
            pass
        assert again.args == [False]

        view.session.consult.participants.interpreter = None  # no third signature to draw
        complete_for_signing(view.session.consult, view.session.pack)
        view.reload()
        view.go_to("review")
        qtbot.waitUntil(lambda: view.review_page.sign_button.isEnabled(), timeout=WAIT_MS)
        flow.ask_password = lambda _parent: PASSWORD
        click(qtbot, view.review_page.sign_button)
        qtbot.waitUntil(lambda: view.session.consult.is_locked and bool(window.documents.dialogs),
                        timeout=SIGN_MS)
        pdf = ConsultRepository(ctx.db).document(view.session.consult.id)
        assert pdf is not None and verify_pdf(pdf).ok
    finally:
        for dialog in list(window.documents.dialogs if window.documents else []):
            dialog.close()
        window.close()


def test_a_consult_closed_while_its_signature_is_prepared_closes_quietly(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The preparation ends after the consult (and its signing flow) is gone: nothing is
    raised in the event loop (pytest-qt fails the test on an exception there)."""
    monkeypatch.setattr(signing_service, "_prepared", set())
    window, view = open_consult(qtbot, ctx, clinic, monkeypatch, 200)
    with qtbot.waitSignal(view.settled, timeout=SIGN_MS):
        pass
    flow = window.signing
    window.close()  # the preparation has just started on the task pool
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(flow)  # the consult's signing flow is gone
    assert ctx.tasks.wait(SIGN_MS)
    ctx.writer.deliver()  # the preparation's result reaches the GUI thread now
