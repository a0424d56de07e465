"""The audit trail, for administrators: who did what, when — filtered by account, consult,
action and days, newest first, and exported as CSV.

Reading the trail is itself recorded, so every read runs on the database writer thread.
Keyboard: Alt+A account, Alt+C consult, Alt+T action, Alt+F/Alt+U the days, Enter (in any
filter) or Alt+S shows the entries, Alt+X exports them, Alt+B or Escape goes back.

Signals: ``back_requested()``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain.accounts import Account
from consult_aid.errors import KnownError
from consult_aid.files import write_new_file
from consult_aid.services.audit_trail import (
    AuditEntry,
    AuditFilter,
    actions_in_trail,
    export_trail,
    local_time,
    read_trail,
)
from consult_aid.services.store import Store
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.widgets.fields import short_choices

SHOWN_ROWS = 2_000
ChooseFile = Callable[[QWidget], Path | None]
_ANY = ""


def choose_csv_file(parent: QWidget) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, parent.tr("Export the audit trail as"),
                                            str(Path.home() / "audit-trail.csv"),
                                            parent.tr("CSV files (*.csv)"))
    return Path(chosen) if chosen else None


class TrailModel(QAbstractTableModel):
    HEADERS = ("When", "Account", "Action", "Consult", "Detail")

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[AuditEntry] = []

    def show(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008,N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        e = self.entries[index.row()]
        return (local_time(e.at), e.actor, e.action, e.consult_id or "",
                e.detail)[index.column()]


class AuditView(QWidget):
    back_requested = Signal()

    def __init__(self, ctx: AppContext, *, choose_file: ChooseFile = choose_csv_file,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.choose_file = choose_file
        self.actor: Account | None = None
        title = QLabel(self.tr("Audit trail"), self)
        title.setObjectName("pageTitle")
        self.account = QLineEdit(self)
        self.consult = QLineEdit(self)
        self.action = QComboBox(self)
        self.action.setEditable(True)
        short_choices(self.action, 18)
        self.since = QLineEdit(self)
        self.until = QLineEdit(self)
        for day in (self.since, self.until):
            day.setPlaceholderText("YYYY-MM-DD")
        grid = QGridLayout()
        labelled: tuple[tuple[str, QWidget], ...] = (
                (self.tr("&Account"), self.account), (self.tr("&Consult"), self.consult),
                (self.tr("Ac&tion"), self.action), (self.tr("&From"), self.since),
                (self.tr("&Until"), self.until))
        for column, (text, field) in enumerate(labelled):
            label = QLabel(text, self)
            label.setBuddy(field)
            grid.addWidget(label, 0, column)
            grid.addWidget(field, 1, column)
        self.show_button = QPushButton(self.tr("&Show"), self)
        self.show_button.setObjectName("primary")
        self.show_button.clicked.connect(self.load)
        grid.addWidget(self.show_button, 1, 5)
        for field in (self.account, self.consult, self.since, self.until):
            field.returnPressed.connect(self.load)
        line_edit = self.action.lineEdit()
        if line_edit is not None:
            line_edit.returnPressed.connect(self.load)
        self.model = TrailModel()
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Audit entries"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for section in range(4):
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel(self)
        self.count.setObjectName("hint")
        self.message = QLabel(self)
        self.message.setObjectName("hint")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.export_button = QPushButton(self.tr("E&xport as CSV…"), self)
        self.export_button.clicked.connect(self.export)
        back = QPushButton(self.tr("← &Back"), self)
        back.clicked.connect(self.back_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        bottom = QHBoxLayout()
        bottom.addWidget(back)
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def open_for(self, actor: Account) -> None:
        """Shown to ``actor`` (an administrator; the service refuses anyone else)."""
        self.actor = actor
        self.message.clear()
        self.load()
        self.account.setFocus()

    def current_filter(self) -> AuditFilter | None:
        days: list[date | None] = []
        for field in (self.since, self.until):
            text = field.text().strip()
            try:
                days.append(date.fromisoformat(text) if text else None)
            except ValueError:
                self.message.setText(self.tr("{text} is not a date (YYYY-MM-DD).").format(
                    text=text))
                field.setFocus()
                return None
        return AuditFilter(actor=self.account.text().strip() or None,
                           consult_id=self.consult.text().strip() or None,
                           action=self.action.currentText().strip() or None,
                           since=days[0], until=days[1])

    def load(self) -> None:
        f, actor = self.current_filter(), self.actor
        if f is None or actor is None:
            return
        now = self.ctx.clock()

        def work(db: Store) -> tuple[list[AuditEntry], list[str]]:
            entries = read_trail(db, actor, f, now=now, limit=SHOWN_ROWS)
            return entries, actions_in_trail(db, actor)

        WriteOp(self, work).success(self._shown).failure(self._refused) \
            .run_in_background(self.ctx.writer)

    def _refused(self, error: BaseException) -> None:
        """A refusal (not an administrator) is said on the page; anything else as usual."""
        if isinstance(error, KnownError):
            self.model.show([])
            self.count.clear()
            self.message.setText(str(error))
        else:
            show_error(self, error)

    def _shown(self, result: tuple[list[AuditEntry], list[str]]) -> None:
        entries, actions = result
        self.model.show(entries)
        typed = self.action.currentText()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItems([_ANY, *actions])
        self.action.setCurrentText(typed)
        self.action.blockSignals(False)
        self.count.setText(
            self.tr("The newest {n} entries shown; narrow the filters to see older ones.")
            .format(n=f"{len(entries):,}") if len(entries) >= SHOWN_ROWS
            else self.tr("{n} entries, newest first.").format(n=f"{len(entries):,}"))

    def export(self) -> None:
        f, actor = self.current_filter(), self.actor
        if f is None or actor is None:
            return
        path = self.choose_file(self)
        if path is None:
            return
        now = self.ctx.clock()

        def work(db: Store) -> int:
            text = export_trail(db, actor, f, now=now)
            write_new_file(path, text.encode("utf-8"), mode=0o600)
            return text.count("\r\n") - 1

        def failed(error: BaseException) -> None:
            if isinstance(error, FileExistsError):
                self.message.setText(self.tr("{name} exists already; choose a new name.")
                                     .format(name=path.name))
            else:
                self._refused(error)

        WriteOp(self, work).success(lambda n: self.message.setText(
            self.tr("Saved {n} entries in {path}").format(n=f"{n:,}", path=str(path)))) \
            .failure(failed).run_in_background(self.ctx.writer)
