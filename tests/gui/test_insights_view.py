"""The "What patients find hard" view: reached from the View menu, filters that recount, a bar
chart that matches the table, keyboard and larger text, Escape back; and its screenshot.

CONSULT_AID_SCREENSHOTS=docs/screenshots makes the last test write docs/screenshots/insights.png
(by default it writes into the test's own folder).
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.domain import PackRef, TeachBack
from consult_aid.services.insights import (
    FilterChoices,
    InsightsFilter,
    InsightsReport,
    ItemInsight,
)
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.context import AppContext
from consult_aid.ui.insights_view import InsightsView
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.theme import apply_theme
from consult_aid.ui.widgets.fields import short_title
from tests.builders import CET, sample_consult, sample_patient, sign_in_place
from tests.gui.test_mnemonics import MNEMONIC, mnemonics
from tests.pdfcheck import builtin_pack
from tests.unit.test_insights import P1, P2, P3, PATIENT_NAMES, PDF, PUMP, S1, STIM, build_archive


def open_insights(qtbot: QtBot, window: MainWindow):  # type: ignore[no-untyped-def]
    window.insights_action.trigger()
    view = window.insights_view
    qtbot.waitUntil(lambda: window.stack.currentWidget() is view)
    settle(qtbot, view)
    return view


def settle(qtbot: QtBot, view) -> None:  # type: ignore[no-untyped-def]
    """Wait for the count of the filters chosen (made on the window's task runner)."""
    qtbot.waitUntil(lambda: not view.counting, timeout=15_000)


def choose(qtbot: QtBot, combo, data: str) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(data))
    settle(qtbot, combo.parent())


