"""The archive: a searchable list of every consult, newest first, fetched a page at a time.

``ArchiveModel`` is a QAbstractTableModel over ``ConsultRepository.summaries``/``search``.
Signals of ``ArchiveView``: ``open_requested(str)`` with a consult id, ``back_requested()``.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import ConsultSummary
from consult_aid.services import consults
from consult_aid.services.store import Store

PAGE = 100
Index = QModelIndex | QPersistentModelIndex


class ArchiveModel(QAbstractTableModel):
    COLUMNS = ("Date", "Patient", "Born", "MRN", "Procedure", "Diagnosis", "Status")

    def __init__(self, db: Store, pack_titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self._db = db
        self._titles = pack_titles or {}
        self._rows: list[ConsultSummary] = []
        self._text = ""
        self._more = True
        self.refresh()

    def set_filter(self, text: str) -> None:
        self._text = text.strip()
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        if self._text:
            self._rows = consults.search(self._db, self._text, limit=1000)
            self._more = False
        else:
            self._rows = consults.summaries(self._db, limit=PAGE)
            self._more = len(self._rows) == PAGE
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        more = consults.summaries(self._db, limit=PAGE, offset=len(self._rows))
        self._more = len(more) == PAGE
        if more:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
            self._rows += more
            self.endInsertRows()

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

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.AccessibleTextRole):
            return None
        s = self._rows[index.row()]
        status = self.tr(s.status.label)
        return (f"{s.created_at:%Y-%m-%d %H:%M}", s.patient_name, f"{s.date_of_birth:%Y-%m-%d}",
                s.mrn, self._titles.get(s.pack_id, s.pack_id), s.diagnosis,
                status)[index.column()]


class ArchiveView(QWidget):
    open_requested = Signal(str)
    back_requested = Signal()

    def __init__(self, db: Store, pack_titles: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("Archive"), self)
        title.setObjectName("pageTitle")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name, MRN, diagnosis or any text"))
        self.search.setAccessibleName(self.tr("Search the archive"))
        self.search.setClearButtonEnabled(True)
        self.model = ArchiveModel(db, pack_titles)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Consults"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda index: self._open(index.row()))
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
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        self.model.refresh()

    def _focus_table(self) -> None:
        self._timer.stop()
        self.model.set_filter(self.search.text())
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.setFocus()

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open(rows[0].row())

    def _open(self, row: int) -> None:
        self.open_requested.emit(self.model.summary(row).id)
