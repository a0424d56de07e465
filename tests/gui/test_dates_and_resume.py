"""Dates typed and picked, a consult resumed where it stopped with nothing selected, and each
step opening at its top: real widgets, driven by key events as a clinician would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, QEvent, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QCalendarWidget, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.domain.steps import STEP_IDS
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.consult_view import ConsultView
from consult_aid.ui.context import AppContext
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.decision import DecisionPage
from consult_aid.ui.theme import apply_theme
from consult_aid.ui.widgets.fields import OptionalDateEdit, parse_date

from .conftest import make_window
from .helpers import WAIT_MS, add_patient_and_start, click

# the calendar is a popup window of its own: the offscreen platform cannot raise it, grab the
# keyboard for it or size-hint it (a real display can)
pytestmark = pytest.mark.qt_log_ignore(
    "does not support (propagateSizeHints|raise|grabbing the keyboard)")

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NEXT_YEAR = date.today().year + 1
JAN_15 = date(NEXT_YEAR, 1, 15)  # after the consult: a follow-up date the rules accept


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def settle() -> None:
    """Let pending layouts and posted events run, as the event loop would between keys."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


def on_decision(qtbot: QtBot, window: MainWindow) -> tuple[ConsultView, DecisionPage]:
    view = add_patient_and_start(qtbot, window, "Dora Dates")
    view.go_to("decision")
    page = view.page("decision")
    assert isinstance(page, DecisionPage)
    return view, page


def reach_follow_up(qtbot: QtBot, page: DecisionPage) -> OptionalDateEdit:
    """Alt+U, the field's own mnemonic, as a person reaches it."""
    qtbot.keyClick(focused() or page, Qt.Key.Key_U, ALT)
    assert focused() is page.follow_up
    return page.follow_up


def stored_follow_up(qtbot: QtBot, window: MainWindow, view: ConsultView) -> date | None:
    view.autosaver.flush()
    qtbot.waitUntil(lambda: not view.autosaver.dirty, timeout=WAIT_MS)
    return ConsultRepository(window.ctx.db).get(view.session.consult.id).decision.follow_up


@pytest.mark.parametrize("text", [f"{NEXT_YEAR}-01-15", f"{NEXT_YEAR}/1/15", f"{NEXT_YEAR}0115",
                                  f"15/01/{NEXT_YEAR}", f"15.01.{NEXT_YEAR}", f"15-1-{NEXT_YEAR}",
                                  f"1501{NEXT_YEAR}"])
def test_the_common_ways_of_writing_a_date_are_read(text: str) -> None:
    assert parse_date(text) == JAN_15


@pytest.mark.parametrize("text", ["", "2026", "2026-01", "2026-13-01", "2026-02-30",
                                  "15/01/26", "1/2/3", "tomorrow", "1899-12-31", "01-15-2026"])