def table(view) -> list[list[str]]:  # type: ignore[no-untyped-def]
    m = view.model
    return [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_reached_from_the_view_menu_and_escape_goes_back(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    build_archive(window.ctx.db)
    view = open_insights(qtbot, window)
    assert "What patients find &hard…" in [a.text() for a in
                                            window.menuBar().actions()[2].menu().actions()]
    assert view.pack.hasFocus()
    assert [r.item_id for r in view.chart.rows()] == [S1, P1, P2, P3]
    assert view.summary.text().startswith("Counts of 6 signed consults with 2 packs")
    assert not view.table.isColumnHidden(1)  # two packs: the pack column is shown
    qtbot.keyClick(view.pack, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.start


def test_changing_a_filter_recounts_the_table_and_the_chart(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    build_archive(window.ctx.db)
    view = open_insights(qtbot, window)
    assert [view.pack.itemData(i) for i in range(view.pack.count())] == ["", PUMP, STIM]
    choose(qtbot, view.pack, PUMP)
    title = builtin_pack(PUMP).item(P1).title
    rows = table(view)
    assert [r[0] for r in rows] == [title, builtin_pack(PUMP).item(P2).title,
                                    builtin_pack(PUMP).item(P3).title]
    assert rows[0][2:] == ["4 of 5", "2", "1", "3 (75%)", "2"]
    assert view.chart.bar_texts()[0] == f"{title}: 2 partly + 1 not yet, of 4 consults (75%)"
    assert view.table.isColumnHidden(1)
    choose(qtbot, view.clinician, "clin-2")
    assert view.summary.text().startswith("Counts of 2 signed consults with pack Pain pump")
    assert "by Dr. Ben Hale" in view.summary.text()
    assert table(view)[0][2:] == ["2 of 2", "1", "0", "1 (50%)", "1"]
    choose(qtbot, view.clinician, "")
    view.since.setDate(QDate(2026, 5, 20))
    view.until.setDate(QDate(2026, 8, 1))
    view.use_since.setChecked(True)
    view.use_until.setChecked(True)
    settle(qtbot, view)
    assert view.report is not None and view.report.consults == 2
    assert [r[2] for r in table(view)] == ["2 of 2", "2 of 2", "1 of 2"]
    choose(qtbot, view.pack, STIM)
    assert view.chart.bar_texts() == [
        f"{builtin_pack(STIM).item(S1).title}: 1 not yet, of 1 consult (100%)"]
    view.until.setDate(QDate(2026, 6, 14))
    settle(qtbot, view)
    assert view.report.empty and view.model.rowCount() == 0 and view.chart.rows() == ()
    assert view.summary.text().startswith("No signed consults match")
    shown = " ".join([view.summary.text(), *view.chart.bar_texts()])
    assert not any(name in shown for name in PATIENT_NAMES)


def test_the_chart_is_reached_and_read_by_keyboard_and_grows_with_larger_text(
        qtbot: QtBot, window: MainWindow) -> None:
    build_archive(window.ctx.db)
    view = open_insights(qtbot, window)
    view.use_until.setFocus()  # the date beside it is off: Tab skips it
    qtbot.keyClick(view.use_until, Qt.Key.Key_Tab)
    assert view.chart.hasFocus()
    assert view.chart.accessibleDescription().endswith("1 not yet, of 1 consult (100%)")
    qtbot.keyClick(view.chart, Qt.Key.Key_Down)
    assert view.chart.current == 1
    assert view.table.selectionModel().selectedRows()[0].row() == 1
    assert "2 partly + 1 not yet, of 4 consults (75%)" in view.chart.accessibleDescription()
    qtbot.keyClick(view.chart, Qt.Key.Key_End)
    assert view.chart.current == 3
    normal = view.chart.sizeHint().height()
    app = QApplication.instance()
    apply_theme(app, large_text=True)  # type: ignore[arg-type]
    try:
        qtbot.waitUntil(lambda: view.chart.sizeHint().height() > normal)
    finally:
        apply_theme(app, large_text=False)  # type: ignore[arg-type]


def _clinic_archive(db) -> None:  # type: ignore[no-untyped-def]
    """Sixty signed pump consults over a year, some items harder than others (fictional)."""
    repo = ConsultRepository(db)
    items = [i.id for i in builtin_pack(PUMP).items()][:9]
    # per item: of every 20 consults, how many partly, how many not yet, how many re-explained
    profile = [(6, 3, 8), (2, 1, 5), (5, 0, 6), (1, 0, 2), (3, 2, 7), (0, 0, 1), (4, 1, 4),
               (1, 1, 3), (0, 0, 0)]
    for n in range(60):
        at = datetime(2026, 1, 5, 10, 0, tzinfo=CET) + timedelta(days=n * 5)
        c = sample_consult(f"{n + 1:032x}", patient=sample_patient(f"Fictional Patient {n}",
                                                                    f"MRN-{n:05d}"))
        c.pack = PackRef(PUMP, "2.0.0", "ab" * 32)
        c.created_at = c.updated_at = at
        c.decision.follow_up = date(2027, 12, 31)
        c.understanding.clear()
        for item_id, (partly, not_yet, again) in zip(items, profile, strict=True):
            k = n % 20
            u = c.understanding_of(item_id)
            u.discussed = n % 7 != 3 or item_id != items[2]
            u.level = (TeachBack.NOT_YET if k < not_yet else
                       TeachBack.PARTLY if k < not_yet + partly else TeachBack.UNDERSTOOD)
            u.re_explained = (k + 7) % 20 < again
        repo.sign(sign_in_place(c, at), PDF)


def test_screenshot_of_the_view(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    _clinic_archive(window.ctx.db)
    view = open_insights(qtbot, window)
    choose(qtbot, view.pack, PUMP)
    out = Path(os.environ.get("CONSULT_AID_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    for _ in range(3):
        QApplication.processEvents()
    assert window.grab().save(str(out / "insights.png"))
    assert view.chart.grab().save(str(out / "insights-chart.png"))
    picture = QImage(str(out / "insights.png"))
    assert (picture.width(), picture.height()) == (1280, 800)
    assert len(view.chart.rows()) == 9 and view.chart.rows()[0].hard_share == 0.45


def _signed_consult_of_the_longest_pack(ctx: AppContext) -> tuple[str, str]:
    """One signed consult (fictional) of the catalogue's pack with the longest title, beside
    the pump and stimulator ones of ``build_archive``; its (pack id, title)."""
    pack = max(ctx.catalog.packs(), key=lambda p: len(p.title))
    c = sample_consult("ba" * 16, patient=sample_patient("Fictional Patient Long", "MRN-99999"))
    c.pack = PackRef(pack.id, pack.version, pack.content_hash)
    at = datetime(2026, 6, 2, 11, 15, tzinfo=CET)
    c.created_at = c.updated_at = at
    c.decision.follow_up = date(2027, 12, 31)
    c.understanding.clear()
    u = c.understanding_of(pack.items()[0].id)
    u.discussed, u.level = True, TeachBack.PARTLY
    ConsultRepository(ctx.db).sign(sign_in_place(c, at), PDF)
    return pack.id, pack.title


@pytest.mark.qt_log_ignore("does not support (propagateSizeHints|raise|grabbing)")
def test_a_long_pack_title_does_not_widen_the_view(qtbot: QtBot, window: MainWindow) -> None:
    """The pack list is as wide as a few letters, not as its longest title (the baclofen
    pack's, about 80 letters: some 670 pixels, the view then wider than a 1280-pixel screen);
    the list still holds, and its open list shows, each title whole."""
    build_archive(window.ctx.db)
    pack_id, title = _signed_consult_of_the_longest_pack(window.ctx)
    assert len(title) > 60, title  # the catalogue's baclofen title
    view = open_insights(qtbot, window)
    combo = view.pack
    assert combo.itemText(combo.findData(pack_id)) == title
    whole = combo.fontMetrics().horizontalAdvance(title)
    for hint in (combo.sizeHint(), combo.minimumSizeHint()):
        assert hint.width() < whole / 2, (hint, whole)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280)
    assert view.minimumSizeHint().width() <= 1280, view.minimumSizeHint()
    # The table's Pack column shows the short name, the whole title in its tooltip, and
    # leaves "Benefit or risk" its room (it was squeezed to "enefit or ris").
    model, table = view.model, view.table
    tip = Qt.ItemDataRole.ToolTipRole
    rows = [r for r in range(model.rowCount())
            if model.data(model.index(r, model.PACK), tip) == title]
    assert rows, "no row's Pack cell has the whole title as its tooltip"
    for r in rows:
        assert model.data(model.index(r, model.PACK)) == short_title(title) != title
    qtbot.waitUntil(lambda: table.columnWidth(model.PACK) > 0)
    header_font = table.horizontalHeader().fontMetrics()
    assert table.columnWidth(0) >= header_font.horizontalAdvance("Benefit or risk")
    assert table.columnWidth(model.PACK) < whole
    choose(qtbot, combo, pack_id)
    assert view.summary.text().startswith("Counts of 1 signed consult")
    combo.showPopup()
    popup = combo.view()
    room = popup.screen().availableGeometry().width() - 10  # offscreen: 800 pixels
    assert popup.width() >= min(popup.fontMetrics().horizontalAdvance(title), room)
    assert popup.width() > combo.width()
    combo.hidePopup()


def test_a_count_for_filters_changed_since_is_dropped(qtbot: QtBot) -> None:
    """Counts come back in any order from the background: only the newest is shown."""
    jobs: list[tuple] = []
    reports = {None: InsightsReport(InsightsFilter(), 0),
               PUMP: InsightsReport(InsightsFilter(PUMP), 5, {PUMP: 5},
                                    (ItemInsight(PUMP, P1, 5, 4, 2, 1, 2),))}
    view = InsightsView(lambda f: reports[f.pack_id],
                        lambda: FilterChoices((PUMP,), (("clin-1", "Dr A"),)),
                        {PUMP: "Pain pump"}, {},
                        run_in_background=lambda fn, done, failed: jobs.append((fn, done)))
    qtbot.addWidget(view)
    view.enter()
    choose_now = view.pack.findData(PUMP)
    view.pack.setCurrentIndex(choose_now)
    view.refresh()
    (first, first_done), (second, second_done) = jobs
    second_done(second())
    first_done(first())  # late: for "all packs", chosen before
    assert view.report is reports[PUMP] and not view.counting
    assert view.summary.text().startswith("Counts of 5 signed consults with pack Pain pump")


def test_no_two_controls_share_an_alt_letter(qtbot: QtBot, window: MainWindow) -> None:
    view = open_insights(qtbot, window)
    letters = mnemonics(view)
    for action in window.menuBar().actions():
        if m := MNEMONIC.search(action.text()):
            letters[m.group(1).lower()].append(action.text())
    assert {k: v for k, v in letters.items() if len(v) > 1} == {}
    assert set(letters) >= {"p", "l", "m", "t", "b"}
