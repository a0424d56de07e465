"""What patients find hard: per benefit or risk, how often the teach-back showed it partly or
not yet understood, over signed consults — filters, a bar chart and a table.

The view renders an :class:`~consult_aid.services.insights.InsightsReport` that ``load`` (handed
in) makes for the filters chosen; it never touches the database itself. Counts only: nothing
here names a patient.

Counting a large archive takes seconds: with ``run_in_background`` (the window's task runner)
the counts are made off the GUI thread, a moment after the last filter change, and an answer
for filters changed since is dropped.

Signals of ``InsightsView``: ``back_requested()`` (the Back button, or Escape); ``counted()``
when the counts shown are those of the filters chosen.

Keyboard: Alt+P pack, Alt+L clinician, Alt+M / Alt+T the date range, Tab to the chart (Up and
Down move through its bars; a screen reader hears the current one) and to the table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consult_aid.services.insights import (
    FilterChoices,
    InsightsFilter,
    InsightsReport,
    ItemInsight,
    denominator,
    percent,
)
from consult_aid.ui.widgets.fields import short_choices, short_title

log = logging.getLogger(__name__)
Index = QModelIndex | QPersistentModelIndex
Background = Callable[[Callable[[], Any], Callable[[Any], None],
                       Callable[[BaseException], None]], None]
Titles = dict[tuple[str, str], str]

PARTLY_COLOUR = QColor("#e0a526")  # amber, light: tells apart from not-yet by lightness too
NOT_YET_COLOUR = QColor("#a3231f")  # deep red
TRACK_COLOUR = QColor("#e3e8ee")  # the rest of the discussions: understood
TEXT_COLOUR = QColor("#1f2933")
GRID_COLOUR = QColor("#c3ccd6")
CURRENT_COLOUR = QColor("#dbe7ff")


def item_title(row: ItemInsight, titles: Titles) -> str:
    return titles.get((row.pack_id, row.item_id), row.item_id)


def bar_text(row: ItemInsight) -> str:
    """'2 partly + 1 not yet, of 4 consults (75%)'."""
    parts = []
    if row.partly:
        parts.append(f"{row.partly} partly")
    if row.not_yet:
        parts.append(f"{row.not_yet} not yet")
    head = " + ".join(parts) or "none"
    return (f"{head}, of {row.discussed} consult{'' if row.discussed == 1 else 's'} "
            f"({percent(row.hard, row.discussed)})")


class InsightsModel(QAbstractTableModel):
    COLUMNS = ("Benefit or risk", "Pack", "Discussed", "Partly", "Not yet", "Partly or not yet",
               "Re-explained")
    PACK = 1  # shows the pack's short name ("Pain pump"); its whole title is the tooltip

    def __init__(self, titles: Titles, pack_titles: dict[str, str]) -> None:
        super().__init__()
        self._titles = titles
        self._pack_titles = pack_titles
        self._rows: tuple[ItemInsight, ...] = ()

    def set_rows(self, rows: tuple[ItemInsight, ...]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def _pack_title(self, row: ItemInsight) -> str:
        return self._pack_titles.get(row.pack_id, row.pack_id)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.PACK:
            return self._pack_title(r)  # the column shows its short name
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        return (item_title(r, self._titles), short_title(self._pack_title(r)),
                f"{r.discussed:,} of {r.consults:,}", f"{r.partly:,}", f"{r.not_yet:,}",
                f"{r.hard:,} ({percent(r.hard, r.discussed)})",
                f"{r.re_explained:,}")[index.column()]


class HardBarChart(QWidget):
    """One horizontal bar per item, hardest first: partly and not yet stacked, on a track that
    stands for every consult that discussed it; each bar labelled with its counts.

    Focusable: Up/Down/Home/End move the current bar, whose words are its accessible
    description."""

    current_changed = Signal(int)

    def __init__(self, titles: Titles, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._titles = titles
        self._rows: tuple[ItemInsight, ...] = ()
        self.current = -1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(self.tr("Bar chart: partly or not yet understood, per item"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    # -- data ---------------------------------------------------------------------------------
    def set_rows(self, rows: tuple[ItemInsight, ...]) -> None:
        self._rows = rows
        self.current = 0 if rows else -1
        self._describe()
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def rows(self) -> tuple[ItemInsight, ...]:
        return self._rows

    def bar_texts(self) -> list[str]:
        return [f"{item_title(r, self._titles)}: {bar_text(r)}" for r in self._rows]

    def _describe(self) -> None:
        texts = self.bar_texts()
        self.setAccessibleDescription(texts[self.current] if 0 <= self.current < len(texts)
                                      else self.tr("No bars: nothing to count."))

    # -- geometry -----------------------------------------------------------------------------
    def _row_height(self) -> int:
        return round(QFontMetrics(self.font()).height() * 1.8)

    def _legend_height(self) -> int:
        """The legend's line and, below it, the scale's percentages."""
        return round(QFontMetrics(self.font()).height() * 3.2)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(720, self._legend_height() + max(1, len(self._rows)) * self._row_height()
                     + QFontMetrics(self.font()).height() // 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, self.sizeHint().height())

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.sizeHint().height()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - larger text: taller rows
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()
            self.adjustSize()
        super().changeEvent(event)

    # -- keyboard -----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        moves = {Qt.Key.Key_Down: self.current + 1, Qt.Key.Key_Up: self.current - 1,
                 Qt.Key.Key_Home: 0, Qt.Key.Key_End: len(self._rows) - 1}
        key = Qt.Key(event.key())
        if key in moves and self._rows:
            self.set_current(moves[key])
            return
        super().keyPressEvent(event)

    def row_top(self, row: int) -> int:
        return self._legend_height() + row * self._row_height()

    def set_current(self, row: int) -> None:
        row = max(0, min(row, len(self._rows) - 1))
        if row != self.current:
            self.current = row
            self._describe()
            self.update()
            self.current_changed.emit(row)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.update()
        super().focusOutEvent(event)

    # -- drawing ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = QFontMetrics(self.font())
        pad = fm.height() * 0.6
        width = self.width() - 2 * pad
        longest = max((fm.horizontalAdvance(item_title(r, self._titles)) for r in self._rows),
                      default=0)
        label_w = min(width * 0.34, float(longest) + 2)  # a long title is cut with "…"
        text_w = max((fm.horizontalAdvance(bar_text(r)) for r in self._rows), default=0) + 2
        bar_x = pad + label_w + pad
        bar_w = max(60.0, width - label_w - pad - text_w - pad)
        self._legend(p, fm, pad)
        top = self._legend_height()
        row_h = self._row_height()
        bar_h = fm.height() * 1.05
        # the scale: 0, 25, 50, 75, 100 % of the consults that discussed the item
        p.setPen(QPen(GRID_COLOUR, 1, Qt.PenStyle.DotLine))
        bottom = top + len(self._rows) * row_h
        for tick in (0, 25, 50, 75, 100):
            x = bar_x + bar_w * tick / 100
            p.drawLine(round(x), top, round(x), bottom)
        p.setPen(TEXT_COLOUR)
        for tick in (0, 25, 50, 75, 100):  # above the bars: seen without scrolling
            x = bar_x + bar_w * tick / 100
            p.drawText(QRectF(x - 40, top - fm.height() * 1.1, 80, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, f"{tick}%")
        for i, r in enumerate(self._rows):
            y = top + i * row_h
            if i == self.current and self.hasFocus():
                p.fillRect(QRectF(0, y, self.width(), row_h), CURRENT_COLOUR)
            p.setPen(TEXT_COLOUR)
            title = fm.elidedText(item_title(r, self._titles), Qt.TextElideMode.ElideRight,
                                  round(label_w))
            p.drawText(QRectF(pad, y, label_w, row_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, title)
            by = y + (row_h - bar_h) / 2
            p.fillRect(QRectF(bar_x, by, bar_w, bar_h), TRACK_COLOUR)
            if r.discussed:
                partly_w = bar_w * r.partly / r.discussed
                not_yet_w = bar_w * r.not_yet / r.discussed
                p.fillRect(QRectF(bar_x, by, not_yet_w, bar_h), NOT_YET_COLOUR)
                p.fillRect(QRectF(bar_x + not_yet_w, by, partly_w, bar_h), PARTLY_COLOUR)
            p.setPen(TEXT_COLOUR)
            p.drawText(QRectF(bar_x + bar_w + pad, y, text_w + pad, row_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, bar_text(r))
        if self.hasFocus():
            p.setPen(QPen(QColor("#2563eb"), 2))
            p.drawRect(self.rect().adjusted(1, 1, -1, -1))
        p.end()

    def _legend(self, p: QPainter, fm: QFontMetrics, pad: float) -> None:
        x = pad
        y = fm.height() * 0.5
        box = fm.height() * 0.9
        for colour, text in ((NOT_YET_COLOUR, self.tr("Not yet understood")),
                             (PARTLY_COLOUR, self.tr("Partly understood")),
                             (TRACK_COLOUR, self.tr("Understood — of the consults that "
                                                    "discussed it"))):
            p.fillRect(QRectF(x, y + (fm.height() - box) / 2, box, box), colour)
            p.setPen(QPen(GRID_COLOUR, 1))
            p.drawRect(QRectF(x, y + (fm.height() - box) / 2, box, box))
            p.setPen(TEXT_COLOUR)
            x += box + pad / 2
            p.drawText(QRectF(x, y, fm.horizontalAdvance(text) + 2, fm.height()),
                       Qt.AlignmentFlag.AlignVCenter, text)
            x += fm.horizontalAdvance(text) + 2 * pad


class InsightsView(QWidget):
    back_requested = Signal()
    counted = Signal()
    SHORTEST = 16  # letters the pack list shows at least, whatever its longest title

    def __init__(self, load: Callable[[InsightsFilter], InsightsReport],
                 choices: Callable[[], FilterChoices], pack_titles: dict[str, str],
                 titles: Titles, parent: QWidget | None = None, *,
                 run_in_background: Background | None = None) -> None:
        super().__init__(parent)
        self._load = load
        self._background = run_in_background
        self._asked = self._shown = 0  # which count was asked for last, which is shown
        self._filling = False  # the combos are being (re)filled: no count for each step
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        self._choices = choices
        self._pack_titles = pack_titles
        self._clinicians: dict[str, str] = {}
        self.report: InsightsReport | None = None
        title = QLabel(self.tr("What patients find hard"), self)
        title.setObjectName("pageTitle")
        intro = QLabel(self.tr(
            "Per benefit and risk, how often the teach-back showed it partly or not yet "
            "understood, as recorded at signing (explained again until understood: counted "
            "under re-explained). Counts only — no patients are named."), self)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        self.pack = QComboBox(self)
        self.pack.setAccessibleName(self.tr("Pack"))
        short_choices(self.pack, self.SHORTEST)  # the baclofen title made the view 1,378 px wide
        pack_label = QLabel(self.tr("&Pack"), self)
        pack_label.setBuddy(self.pack)
        self.clinician = QComboBox(self)
        self.clinician.setAccessibleName(self.tr("Clinician"))
        clinician_label = QLabel(self.tr("C&linician"), self)
        clinician_label.setBuddy(self.clinician)
        self.use_since = QCheckBox(self.tr("Fro&m"), self)
        self.since = QDateEdit(self)
        self.use_until = QCheckBox(self.tr("&To"), self)
        self.until = QDateEdit(self)
        for check, edit, name in ((self.use_since, self.since, self.tr("From")),
                                  (self.use_until, self.until, self.tr("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self._changed)
            edit.dateChanged.connect(self._changed)
        self.pack.currentIndexChanged.connect(self._changed)
        self.clinician.currentIndexChanged.connect(self._changed)
        filters = QGridLayout()
        filters.addWidget(pack_label, 0, 0)
        filters.addWidget(self.pack, 0, 1)
        filters.addWidget(clinician_label, 0, 2)
        filters.addWidget(self.clinician, 0, 3)
        filters.addWidget(self.use_since, 0, 4)
        filters.addWidget(self.since, 0, 5)
        filters.addWidget(self.use_until, 0, 6)
        filters.addWidget(self.until, 0, 7)
        filters.setColumnStretch(1, 3)
        filters.setColumnStretch(3, 2)
        self.summary = QLabel(self)
        self.summary.setObjectName("subHeading")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = HardBarChart(titles, self)
        self.chart_area = QScrollArea(self)
        self.chart_area.setWidget(self.chart)
        self.chart_area.setWidgetResizable(True)
        self.chart_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.model = InsightsModel(titles, pack_titles)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Counts per benefit or risk"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.chart.current_changed.connect(self.table.selectRow)
        self.chart.current_changed.connect(  # the current bar scrolled into sight
            lambda row: self.chart_area.ensureVisible(
                0, self.chart.row_top(row) + self.chart.fontMetrics().height(), 0,
                self.chart.fontMetrics().height() * 2))
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.chart_area)
        split.addWidget(self.table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([700, 300])  # the chart first and larger; the table holds the same
        back = QPushButton(self.tr("← &Back to the start"), self)
        back.clicked.connect(self.back_requested)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.back_requested)
        # the theme greys out a disabled line edit and combo, not a date field: a date range
        # that is off must not look as if it counts
        self.setStyleSheet("QDateEdit:disabled { background: #eef0f2; color: #9aa5b1; }")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.setTabOrder(self.pack, self.clinician)
        self.setTabOrder(self.clinician, self.use_since)
        self.setTabOrder(self.use_since, self.since)
        self.setTabOrder(self.since, self.use_until)
        self.setTabOrder(self.use_until, self.until)
        self.setTabOrder(self.until, self.chart)
        self.setTabOrder(self.chart, self.table)
        self.setTabOrder(self.table, back)

    # -- filters ------------------------------------------------------------------------------
    def enter(self) -> None:
        """Offer the packs and clinicians of the signed consults as they are now, keep what
        was chosen where it is still offered, and count."""
        choices = self._choices()
        self._clinicians = dict(choices.clinicians)
        self._filling = True
        try:
            _fill(self.pack, self.tr("All packs"),
                  [(pid, self._pack_titles.get(pid, pid)) for pid in choices.pack_ids])
            _fill(self.clinician, self.tr("All clinicians"), list(choices.clinicians))
            today = QDate.currentDate()
            if not self.use_since.isChecked():
                self.since.setDate(today.addYears(-1))
            if not self.use_until.isChecked():
                self.until.setDate(today)
        finally:
            self._filling = False
        self.refresh()

    def current_filter(self) -> InsightsFilter:
        return InsightsFilter(
            self.pack.currentData() or None, self.clinician.currentData() or None,
            _day(self.since.date()) if self.use_since.isChecked() else None,
            _day(self.until.date()) if self.use_until.isChecked() else None)

    @property
    def counting(self) -> bool:
        return self._timer.isActive() or self._shown != self._asked

    def _changed(self) -> None:
        if not self._filling:
            self._timer.start()  # typing a date: one count after the last key

    def refresh(self) -> None:
        """Count for the filters chosen (in the background when the window gave a runner)."""
        if self._filling:
            return
        self._timer.stop()
        self._asked += 1
        asked, f = self._asked, self.current_filter()
        if self._background is None:
            self._show(asked, f, self._load(f))
            return
        self.summary.setText(self.tr("Counting…"))
        self._background(lambda: self._load(f), lambda report: self._show(asked, f, report),
                         lambda error: self._failed(asked, error))

    def _failed(self, asked: int, error: BaseException) -> None:
        if asked != self._asked:
            return
        self._shown = asked
        log.warning("insights not counted: %s", error, exc_info=error)
        self.summary.setText(self.tr("The counts could not be made: {error}").format(
            error=getattr(error, "strerror", None) or error))
        self.counted.emit()

    def _show(self, asked: int, f: InsightsFilter, report: InsightsReport) -> None:
        if asked != self._asked:
            return  # the filters changed meanwhile: a newer count is on its way
        self._shown = asked
        self.report = report
        if report.empty:
            self.summary.setText(self.tr("No signed consults match these filters: nothing to "
                                         "count yet (drafts are not counted)."))
        else:
            words = denominator(report, self._pack_titles,
                                self._clinicians.get(f.clinician_id or "", ""))
            self.summary.setText(self.tr("Counts {words}. Hardest first.").format(words=words))
        self.chart.set_rows(report.items)
        self.model.set_rows(report.items)
        self.table.setColumnHidden(1, bool(f.pack_id) or len(report.consults_by_pack) <= 1)
        self.counted.emit()


def _day(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


def _fill(combo: QComboBox, everything: str, entries: list[tuple[str, str]]) -> None:
    """(Re)fill a filter combo: "everything" first, then the entries; keeps the choice."""
    chosen = combo.currentData()
    combo.clear()
    combo.addItem(everything, "")
    for key, text in entries:
        combo.addItem(text, key)
    at = combo.findData(chosen) if chosen else 0
    combo.setCurrentIndex(max(at, 0))

