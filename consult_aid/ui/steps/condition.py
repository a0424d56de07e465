"""Step 2: the condition — diagnosis, pain scores, function, treatments tried, medicines."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from consult_aid.domain import TreatmentTried
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ErrorLabel, Form, NumberEdit, TextArea, group
from consult_aid.ui.widgets.row_list import RowList

SCORES = ("pain_now", "pain_average", "pain_worst", "interference")


class ConditionPage(StepPage):
    step_id = "condition"

    def intro(self) -> str:
        if not self.pack.pain_scores_required:  # spasticity: tone, spasms, goals first
            return self.tr("The condition in the patient's and carer's own terms: the "
                           "measures below, then pain scores if there is pain (0 none to 10 "
                           "worst imaginable).")
        return self.tr("The pain in the patient's own terms. Scores are 0 (none) to 10 "
                       "(worst imaginable).")

    def build(self) -> None:
        form = Form(self)
        self.diagnosis = QComboBox()
        self.diagnosis.setEditable(True)
        self.diagnosis.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.diagnosis.addItem("", "")
        for condition in self.pack.conditions:
            self.diagnosis.addItem(condition.name, condition.id)
        form.add("condition.diagnosis", self.tr("&Diagnosis"), self.diagnosis,
                 self.tr("Choose from the list or type it."))
        self.location = form.add("condition.pain_location", self.tr("Whe&re is the pain?"),
                                 QLineEdit())
        self.duration = form.add("condition.pain_duration_months",
                                 self.tr("&How long (months)"), NumberEdit(unit="months"))
        self.outer.addWidget(group(self.tr("Diagnosis"), form))

        # the pack's own measures (a tone scale, the spasm score, the goals), declared by it
        self.measures: dict[str, QComboBox | TextArea] = {}
        if self.pack.measures:
            measures = Form(self)
            for m in self.pack.measures:
                widget: QComboBox | TextArea
                if m.choices:
                    widget = QComboBox()
                    widget.addItem("", "")
                    for choice in m.choices:
                        widget.addItem(choice, choice)
                else:
                    widget = TextArea(2)
                measures.add(f"condition.measures.{m.id}", m.label, widget, m.hint)
                widget.setAccessibleName(m.label)
                self.measures[m.id] = widget
            self.errors.update(measures.errors)
            self.outer.addWidget(group(self.tr("Tone, spasms and goals"), measures))

        scores = QWidget(self)
        grid = QGridLayout(scores)
        grid.setContentsMargins(0, 0, 0, 0)
        labels = (self.tr("Pain &now"), self.tr("&Average pain"), self.tr("&Worst pain"),
                  self.tr("&Interference with daily life"))
        self.scores: dict[str, NumberEdit] = {}
        for col, (name, label) in enumerate(zip(SCORES, labels, strict=True)):
            edit = NumberEdit(unit="0–10")
            caption = QLabel(label, scores)
            caption.setWordWrap(True)
            caption.setBuddy(edit)
            edit.setAccessibleName(label.replace("&", ""))
            error = ErrorLabel(scores)
            grid.addWidget(caption, 0, col)
            grid.addWidget(edit, 1, col)
            grid.addWidget(error, 2, col)
            grid.setColumnStretch(col, 1)
            self.errors[f"condition.{name}"] = error
            self.scores[name] = edit
        function = Form(self)
        self.function = function.add("condition.function_notes",
                                     self.tr("How pain &limits the patient"), TextArea(3))
        self.outer.addWidget(group(self.tr("Pain scores and function"), scores, function))

        self.treatments = RowList([self.tr("Treatment tried"), self.tr("How it worked")],
                                  self.tr("Add a &treatment"))
        meds = Form(self)
        self.medicines = meds.add("condition.current_medicines",
                                  self.tr("Current pain &medicines"), TextArea(3))
        self.mme = meds.add("condition.opioid_mme_per_day",
                            self.tr("&Opioid dose (oral morphine mg equivalent a day)"),
                            NumberEdit(integer=False, unit="mg MME/day"))
        self.outer.addWidget(group(self.tr("Treatments and medicines"), self.treatments, meds))
        for f in (form, function, meds):
            self.errors.update(f.errors)
        self.watch(self.diagnosis, self.location, self.duration, *self.scores.values(),
                   self.function, self.medicines, self.mme, *self.measures.values())
        self.treatments.changed.connect(self.on_edit)

    def load(self) -> None:
        k = self.consult.condition
        index = self.diagnosis.findData(k.diagnosis_id) if k.diagnosis_id else -1
        if index > 0:
            self.diagnosis.setCurrentIndex(index)
        else:
            self.diagnosis.setCurrentIndex(0)
            self.diagnosis.setEditText(k.diagnosis)
        self.location.setText(k.pain_location)
        self.duration.set_value(k.pain_duration_months)
        for name, edit in self.scores.items():
            edit.set_value(getattr(k, name))
        self.function.set_text(k.function_notes)
        self.treatments.set_values([(t.treatment, t.outcome) for t in k.treatments_tried])
        self.medicines.set_text(k.current_medicines)
        self.mme.set_value(k.opioid_mme_per_day)
        for measure_id, widget in self.measures.items():
            value = k.measures.get(measure_id, "")
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0))
            else:
                widget.set_text(value)

    def save(self) -> None:
        k = self.consult.condition
        text = self.diagnosis.currentText()
        index = self.diagnosis.findText(text)
        k.diagnosis = text
        k.diagnosis_id = str(self.diagnosis.itemData(index)) if index > 0 else ""
        k.pain_location = self.location.text()
        k.pain_duration_months = _int(self.number("condition.pain_duration_months",
                                                  self.duration))
        for name, edit in self.scores.items():
            setattr(k, name, _int(self.number(f"condition.{name}", edit)))
        k.function_notes = self.function.text()
        k.treatments_tried = [TreatmentTried(t, o) for t, o in self.treatments.values()]
        k.current_medicines = self.medicines.text()
        mme = self.number("condition.opioid_mme_per_day", self.mme)
        k.opioid_mme_per_day = None if mme is None else float(mme)
        for measure_id, widget in self.measures.items():
            value = (str(widget.currentData() or "") if isinstance(widget, QComboBox)
                     else widget.text().strip())
            if value:
                k.measures[measure_id] = value
            else:
                k.measures.pop(measure_id, None)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.treatments.set_read_only(read_only)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