def test_what_is_not_a_whole_date_gives_none(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize("typed", [f"{NEXT_YEAR}-01-15", f"15/01/{NEXT_YEAR}",
                                   f"{NEXT_YEAR}0115"])
def test_a_follow_up_date_typed_from_not_set_is_saved(
        qtbot: QtBot, window: MainWindow, typed: str) -> None:
    view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    assert edit.text() == ""
    assert edit.placeholderText() == "Not set (YYYY-MM-DD)"
    assert edit.value() is None
    qtbot.keyClicks(edit, typed)
    assert edit.value() == JAN_15
    assert view.session.consult.decision.follow_up == JAN_15
    qtbot.keyClick(edit, Qt.Key.Key_Tab)  # leaving the field tidies it to the one form
    assert edit.text() == JAN_15.isoformat()
    assert focused() is not edit
    assert page.errors["decision.follow_up"].text() == ""
    assert stored_follow_up(qtbot, window, view) == JAN_15


def test_backspace_back_to_not_set_clears_the_date(qtbot: QtBot, window: MainWindow) -> None:
    view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    qtbot.keyClicks(edit, JAN_15.isoformat())
    assert stored_follow_up(qtbot, window, view) == JAN_15
    for _ in range(len(JAN_15.isoformat())):
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.text() == "" and edit.value() is None
    assert view.session.consult.decision.follow_up is None
    assert stored_follow_up(qtbot, window, view) is None
    # select all and Delete clears a date as well
    qtbot.keyClicks(edit, f"{NEXT_YEAR}0115")
    qtbot.keyClick(edit, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert edit.value() is None and view.session.consult.decision.follow_up is None


def test_text_that_is_no_date_says_what_to_type(qtbot: QtBot, window: MainWindow) -> None:
    view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    qtbot.keyClicks(edit, f"{NEXT_YEAR}-01")
    assert page.errors["decision.follow_up"].text() == ""  # still typing: no message yet
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "YYYY-MM-DD" in page.errors["decision.follow_up"].text()
    assert view.session.consult.decision.follow_up is None
    qtbot.keyClicks(edit, "-15")
    assert page.errors["decision.follow_up"].text() == ""
    assert view.session.consult.decision.follow_up == JAN_15


def pick_with_calendar(qtbot: QtBot, edit: OptionalDateEdit) -> QCalendarWidget:
    qtbot.keyClick(edit, Qt.Key.Key_Down, ALT)
    calendar = edit.calendar
    assert calendar is not None
    qtbot.waitUntil(calendar.isVisible, timeout=WAIT_MS)
    return calendar


def test_the_calendar_opens_at_today_and_picks_by_keyboard(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    calendar = pick_with_calendar(qtbot, edit)
    today = QDate.currentDate()
    assert calendar.selectedDate() == today
    assert (calendar.yearShown(), calendar.monthShown()) == (today.year(), today.month())
    target = focused() or calendar
    assert target is calendar or calendar.isAncestorOf(target)
    qtbot.keyClick(target, Qt.Key.Key_Right)  # tomorrow
    qtbot.keyClick(focused() or calendar, Qt.Key.Key_Return)
    assert not calendar.isVisible()
    tomorrow = date.today() + timedelta(days=1)
    assert edit.value() == tomorrow and edit.text() == tomorrow.isoformat()
    assert focused() is edit and not edit.hasSelectedText()
    assert stored_follow_up(qtbot, window, view) == tomorrow


def test_the_calendar_opens_at_the_date_set_and_escape_keeps_it(qtbot: QtBot,
                                                                window: MainWindow) -> None:
    _view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    qtbot.keyClicks(edit, f"15/01/{NEXT_YEAR}")
    calendar = pick_with_calendar(qtbot, edit)
    assert calendar.selectedDate() == QDate(NEXT_YEAR, 1, 15)
    qtbot.keyClick(focused() or calendar, Qt.Key.Key_Escape)
    assert not calendar.isVisible()
    assert edit.value() == JAN_15


def test_up_and_down_move_the_date_by_a_day(qtbot: QtBot, window: MainWindow) -> None:
    _view, page = on_decision(qtbot, window)
    edit = reach_follow_up(qtbot, page)
    qtbot.keyClick(edit, Qt.Key.Key_Up)  # from not set: today
    assert edit.value() == date.today()
    edit.setText(JAN_15.isoformat())
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.value() == date(NEXT_YEAR, 1, 16)
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert edit.value() == date(NEXT_YEAR, 1, 14)


def test_a_signed_or_locked_page_offers_no_calendar(qtbot: QtBot, window: MainWindow) -> None:
    _view, page = on_decision(qtbot, window)
    page.set_read_only(True)
    edit = page.follow_up
    assert edit.isReadOnly() and not edit.calendar_button.isEnabled()
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Down, ALT)
    assert edit.calendar is None or not edit.calendar.isVisible()
    page.set_read_only(False)
    assert edit.calendar_button.isEnabled()


def test_the_date_field_is_readable_with_larger_text(qtbot: QtBot, ctx: AppContext,
                                                     clinic: Clinician) -> None:
    ctx.settings.large_text = True
    window = make_window(qtbot, ctx)
    try:
        window.resize(1280, 720)
        _view, page = on_decision(qtbot, window)
        edit = page.follow_up
        settle()
        metrics = edit.fontMetrics()
        room = edit.width() - metrics.height() * 2  # the calendar icon and the frame
        assert room >= metrics.horizontalAdvance(edit.placeholderText())
        assert edit.height() >= edit.minimumSizeHint().height()
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


# --- resume -----------------------------------------------------------------------------------

def reopen(qtbot: QtBot, ctx: AppContext) -> tuple[MainWindow, ConsultView]:
    window = make_window(qtbot, ctx)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    assert window.start.drafts.count() == 1
    click(qtbot, window.start.resume_button)
    qtbot.waitUntil(lambda: window.consult_view is not None, timeout=WAIT_MS)
    view = window.consult_view
    assert view is not None
    return window, view


def test_a_draft_resumes_where_it_stopped_with_nothing_selected(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    window = make_window(qtbot, ctx)
    view = add_patient_and_start(qtbot, window, "Rosa Resume")
    for _ in range(STEP_IDS.index("options")):
        qtbot.keyClick(focused() or view, Qt.Key.Key_PageDown, CTRL)
    assert view.current_step() == "options"
    window.close()

    second = build_context(ctx.data)
    try:
        again, resumed = reopen(qtbot, second)
        assert resumed.current_step() == "options"
        scroll = resumed.scrolls[STEP_IDS.index("options")]
        settle()
        assert scroll.verticalScrollBar().value() == 0
        now = focused()
        assert now is not None and resumed.page("options").isAncestorOf(now)
        again.close()
    finally:
        close_context(second)


def test_resuming_on_the_first_step_keeps_the_name_unselected(
        qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> None:
    window = make_window(qtbot, ctx)
    view = add_patient_and_start(qtbot, window, "Ada Lovelace")
    assert view.current_step() == "patient"
    window.close()

    second = build_context(ctx.data)
    try:
        again, resumed = reopen(qtbot, second)
        assert resumed.current_step() == "patient"
        name = focused()
        assert isinstance(name, QLineEdit) and name.text() == "Ada Lovelace"
        assert not name.hasSelectedText()
        assert name.cursorPosition() == len(name.text())
        qtbot.keyClicks(name, " King")  # the next keys go on from the end
        assert name.text() == "Ada Lovelace King"
        again.close()
    finally:
        close_context(second)


def test_going_to_a_step_selects_nothing(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, "Selma Select")
    view.go_to("condition")
    view.go_to("patient")
    name = focused()
    assert isinstance(name, QLineEdit) and name.text() == "Selma Select"
    assert not name.hasSelectedText() and name.cursorPosition() == len(name.text())


# --- each step opens at its top ---------------------------------------------------------------

@pytest.fixture
def small_large(qtbot: QtBot, ctx: AppContext, clinic: Clinician) -> MainWindow:
    """1280x720 with larger text: most pages scroll."""
    ctx.settings.large_text = True
    window = make_window(qtbot, ctx)
    window.resize(1280, 720)
    yield window  # type: ignore[misc]
    window.close()
    apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


def top_of(view: ConsultView, step_id: str) -> int:
    settle()
    return view.scrolls[STEP_IDS.index(step_id)].verticalScrollBar().value()


def test_next_step_opens_every_step_at_its_top(qtbot: QtBot, small_large: MainWindow) -> None:
    view = add_patient_and_start(qtbot, small_large, "Tom Top")
    scrolling = []
    for step_id in STEP_IDS[1:]:
        click(qtbot, view.next_button)
        assert view.current_step() == step_id
        assert top_of(view, step_id) == 0, step_id
        if view.scrolls[STEP_IDS.index(step_id)].verticalScrollBar().maximum() > 0:
            scrolling.append(step_id)
    assert "options" in scrolling  # the page that used to open at its bottom does scroll


def test_the_step_list_opens_a_step_at_its_top_after_scrolling_down(
        qtbot: QtBot, small_large: MainWindow) -> None:
    view = add_patient_and_start(qtbot, small_large, "Tess Top")
    view.go_to("options")
    bar = view.scrolls[STEP_IDS.index("options")].verticalScrollBar()
    settle()
    bar.setValue(bar.maximum())
    assert bar.value() > 0
    view.step_list.setFocus()
    row = STEP_IDS.index("options")
    qtbot.keyClick(view.step_list, Qt.Key.Key_Up)
    assert view.current_step() == STEP_IDS[row - 1]
    qtbot.keyClick(view.step_list, Qt.Key.Key_Down)
    assert view.current_step() == "options"
    assert top_of(view, "options") == 0


def visible_in_viewport(view: ConsultView, step_id: str, widget: QWidget) -> bool:
    viewport = view.scrolls[STEP_IDS.index(step_id)].viewport()
    where = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().contains(where)


def test_a_link_to_a_field_scrolls_to_that_field(qtbot: QtBot,
                                                 small_large: MainWindow) -> None:
    view = add_patient_and_start(qtbot, small_large, "Flo Field")
    view.session.go_to("decision.follow_up")  # what a review link asks for
    assert view.current_step() == "decision"
    page = view.page("decision")
    assert isinstance(page, DecisionPage)
    settle()
    assert focused() is page.follow_up
    assert top_of(view, "decision") > 0
    assert visible_in_viewport(view, "decision", page.follow_up)
    view.session.go_to("options")  # a step by its id opens at the top
    assert view.current_step() == "options" and top_of(view, "options") == 0
