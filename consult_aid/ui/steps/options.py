"""Step 5: the options side by side (questions as rows, options as columns), with what living
with each is like, and the patient's own lifestyle answers in view."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel

from consult_aid.content.figures import KEY_NUMBERS, key_lines
from consult_aid.content.model import Reference
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, group

NO_PREFERENCE = ""


class OptionsPage(StepPage):
    step_id = "options"

    def intro(self) -> str:
        return self.pack.decision

    def build(self) -> None:
        self.patient_view = QLabel(self)
        self.patient_view.setObjectName("patientView")
        self.patient_view.setWordWrap(True)
        self.patient_view.setTextFormat(Qt.TextFormat.PlainText)
        self.outer.addWidget(group(self.tr("What the patient told you"), self.patient_view))

        table = QFrame(self)
        table.setObjectName("optionGrid")
        grid = QGridLayout(table)
        grid.setHorizontalSpacing(0)
        grid.setVerticalSpacing(0)
        options = self.pack.options
        grid.addWidget(_cell("", "gridCorner"), 0, 0)
        for col, option in enumerate(options, start=1):
            grid.addWidget(_cell(option.name, "gridHeader"), 0, col)
            grid.setColumnStretch(col, 2)
        grid.setColumnStretch(0, 1)
        rows: list[tuple[str, list[str]]] = [
            (self.tr("In short"), [o.summary for o in options]),
            *[(q.question, [o.answers.get(q.id, "—") for o in options])
              for q in self.pack.comparison],
            (self.tr("What living with it is like"), [o.living_with for o in options]),
        ]
        for row, (question, answers) in enumerate(rows, start=1):
            grid.addWidget(_cell(question, "gridQuestion"), row, 0)
            for col, answer in enumerate(answers, start=1):
                grid.addWidget(_cell(answer, "gridCell"), row, col)
        # The key figures and the sources of each option, for the recorded diagnosis (filled
        # in consult_changed): every column gets numbers and sources, not only the chosen one.
        self.key_cells: list[QLabel] = []
        self.source_cells: list[QLabel] = []
        for label, cells in ((self.tr(KEY_NUMBERS), self.key_cells),
                             (self.tr("Sources"), self.source_cells)):
            row = grid.rowCount()
            grid.addWidget(_cell(label, "gridQuestion"), row, 0)
            for col in range(1, len(options) + 1):
                cell = _cell("", "gridCell")
                cells.append(cell)
                grid.addWidget(cell, row, col)
        self.outer.addWidget(table)
        # what it costs: the clinic's own words (no pack can know them), or whom to ask
        self.cost = QLabel(self)
        self.cost.setWordWrap(True)
        self.cost.setTextFormat(Qt.TextFormat.PlainText)
        self.outer.addWidget(group(self.tr("Cost and insurance"), self.cost))

        self.preference = ChoiceGroup(
            [(NO_PREFERENCE, self.tr("No preference yet")),
             *[(o.id, o.name) for o in options]],
            self.tr("Option the patient leans towards"), vertical=True)
        error = ErrorLabel(self)
        self.errors["decision.option_id"] = error
        self.outer.addWidget(group(self.tr("Which option does the patient lean towards?"),
                                   self.preference, error))
        self.watch(self.preference)

    def load(self) -> None:
        self.preference.set_value(self.consult.decision.option_id or NO_PREFERENCE)
        self.consult_changed()

    def save(self) -> None:
        value = self.preference.value()
        self.consult.decision.option_id = value if isinstance(value, str) else ""

    def consult_changed(self) -> None:
        k = self.consult.lifestyle
        empty = self.tr("not asked yet")
        travel = (self.tr("{n} minutes one way").format(n=k.travel_minutes)
                  if k.travel_minutes is not None else empty)
        lines = [
            (self.tr("Wants to do again"), k.goals),
            (self.tr("Work"), k.work),
            (self.tr("Activity"), k.activity),
            (self.tr("Support at home"), k.home_support),
            (self.tr("Travel to the clinic"), travel),
        ]
        self.patient_view.setText("\n".join(f"{label}: {value.strip() or empty}"
                                            for label, value in lines))
        note = self.consult.clinician.cost_note.strip()
        self.cost.setText(note or self.tr(
            "The clinic has written no note on cost and insurance. Tell the patient whom to "
            "ask; the handout says to ask the clinic before the trial."))
        self.cost.setObjectName("" if note else "hint")
        diagnosis = self.consult.condition.diagnosis_id
        for option, keys, sources in zip(self.pack.options, self.key_cells, self.source_cells,
                                         strict=True):
            keys.setText("\n".join(f"• {line}" for line in key_lines(option, diagnosis))
                         or "—")
            cited = option.cited(diagnosis)
            labels = dict.fromkeys(author_year(self.pack.reference(r)) for r in cited)
            count = (self.tr("1 source") if len(cited) == 1
                     else self.tr("{n} sources").format(n=len(cited)))
            sources.setText(f"{count}: {'; '.join(labels)}" if cited else "—")


AUTHOR = re.compile(r"^([A-Z][\w'’-]+) [A-Z]{1,3}[,.]")  # "Kumar K, Taylor RS, ..."


def author_year(ref: Reference) -> str:
    """'Kumar 2007' (first author and year) for a paper; the reference's own id, in words,
    for a guideline body or a label ('fda 2018', 'prialt label')."""
    author = AUTHOR.match(ref.citation)
    if author:
        return f"{author.group(1)} {ref.year}" if ref.year else author.group(1)
    return ref.id.replace("-", " ")


def _cell(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label

