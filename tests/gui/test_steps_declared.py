"""The steps are declared once (consult_aid/domain/steps.py); the window only maps each step id
to its page class. Adding a step in one place and not the other fails here, and at import."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from consult_aid.domain.steps import STEP_IDS, STEPS
from consult_aid.ui import steps as step_pages
from consult_aid.ui.main_window import MainWindow

from .helpers import add_patient_and_start


def test_every_declared_step_has_one_page_and_every_page_a_step() -> None:
    assert list(step_pages.PAGE_CLASSES) == list(STEP_IDS)
    for step_id, cls in step_pages.PAGE_CLASSES.items():
        assert cls.step_id == step_id


def test_a_step_declared_without_a_page_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(step_pages, "STEP_IDS", (*STEP_IDS, "follow_up"))
    with pytest.raises(RuntimeError, match=r"without a page \['follow_up'\]"):
        step_pages.check_pages()


def test_a_page_without_a_declared_step_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(step_pages, "STEP_IDS", STEP_IDS[:-1])
    with pytest.raises(RuntimeError, match=r"without a step \['review'\]"):
        step_pages.check_pages()


def test_the_window_shows_the_declared_steps_in_order_with_their_titles(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)
    rows = [view.step_list.item(i).text().splitlines()[0] for i in range(view.step_list.count())]
    assert rows == [f"{n}. {s.title}" for n, s in enumerate(STEPS, start=1)]
    for s in STEPS:
        assert view.page(s.id).title() == s.title
