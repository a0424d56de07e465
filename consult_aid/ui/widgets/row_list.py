"""A list of rows of short texts (treatment + outcome, question + answer) with add and remove.

Signals: ``changed()`` when a row is added, removed or edited by the user.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.ui.widgets.fields import TextArea


class RowList(QWidget):
    changed = Signal()

    def __init__(self, columns: Sequence[str], add_label: str, *, multiline: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._multiline = multiline
        self._rows: list[list[QLineEdit | TextArea]] = []
        self._removers: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        for col, title in enumerate(self._columns):
            header = QLabel(title, self)
            header.setObjectName("columnHeader")
            self._grid.addWidget(header, 0, col)
        for col in range(len(self._columns)):
            self._grid.setColumnStretch(col, 1)
        layout.addLayout(self._grid)
        self.empty_label = QLabel(self.tr("None yet."), self)
        self.empty_label.setObjectName("hint")
        layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(add_label, self)
        self.add_button.setAccessibleName(add_label.replace("&", ""))
        self.add_button.clicked.connect(self._add_clicked)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._sync_headers()

    def values(self) -> list[tuple[str, ...]]:
        return [tuple(w.text() for w in row) for row in self._rows]

    def set_values(self, rows: Sequence[Sequence[str]]) -> None:
        if [list(r) for r in rows] == [list(r) for r in self.values()]:
            return
        while self._rows:
            self._remove(0, emit=False)
        for values in rows:
            self._append(values)

    def editors(self, row: int) -> list[QLineEdit | TextArea]:
        return self._rows[row]

    def _add_clicked(self) -> None:
        editors = self._append([""] * len(self._columns))
        editors[0].setFocus()
        self.changed.emit()

    def _append(self, values: Sequence[str]) -> list[QLineEdit | TextArea]:
        index = len(self._rows)
        grid_row = index + 1
        editors: list[QLineEdit | TextArea] = []
        for col, title in enumerate(self._columns):
            editor: QLineEdit | TextArea
            if self._multiline:
                editor = TextArea(2, self)
                editor.setPlainText(values[col])
                editor.textChanged.connect(self.changed)
            else:
                editor = QLineEdit(values[col], self)
                editor.textEdited.connect(self.changed)
            editor.setAccessibleName(self.tr("{title}, row {n}").format(title=title, n=index + 1))
            self._grid.addWidget(editor, grid_row, col)
            editors.append(editor)
        remove = QPushButton(self.tr("Remove"), self)
        remove.setAccessibleName(self.tr("Remove row {n}").format(n=index + 1))
        remove.clicked.connect(lambda: self._remove_clicked(remove))
        self._grid.addWidget(remove, grid_row, len(self._columns))
        self._rows.append(editors)
        self._removers.append(remove)
        self._sync_headers()
        return editors

    def _remove_clicked(self, button: QPushButton) -> None:
        self._remove(self._removers.index(button), emit=True)

    def _remove(self, index: int, *, emit: bool) -> None:
        values = self.values()
        del values[index]
        for editor in [w for row in self._rows for w in row]:
            editor.deleteLater()
            self._grid.removeWidget(editor)
        for button in self._removers:
            button.deleteLater()
            self._grid.removeWidget(button)
        self._rows.clear()
        self._removers.clear()
        for row in values:
            self._append(row)
        self._sync_headers()
        if emit:
            self.add_button.setFocus()
            self.changed.emit()

    def _sync_headers(self) -> None:
        has_rows = bool(self._rows)
        self.empty_label.setVisible(not has_rows)
        for col in range(len(self._columns)):
            item = self._grid.itemAtPosition(0, col)
            header = item.widget() if item is not None else None
            if header is not None:
                header.setVisible(has_rows)

    def set_read_only(self, read_only: bool) -> None:
        self.add_button.setVisible(not read_only)
        for button in self._removers:
            button.setVisible(not read_only)
