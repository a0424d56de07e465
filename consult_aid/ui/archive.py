"""The archive: every consult, searched, filtered and sorted in SQL, fetched a page at a time.

``ArchiveModel`` is a QAbstractTableModel over ``consults.archive_page``: it holds the pages
fetched so far and asks for the next one only when the view scrolls to it (canFetchMore /
fetchMore); a header click sorts in SQL (:meth:`ArchiveModel.sort`).

Signals of ``ArchiveView``: ``open_requested(str)`` with a consult id (open it in the consult
view: a draft to go on, a signed one read-only), ``record_requested(str)`` with a signed
consult's id (show its record: the signed PDF, addenda, reprint, export), ``back_requested()``.

Keyboard: Down (or Enter) in the search box moves into the list with its first row selected;
Enter on a row shows a signed consult's record, or opens a draft; Up on the first row goes
back to the search box. Alt letters reach every filter, "Sort by" and the buttons.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import ConsultStatus, ConsultSummary, DecisionChoice
from consult_aid.services import consults
from consult_aid.services.store import Store
from consult_aid.ui.archive_filters import ArchiveFilters
from consult_aid.ui.widgets.fields import short_title

PAGE = 100
Index = QModelIndex | QPersistentModelIndex


class ArchiveModel(QAbstractTableModel):
    refreshed = Signal()  # after every refresh, whether the rows changed or not
    COLUMNS = ("Date", "Patient", "Born", "MRN", "Procedure", "Diagnosis", "Status", "Decision",
               "Clinician")
    PROCEDURE = 4
    # the SQL sort of each column (None: not sortable)
    SORTS = ("date", "patient", "born", "mrn", "procedure", None, "status", "decision",
             "clinician")

    def __init__(self, db: Store, pack_titles: dict[str, str] | None = None,
                 page: int = PAGE) -> None:
        super().__init__()
        self._db = db
        self._titles = pack_titles or {}
        self._page = page
        self._rows: list[ConsultSummary] = []
        # each row's column texts, made when the row is first shown (None: not yet)
        self._shown: list[tuple[str, ...] | None] = []
        self._text = ""
        self._filters: dict[str, Any] = {}
        self.sort_key = "date"
        self.descending = True
        self.total = 0
        self._more = True
        self.refresh()

    # --- what is shown ------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Search as typed (every word, folded: "mueller" finds "Müller"); the same words
        again (a space typed) ask nothing new."""
        text = text.strip()
        if text != self._text:
            self._text = text
            self.refresh()

    @property
    def filter_text(self) -> str:
        return self._text

    def set_filters(self, **filters: Any) -> None:
        """The filters of ``consults.archive_page`` (since, until, pack_id, status, decision,
        clinician_id); None leaves one open."""
        self._filters = {k: v for k, v in filters.items() if v is not None}
        self.refresh()

    @property
    def filters(self) -> dict[str, Any]:
        return dict(self._filters)

    def set_sort(self, key: str, descending: bool) -> None:
        if key not in consults.ARCHIVE_SORTS:
            raise ValueError(f"unknown archive sort {key!r}")
        if (key, descending) != (self.sort_key, self.descending):
            self.sort_key, self.descending = key, descending
            self.refresh(recount=False)  # the same consults in another order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: sort by that column in SQL (a column without a sort is ignored)."""
        key = self.SORTS[column] if 0 <= column < len(self.SORTS) else None
        if key is not None:
            self.set_sort(key, order == Qt.SortOrder.DescendingOrder)

    def sort_column(self) -> int:
        return self.SORTS.index(self.sort_key)

    def refresh(self, *, recount: bool = True) -> None:
        """From the first page again (after a search, a filter, a sort or a change); the
        total is counted again unless ``recount`` is False (a sort). ``refreshed`` follows.

        When the first page comes back as it is shown (one more letter of a name already
        found), the list is left as it is: not repainted, the selected row kept."""
        rows = self._fetch(0)
        more = len(rows) == self._page
        total = self.total
        if recount or not more:
            total = (consults.archive_count(self._db, text=self._text, **self._filters)
                     if more else len(rows))
        if rows != self._rows or total != self.total:  # (more pages held: not equal)
            self.beginResetModel()
            self._rows = rows
            self._shown = [None] * len(rows)
            self._more = more
            self.total = total
            self.endResetModel()
        self.refreshed.emit()

    def _fetch(self, offset: int) -> list[ConsultSummary]:
        return list(consults.archive_page(
            self._db, text=self._text, sort=self.sort_key, descending=self.descending,
            offset=offset, limit=self._page, **self._filters))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._more:
            return
        more = self._fetch(len(self._rows))
        self._more = len(more) == self._page
        if more:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows += more
            self._shown += [None] * len(more)
            self.endInsertRows()

    # --- Qt model -----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def summary(self, row: int) -> ConsultSummary:
        return self._rows[row]

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    _TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                             Qt.ItemDataRole.ToolTipRole})

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # called for every cell and role on each paint: an index into texts made once per row
        if role not in self._TEXT_ROLES or not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.PROCEDURE:
            pack_id = self._rows[row].pack_id
            return self._titles.get(pack_id, pack_id)
        texts = self._shown[row]
        if texts is None:
            texts = self._shown[row] = self._texts(self._rows[row])
        return texts[index.column()]

    def _texts(self, s: ConsultSummary) -> tuple[str, ...]:
        """The row's column texts, in the order of COLUMNS (the procedure's short name: its
        whole title is the cell's tooltip)."""
        return (f"{s.created_at:%Y-%m-%d %H:%M}", s.patient_name, f"{s.date_of_birth:%Y-%m-%d}",
                s.mrn, short_title(self._titles.get(s.pack_id, s.pack_id)), s.diagnosis,
                self.tr(s.status.label), self.decision_text(s),
                getattr(s, "clinician_name", ""))

    def decision_text(self, s: ConsultSummary) -> str:
        value = getattr(s, "decision", "")
        try:
            return self.tr(DecisionChoice(value).label) if value else ""
        except ValueError:
            return str(value)


