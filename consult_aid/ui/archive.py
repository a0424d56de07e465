"""The archive: a searchable list of every consult, newest first, fetched a page at a time.

``ArchiveModel`` is a QAbstractTableModel over ``ConsultRepository.summaries``/``search``.
Signals of ``ArchiveView``: ``open_requested(str)`` with a consult id, ``back_requested()``.

Keyboard: Down (or Enter) in the search box moves into the list with its first row selected;
Enter on a row opens it; Up on the first row goes back to the search box.
"""

from __future__ import annotations

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

    @property
    def filter_text(self) -> str:
        return self._text

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
        self.search.setPlaceholderText(self.tr("Name, MRN, diagnosis or any text"))
        self.search.setAccessibleName(self.tr("Search the archive"))
        self.search.setClearButtonEnabled(True)
        search_label = QLabel(self.tr("&Search the archive"), self)
        search_label.setBuddy(self.search)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("hint")
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)  # echoes what was typed
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        self.model = ArchiveModel(db, pack_titles)
        self.model.modelReset.connect(self._show_empty)
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
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(search_label)
        layout.addWidget(self.search)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        self.model.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if watched is self.search and event.key() == Qt.Key.Key_Down:
                self._focus_table()
                return True
            if watched is self.table and self._table_key(event.key()):
                return True
        return super().eventFilter(watched, event)

    def _table_key(self, key: int) -> bool:
        """Enter opens the current row; Up on the first row goes back to the search box."""
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open_selected()
            return True
        if key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
            self.search.setFocus()
            return True
        return False

    def _show_empty(self) -> None:
        text = self.model.filter_text
        if self.model.rowCount():
            self.empty_label.hide()
            return
        self.empty_label.setText(self.tr("No consults match “{text}”.").format(text=text)
                                 if text else self.tr("No consults yet."))
        self.empty_label.show()

    def _focus_table(self) -> None:
        self._timer.stop()
        if self.search.text().strip() != self.model.filter_text:
            self.model.set_filter(self.search.text())
        if self.model.rowCount():
            self.table.selectRow(0)
            self.table.setFocus()

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._open(rows[0].row())
        elif self.table.currentIndex().isValid():
            self._open(self.table.currentIndex().row())

    def _open(self, row: int) -> None:
        self.open_requested.emit(self.model.summary(row).id)
