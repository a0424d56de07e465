"""The archive pages lazily through SQL (never all rows), filters by date range, procedure,
status, decision and clinician, sorts by a header click or by "Sort by", all from the keyboard
with Alt letters that do not clash."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician, Consult, DecisionChoice, PackRef, Patient
from consult_aid.services import consults as consult_service
from consult_aid.services.signing import sign_and_archive
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.archive import ArchiveView
from consult_aid.ui.context import AppContext, local_now
from consult_aid.ui.main_window import MainWindow
from tests.builders import fill_for_signing

from .conftest import PASSWORD, own_identity
from .helpers import WAIT_MS, click, type_into
from .test_start_screen import clashes, screen_mnemonics

OTHER = Clinician(name="Dr Ben Adler", id="clin-adler")


def stored_draft(ctx: AppContext, name: str, *, days_ago: int = 0,
                 pack_id: str = "intrathecal-pump", choice: DecisionChoice | None = None,
                 clinician: Clinician | None = None, mrn: str = "") -> Consult:
    """A draft stored directly (as autosave would), ``days_ago`` days before now."""
    pack = ctx.catalog.get(pack_id)
    when = local_now() - timedelta(days=days_ago)
    consult = Consult(id=f"{abs(hash((name, days_ago))):032x}"[-32:],
                      patient=Patient(name=name, date_of_birth=date(1960, 5, 4), mrn=mrn),
                      clinician=clinician or Clinician(name="Dr Test Clinician"),
                      pack=PackRef(pack.id, pack.version, pack.content_hash),
                      created_at=when, updated_at=when)
    consult.decision.choice = choice
    ConsultRepository(ctx.db).save_draft(consult)
    return consult


def stored_signed(ctx: AppContext, name: str, *, days_ago: int = 0,
                  choice: DecisionChoice = DecisionChoice.GO_AHEAD_TRIAL,
                  pack_id: str = "intrathecal-pump") -> Consult:
    """A consult signed for real (rendered, PAdES-signed, archived) ``days_ago`` days ago."""
    consult = stored_draft(ctx, name, days_ago=days_ago, pack_id=pack_id)
    pack = ctx.catalog.get(pack_id)
    when = consult.created_at + timedelta(minutes=30)
    fill_for_signing(consult, pack, choice=choice, when=when)
    sign_and_archive(ctx.db, consult, pack, own_identity(ctx), PASSWORD, when)
    return consult_service.get_consult(ctx.db, consult.id)


def open_archive(window: MainWindow) -> ArchiveView:
    window.show_archive()
    assert window.stack.currentWidget() is window.archive
    return window.archive


def column(archive: ArchiveView, col: int = 1) -> list[str]:
    model = archive.model
    return [str(model.data(model.index(r, col))) for r in range(model.rowCount())]


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Pick ``text`` in a combo from the keyboard: focused, Home, then Down until it shows."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text, [combo.itemText(i) for i in range(combo.count())]


def test_a_thousand_consults_are_read_a_page_at_a_time(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = window.ctx
    pack = ctx.catalog.get("intrathecal-pump")
    start = (local_now() - timedelta(days=2000)).replace(microsecond=0)
    repo = ConsultRepository(ctx.db)
    with ctx.db.transaction():
        for i in range(1000):
            when = start + timedelta(days=i * 2)
            repo.save_draft(Consult(
                id=f"{i:032x}", patient=Patient(name=f"Patient {i:04d}",
                                                date_of_birth=date(1950, 1, 1)),
                clinician=Clinician(name="Dr Pages", id="clin-pages"),
                pack=PackRef(pack.id, pack.version, pack.content_hash),
                created_at=when, updated_at=when))
    asked: list[int] = []
    real_page = consult_service.archive_page

    def counting_page(*args: Any, **kwargs: Any) -> list[Any]:
        rows = real_page(*args, **kwargs)
        asked.append(len(rows))
        return rows

    monkeypatch.setattr(consult_service, "archive_page", counting_page)
    archive = open_archive(window)
    qtbot.wait(50)
    assert archive.model.total == 1000
    assert archive.count_label.text() == "1,000 consults"
    assert archive.model.rowCount() <= 200 and sum(asked) <= 200
    assert column(archive)[0] == "Patient 0999"  # newest first
    # scrolling to the end of what is there fetches the next page, and only that
    before = archive.model.rowCount()
    archive.table.scrollToBottom()
    qtbot.waitUntil(lambda: archive.model.rowCount() > before, timeout=WAIT_MS)
    assert archive.model.rowCount() <= before + 100
    assert sum(asked) == archive.model.rowCount()
    # a search reads its own first page; nothing reads the whole archive
    asked.clear()
    type_into(qtbot, archive.search, "patient 051")
    wanted = {f"Patient {n:04d}" for n in range(510, 520)}
    qtbot.waitUntil(lambda: wanted <= set(column(archive)), timeout=WAIT_MS)
    # (a random hex id in a consult's text may start with 051 too)
    assert sum(asked) <= 100 and archive.model.total == archive.model.rowCount() < 20


def test_each_filter_narrows_the_list(qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    stored_draft(ctx, "Anna Bäcker", days_ago=1, choice=DecisionChoice.DECLINE)
    stored_draft(ctx, "Greta Moeller", days_ago=20, pack_id="spinal-cord-stimulator",
                 clinician=OTHER)
    stored_draft(ctx, "Jürgen Müller", days_ago=60, choice=DecisionChoice.NOT_NOW)
    archive = open_archive(window)
    f = archive.filters
    assert sorted(column(archive)) == ["Anna Bäcker", "Greta Moeller", "Jürgen Müller"]
    choose(qtbot, f.procedure, ctx.catalog.get("spinal-cord-stimulator").title)
    assert column(archive) == ["Greta Moeller"]
    choose(qtbot, f.procedure, "All")
    choose(qtbot, f.decision, "Decline")
    assert column(archive) == ["Anna Bäcker"]
    choose(qtbot, f.decision, "None recorded")
    assert column(archive) == ["Greta Moeller"]
    choose(qtbot, f.decision, "All")
    choose(qtbot, f.clinician, "Dr Ben Adler")
    assert column(archive) == ["Greta Moeller"]
    assert column(archive, 8) == ["Dr Ben Adler"]
    choose(qtbot, f.clinician, "All")
    choose(qtbot, f.status, "Signed")
    assert column(archive) == []
    assert archive.empty_label.isVisibleTo(archive)
    assert archive.empty_label.text() == "No consults match these filters."
    choose(qtbot, f.status, "Draft")
    assert len(column(archive)) == 3
    # typed dates: from 30 days ago, then until 10 days ago
    today = local_now().date()
    type_into(qtbot, f.since, (today - timedelta(days=30)).isoformat())
    qtbot.waitUntil(lambda: column(archive) == ["Anna Bäcker", "Greta Moeller"],
                    timeout=WAIT_MS)
    type_into(qtbot, f.until, (today - timedelta(days=10)).isoformat())
    qtbot.waitUntil(lambda: column(archive) == ["Greta Moeller"], timeout=WAIT_MS)
    assert archive.count_label.text() == "1 consult"
    click(qtbot, f.clear_button)
    assert len(column(archive)) == 3 and f.since.text() == "" and f.status.currentIndex() == 0


def test_signed_status_and_search_with_filters(qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    stored_signed(ctx, "Jürgen Müller", days_ago=3, choice=DecisionChoice.DECLINE)
    stored_draft(ctx, "Julia Mueller-Hansen", days_ago=2)
    archive = open_archive(window)
    assert column(archive, 6) == ["Draft", "Signed"]
    assert column(archive, 7) == ["", "Decline"]
    choose(qtbot, archive.filters.status, "Signed")
    assert column(archive) == ["Jürgen Müller"]
    choose(qtbot, archive.filters.status, "All")
    type_into(qtbot, archive.search, "muller")
    qtbot.waitUntil(lambda: len(column(archive)) == 2, timeout=WAIT_MS)
    choose(qtbot, archive.filters.status, "Draft")
    assert column(archive) == ["Julia Mueller-Hansen"]


def test_header_click_and_sort_by_sort_in_sql(qtbot: QtBot, window: MainWindow) -> None:
    ctx = window.ctx
    for i, name in enumerate(("Carla Zed", "Abel Young", "Bea Xu")):
        stored_draft(ctx, name, days_ago=i)
    archive = open_archive(window)
    assert column(archive) == ["Carla Zed", "Abel Young", "Bea Xu"]  # newest first
    header = archive.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=header.rect().topLeft() + _section_centre(header, 1))
    qtbot.waitUntil(lambda: archive.model.sort_key == "patient", timeout=WAIT_MS)
    order = column(archive)
    assert order in (["Abel Young", "Bea Xu", "Carla Zed"], ["Carla Zed", "Bea Xu", "Abel Young"])
    assert archive.sort_combo.currentData() == ("patient", archive.model.descending)
    # the keyboard way: Alt+Y to "Sort by", then the list
    archive.table.setFocus()
    qtbot.keyClick(archive.table, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is archive.sort_combo
    choose(qtbot, archive.sort_combo, "Patient, Z to A")
    assert column(archive) == ["Carla Zed", "Bea Xu", "Abel Young"]
    assert header.sortIndicatorSection() == 1
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    choose(qtbot, archive.sort_combo, "Date, oldest first")
    assert column(archive) == ["Bea Xu", "Abel Young", "Carla Zed"]
    assert header.sortIndicatorSection() == 0


def _section_centre(header: Any, section: int) -> Any:
    from PySide6.QtCore import QPoint

    return QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2,
                  header.height() // 2)


def test_every_archive_control_has_its_own_alt_letter(qtbot: QtBot, window: MainWindow) -> None:
    archive = open_archive(window)
    letters = screen_mnemonics(window, archive)
    assert clashes(letters) == {}
    f = archive.filters
    for key, widget in ((Qt.Key.Key_M, f.since), (Qt.Key.Key_U, f.until),
                        (Qt.Key.Key_P, f.procedure), (Qt.Key.Key_T, f.status),
                        (Qt.Key.Key_D, f.decision), (Qt.Key.Key_C, f.clinician),
                        (Qt.Key.Key_Y, archive.sort_combo), (Qt.Key.Key_S, archive.search)):
        archive.table.setFocus()
        qtbot.keyClick(archive.table, key, Qt.KeyboardModifier.AltModifier)
        assert QApplication.focusWidget() is widget, key
    # Tab walks search -> sort -> filters -> list, never trapped in the table
    archive.search.setFocus()
    chain = []
    widget = QApplication.focusWidget()
    for _ in range(12):
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        chain.append(widget)
    for expected in (archive.sort_combo, f.since, f.status, f.clear_button, archive.table):
        assert expected in chain



@pytest.mark.qt_log_ignore("does not support (raise|grabbing)")  # the open list, offscreen
@pytest.mark.parametrize("large_text", [False, True])
def test_a_long_title_does_not_widen_the_archive(qtbot: QtBot, window: MainWindow,
                                                 large_text: bool) -> None:
    """A procedure's long title in the filter list sets neither the list's nor the archive's
    width (it made the archive 1,800 pixels wide at least): at normal text the archive fits a
    1280-pixel screen; the open list still shows each title whole."""
    from consult_aid.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, large_text)
    try:
        archive = open_archive(window)
        f = archive.filters
        titles = [f.procedure.itemText(i) for i in range(f.procedure.count())]
        longest = max(titles, key=len)
        assert len(longest) > 60, titles  # the catalogue's baclofen title, about 80 letters
        widths = {c.minimumSizeHint().width() for c in (f.procedure, f.status, f.decision)}
        assert len(widths) == 1, widths  # each as narrow as SHORTEST letters, whatever it holds
        if not large_text:
            assert archive.minimumSizeHint().width() <= 1280 - 2 * 12, archive.minimumSizeHint()
        f.procedure.showPopup()
        popup = f.procedure.view()
        room = popup.screen().availableGeometry().width() - 10  # offscreen: 800 pixels
        assert popup.width() >= min(popup.fontMetrics().horizontalAdvance(longest), room)
        assert popup.width() > f.procedure.width()
        f.procedure.hidePopup()
    finally:
        apply_theme(app, large_text=False)


@pytest.mark.parametrize("large_text", [False, True])
def test_the_list_fits_1280_pixels_with_names_readable(
        qtbot: QtBot, ctx: AppContext, window: MainWindow, large_text: bool) -> None:
    """Eight columns (two clinicians) in a 1280-pixel window, larger text too: no sideways
    scroll, every header whole, a short name whole, the procedure by its short name (its whole
    title in the tooltip), and the patient's column the widest of those that share the room."""
    from consult_aid.ui.theme import apply_theme
    from consult_aid.ui.widgets.fields import short_title

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, large_text)
    try:
        stored_draft(ctx, "Helen Marsh", days_ago=2, pack_id="intrathecal-pump")
        stored_draft(ctx, "Jürgen Weiß", days_ago=1, clinician=OTHER, mrn="MRN-00012345")
        window.resize(1280, 720)
        archive = open_archive(window)
        archive.refresh()
        qtbot.waitUntil(lambda: not archive.table.isColumnHidden(archive.CLINICIAN),
                        timeout=WAIT_MS)
        table, model = archive.table, archive.model
        header = table.horizontalHeader()
        shown = [c for c in range(model.columnCount()) if not table.isColumnHidden(c)]
        assert len(shown) == 8
        assert sum(header.sectionSize(c) for c in shown) <= table.viewport().width()
        assert not table.horizontalScrollBar().isVisible()
        for c in shown:  # the header's title, and room for the sort indicator
            title = str(model.headerData(c, Qt.Orientation.Horizontal))
            assert header.fontMetrics().horizontalAdvance(title) < header.sectionSize(c), title
        cell = table.fontMetrics()
        row = column(archive).index("Helen Marsh")
        for c in (0, 1, 2, 3, 4):  # date, patient, born, MRN, "Pain pump" whole
            text = str(model.data(model.index(row, c)))
            assert cell.horizontalAdvance(text) < header.sectionSize(c), (c, text)
        title = ctx.catalog.get("intrathecal-pump").title
        assert model.data(model.index(row, 4)) == short_title(title) == "Pain pump"
        assert model.data(model.index(row, 4), Qt.ItemDataRole.ToolTipRole) == title
        stretched = {c: header.sectionSize(c) for c in archive.STRETCHED if c in shown}
        assert max(stretched, key=lambda c: stretched[c]) == 1  # the patient's name
        # room for a name of 16 letters: a status column as wide as its longest label and a
        # line's height of padding on each fixed column left ~11 at larger text
        assert header.sectionSize(1) >= 16 * cell.averageCharWidth()
    finally:
        apply_theme(app, large_text=False)


def test_a_procedure_s_short_name() -> None:
    from consult_aid.ui.widgets.fields import short_title

    assert short_title("Spinal cord stimulator: trial and implant") == "Spinal cord stimulator"
    assert short_title("Baclofen pump for severe stiffness (intrathecal baclofen): test dose "
                       "and implant") == "Baclofen pump for severe stiffness"
    assert short_title("Pump refill") == "Pump refill"
    assert short_title(": odd") == ": odd"  # nothing before the mark: the title as it is