def sort_choices() -> list[tuple[str, str, bool]]:
    """(label, sort key, descending) for the "Sort by" list, in the order it offers them."""
    return [
        ("Date, newest first", "date", True), ("Date, oldest first", "date", False),
        ("Patient, A to Z", "patient", False), ("Patient, Z to A", "patient", True),
        ("Date of birth, oldest first", "born", False),
        ("Date of birth, youngest first", "born", True),
        ("MRN, ascending", "mrn", False), ("MRN, descending", "mrn", True),
        ("Procedure, A to Z", "procedure", False), ("Procedure, Z to A", "procedure", True),
        ("Status, drafts first", "status", False), ("Status, amended first", "status", True),
        ("Decision, A to Z", "decision", False), ("Decision, Z to A", "decision", True),
        ("Clinician, A to Z", "clinician", False), ("Clinician, Z to A", "clinician", True),
    ]


class ArchiveView(QWidget):
    open_requested = Signal(str)
    record_requested = Signal(str)
    back_requested = Signal()
    # patient, procedure, status, decision, clinician share the room left, the patient most
    # (a fixed status column as wide as "Signed, with addenda" took the room of a name)
    STRETCHED: ClassVar[dict[int, int]] = {1: 3, 4: 2, 6: 2, 7: 2, 8: 2}
    CLINICIAN = 8
    # the widest text each fixed column can hold (MRN: as long as most clinics' numbers)
    WIDEST: ClassVar[dict[int, str]] = {
        0: "0000-00-00 00:00", 2: "0000-00-00", 3: "MRN-00000000", 5: ""}

    def __init__(self, db: Store, pack_titles: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._titles = pack_titles
        title = QLabel(self.tr("Archive"), self)
        title.setObjectName("pageTitle")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("hint")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Name, MRN, diagnosis or any text"))
        self.search.setAccessibleName(self.tr("Search the archive"))
        self.search.setClearButtonEnabled(True)
        search_label = QLabel(self.tr("&Search the archive"), self)
        search_label.setBuddy(self.search)
        self.filters = ArchiveFilters(self)
        self.sort_combo = QComboBox(self)
        self.sort_combo.setAccessibleName(self.tr("Sort by"))
        for text, key, descending in sort_choices():
            self.sort_combo.addItem(self.tr(text), (key, descending))
        sort_label = QLabel(self.tr("Sort b&y"), self)
        sort_label.setBuddy(self.sort_combo)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("hint")
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)  # echoes what was typed
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        self.model = ArchiveModel(db, pack_titles, page=PAGE)
        self.model.refreshed.connect(self._show_empty)  # the count, "No consults match …"
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Consults"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # dates and MRN fit their contents; patient, procedure, status, decision and clinician
        # share the room left by weight, the patient's name most (elided, whole in the
        # tooltip); the clinician column shows only when the archive has more than one. The
        # diagnosis is searched but not a column: the columns fit 1280 pixels, larger text too,
        # without scrolling sideways. The fixed-format columns are as wide as their widest
        # possible text, measured once (fit_columns): sizing them to their contents read every
        # cell on every search.
        for section in range(self.model.columnCount()):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnHidden(5, True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._header_sorted)
        self.table.activated.connect(lambda index: self._activate(index.row()))
        self.record_button = QPushButton(self.tr("Show the &record"), self)
        self.record_button.setToolTip(self.tr("The signed record: its PDF, addenda, reprint and "
                                              "export"))
        self.record_button.clicked.connect(self._record_selected)
        self.open_button = QPushButton(self.tr("&Open"), self)
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self._open_selected)
        back = QPushButton(self.tr("← &Back to the start"), self)
        back.clicked.connect(self.back_requested)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(lambda: self.model.set_filter(self.search.text()))
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._focus_table)
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)
        self.filters.changed.connect(self._filters_changed)
        self.sort_combo.currentIndexChanged.connect(self._sort_chosen)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.model.refreshed.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addStretch(1)
        heading.addWidget(self.count_label)
        layout.addLayout(heading)
        layout.addWidget(search_label)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 3)
        search_row.addSpacing(16)
        search_row.addWidget(sort_label)
        search_row.addWidget(self.sort_combo, 1)
        layout.addLayout(search_row)
        layout.addWidget(self.filters)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)
        self._load_choices()
        self.fit_columns()
        self._show_empty()
        self._update_buttons()
        self._fresh = True  # just read: the first refresh() (when first shown) reads nothing

    def fit_columns(self) -> None:
        """Each fixed column as wide as its widest text or its header, in the table's font."""
        header = self.table.horizontalHeader()
        cell = self.table.fontMetrics()
        head = header.fontMetrics()
        # a cell's margins: two digits' width; a header's: its sort indicator and a digit
        # (one line's height and two digits for both left the patient's name ~55 px at
        # larger text: the room went to padding the fixed columns)
        cell_pad = 2 * cell.horizontalAdvance("0")
        head_pad = head.height() + head.horizontalAdvance("0")
        for section, widest in self.WIDEST.items():
            title = str(self.model.headerData(section, Qt.Orientation.Horizontal))
            header.resizeSection(section, max(cell.horizontalAdvance(self.tr(widest)) + cell_pad,
                                              head.horizontalAdvance(title) + head_pad))
        self._share_room()

    def _share_room(self) -> None:
        """The width the fixed columns leave, shared by the others by their weights."""
        header = self.table.horizontalHeader()
        shown = {s: w for s, w in self.STRETCHED.items() if not self.table.isColumnHidden(s)}
        fixed = sum(header.sectionSize(s) for s in range(self.model.columnCount())
                    if s not in self.STRETCHED and not self.table.isColumnHidden(s))
        room = max(0, self.table.viewport().width() - fixed)
        total = sum(shown.values()) or 1
        least = 4 * self.table.fontMetrics().horizontalAdvance("0")
        for section, weight in shown.items():
            header.resizeSection(section, max(least, room * weight // total))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # larger text: wider columns
            self.fit_columns()

    def refresh(self) -> None:
        """Read the archive again (it may have changed since it was last shown); right after
        the view was built, it is current already."""
        if self._fresh:
            self._fresh = False
            return
        self._load_choices()
        self.model.refresh()

    def _load_choices(self) -> None:
        packs, clinicians = consults.archive_choices(self._db)
        ids = list(dict.fromkeys([*self._titles, *packs]))
        self.filters.set_choices([(p, self._titles.get(p, p)) for p in ids], clinicians)
        single = len(clinicians) <= 1
        if self.table.isColumnHidden(self.CLINICIAN) != single:
            self.table.setColumnHidden(self.CLINICIAN, single)
            self._share_room()

    # --- filters and sorting ------------------------------------------------------------------
    def _filters_changed(self) -> None:
        self.model.set_filters(**self.filters.values())

    def _sort_chosen(self, index: int) -> None:
        key, descending = self.sort_combo.itemData(index)
        self.model.set_sort(key, descending)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.DescendingOrder
                                if descending else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.viewport().update()

    def _header_sorted(self, column: int, order: Qt.SortOrder) -> None:
        key = ArchiveModel.SORTS[column]
        descending = order == Qt.SortOrder.DescendingOrder
        if key is None:  # not sortable: the indicator stays where the sort is
            key, descending = self.model.sort_key, self.model.descending
        index = self._sort_index(key, descending)
        if index >= 0 and index != self.sort_combo.currentIndex():
            self.sort_combo.setCurrentIndex(index)  # sorts, and sets the indicator
        else:
            self._sort_chosen(self.sort_combo.currentIndex())

    def _sort_index(self, key: str, descending: bool) -> int:
        for i in range(self.sort_combo.count()):
            if tuple(self.sort_combo.itemData(i)) == (key, descending):
                return i
        return -1

    # --- keyboard -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if watched is self.search and event.key() == Qt.Key.Key_Down:
                self._focus_table()
                return True
            if watched is self.table and self._table_key(event.key()):
                return True
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._share_room()  # a new window size, or the scroll bar came or went
        return super().eventFilter(watched, event)

    def _table_key(self, key: int) -> bool:
        """Enter opens the current row; Up on the first row goes back to the search box."""
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            row = self._selected_row()
            if row is not None:
                self._activate(row)
            return True
        if key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
            self.search.setFocus()
            return True
        return False

    def _show_empty(self) -> None:
        total = self.model.total
        # a search is counted up to the limit and one (which also says "more than" truly
        # when an exact count happens to be that)
        if total == consults.SEARCH_COUNT_LIMIT + 1:
            self.count_label.setText(self.tr("More than {n} consults").format(
                n=f"{consults.SEARCH_COUNT_LIMIT:,}"))
        else:
            self.count_label.setText(self.tr("1 consult") if total == 1
                                     else self.tr("{n} consults").format(n=f"{total:,}"))
        text = self.model.filter_text
        if self.model.rowCount():
            self.empty_label.hide()
            return
        if text:
            self.empty_label.setText(self.tr("No consults match “{text}”.").format(text=text))
        elif self.model.filters:
            self.empty_label.setText(self.tr("No consults match these filters."))
        else:
            self.empty_label.setText(self.tr("No consults yet."))
        self.empty_label.show()

    def _focus_table(self) -> None:
        self._timer.stop()
        if self.search.text().strip() != self.model.filter_text:
            self.model.set_filter(self.search.text())
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.setFocus()

    def _selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        if self.table.currentIndex().isValid():
            return self.table.currentIndex().row()
        return None

    def _update_buttons(self) -> None:
        row = self._selected_row()
        signed = row is not None and self.model.summary(row).status is not ConsultStatus.DRAFT
        self.record_button.setEnabled(signed)

    def _open_selected(self) -> None:
        row = self._selected_row()
        if row is not None:
            self._open(row)

    def _record_selected(self) -> None:
        row = self._selected_row()
        if row is not None and self.model.summary(row).status is not ConsultStatus.DRAFT:
            self.record_requested.emit(self.model.summary(row).id)

    def _activate(self, row: int) -> None:
        """Enter or a double click: a signed consult's record, a draft to go on with."""
        if self.model.summary(row).status is ConsultStatus.DRAFT:
            self._open(row)
        else:
            self.record_requested.emit(self.model.summary(row).id)

    def _open(self, row: int) -> None:
        self.open_requested.emit(self.model.summary(row).id)
