"""The archive's filters: a date range (typed dates), procedure, status, decision, clinician,
and Clear. Each control has its own Alt letter; the values go to ``consults.archive_page``.

Signals: ``changed()`` whenever a filter's value changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from consult_aid.domain import ConsultStatus, DecisionChoice
from consult_aid.services.consults import NO_DECISION
from consult_aid.ui.widgets.fields import OptionalDateEdit, short_choices


class ArchiveFilters(QWidget):
    changed = Signal()
    SHORTEST = 10  # letters each list shows at least ("Signed, wi…")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False
        self.since = OptionalDateEdit(self)
        self.since.setAccessibleName(self.tr("Consults from"))
        self.until = OptionalDateEdit(self)
        self.until.setAccessibleName(self.tr("Consults until"))
        for edit in (self.since, self.until):  # empty: no limit; the format shows whole
            edit.setPlaceholderText(self.tr("YYYY-MM-DD"))
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("0000-00-00")
                                 + 3 * edit.fontMetrics().height())
        self.procedure = self._combo(self.tr("Procedure"))
        self.status = self._combo(self.tr("Status"))
        for status in ConsultStatus:
            self.status.addItem(self.tr(status.label), status.value)
        self.decision = self._combo(self.tr("Decision"))
        for choice in DecisionChoice:
            self.decision.addItem(self.tr(choice.label), choice.value)
        self.decision.addItem(self.tr("None recorded"), NO_DECISION)
        self.clinician = self._combo(self.tr("Clinician"))
        self.clear_button = QPushButton(self.tr("C&lear filters"), self)
        self.clear_button.setAccessibleName(self.tr("Clear the filters"))
        self.clear_button.clicked.connect(self.clear)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        fields: list[tuple[str, QWidget]] = [
            (self.tr("Fro&m"), self.since), (self.tr("&Until"), self.until),
            (self.tr("&Procedure"), self.procedure), (self.tr("S&tatus"), self.status),
            (self.tr("&Decision"), self.decision), (self.tr("&Clinician"), self.clinician),
        ]
        for column, (text, widget) in enumerate(fields):
            label = QLabel(text, self)
            label.setBuddy(widget)
            grid.addWidget(label, 0, column)
            grid.addWidget(widget, 1, column)
            grid.setColumnStretch(column, 3 if widget is self.procedure
                                  else 2 if isinstance(widget, QComboBox) else 1)
        grid.addWidget(self.clear_button, 1, len(fields))
        self.since.dateChanged.connect(self._date_changed)
        self.until.dateChanged.connect(self._date_changed)

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        short_choices(combo, self.SHORTEST)  # the longest made the archive 1,800 px wide
        combo.addItem(self.tr("All"), None)
        combo.currentIndexChanged.connect(lambda _i: self._emit())
        return combo

    def _date_changed(self, _date: QDate) -> None:
        self._emit()

    def set_choices(self, packs: list[tuple[str, str]], clinicians: list[tuple[str, str]]) -> None:
        """The procedures ((id, title)) and clinicians ((id, name)) to offer; the current
        choices are kept when still offered."""
        for combo, items in ((self.procedure, packs), (self.clinician, clinicians)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr("All"), None)
            for value, text in items:
                combo.addItem(text, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            if index < 0 and current is not None:
                self._emit()

    def values(self) -> dict[str, Any]:
        """The filters as keyword arguments of ``consults.archive_page``."""
        status = self.status.currentData()
        return {
            "since": self.since.value(), "until": self.until.value(),
            "pack_id": self.procedure.currentData(),
            "status": ConsultStatus(status) if status else None,
            "decision": self.decision.currentData(),
            "clinician_id": self.clinician.currentData(),
        }

    def active(self) -> bool:
        return any(v is not None for v in self.values().values())

    def set_range(self, since: date | None, until: date | None) -> None:
        self.since.set_value(since)
        self.until.set_value(until)

    def clear(self) -> None:
        """Every filter back to All, the dates unset; ``changed`` once."""
        self._quiet = True
        try:
            self.since.set_value(None)
            self.until.set_value(None)
            for combo in (self.procedure, self.status, self.decision, self.clinician):
                combo.setCurrentIndex(0)
        finally:
            self._quiet = False
        self.changed.emit()

    def _emit(self) -> None:
        if not self._quiet:
            self.changed.emit()
