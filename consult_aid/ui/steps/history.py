"""Step 3: medical history. The pack's red flags appear beside the answers that raise them,
as prompts to talk about, never as verdicts; the candidacy checklist follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from consult_aid.content.model import RedFlag
from consult_aid.domain import HistoryFinding, PsychEvaluation
from consult_aid.domain.consult import HISTORY_FINDINGS
from consult_aid.domain.labels import HISTORY_LABELS, PSYCH_EVALUATION_LABELS
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, Form, TextArea, group

NOT_ASKED = "not_asked"


class HistoryPage(StepPage):
    step_id = "history"

    def title(self) -> str:
        return self.tr("Medical history")

    def intro(self) -> str:
        return self.tr("Ask each question. Prompts from the procedure guide appear beside an "
                       "answer that calls for a conversation; they are not verdicts.")

    def build(self) -> None:
        form = Form(self)
        self.comorbidities = form.add("history.comorbidities", self.tr("Other &conditions"),
                                      TextArea(2))
        self.outer.addWidget(form)

        self.findings: dict[str, tuple[ChoiceGroup, QLineEdit, QLabel]] = {}
        table = QWidget(self)
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(2, 1)
        for col, text in enumerate((self.tr("Question"), self.tr("Answer"), self.tr("Details"))):
            header = QLabel(text, table)
            header.setObjectName("columnHeader")
            grid.addWidget(header, 0, col)
        for index, name in enumerate(HISTORY_FINDINGS):
            row = 1 + 2 * index
            label = self.tr(HISTORY_LABELS[name])
            caption = QLabel(label, table)
            caption.setWordWrap(True)
            answer = ChoiceGroup([(NOT_ASKED, self.tr("Not asked")), (False, self.tr("No")),
                                  (True, self.tr("Yes"))], label)
            details = QLineEdit(table)
            details.setAccessibleName(self.tr("{label}: details").format(label=label))
            details.setPlaceholderText(self.tr("details"))
            flag = QLabel(table)
            flag.setObjectName("redFlag")
            flag.setWordWrap(True)
            flag.setTextFormat(Qt.TextFormat.PlainText)
            flag.hide()
            error = ErrorLabel(table)
            self.errors[f"history.{name}.present"] = error
            box = QWidget(table)
            col_box = QVBoxLayout(box)
            col_box.setContentsMargins(0, 0, 0, 0)
            col_box.addWidget(answer)
            col_box.addWidget(error)
            grid.addWidget(caption, row, 0)
            grid.addWidget(box, row, 1)
            grid.addWidget(details, row, 2)
            grid.addWidget(flag, row + 1, 1, 1, 2)
            self.findings[name] = (answer, details, flag)
            self.watch(answer, details)
        self.outer.addWidget(group(self.tr("Questions"), table))

        self.other_flags = QLabel(self)
        self.other_flags.setObjectName("redFlag")
        self.other_flags.setWordWrap(True)
        self.other_flags.setTextFormat(Qt.TextFormat.PlainText)
        self.other_flags.hide()
        self.outer.addWidget(self.other_flags)

        psych = Form(self)
        self.psych = QComboBox()
        labels: dict[PsychEvaluation | None, str] = {None: self.tr("Not recorded")}
        labels.update({k: self.tr(v) for k, v in PSYCH_EVALUATION_LABELS.items()})
        for key, text in labels.items():
            self.psych.addItem(text, key.value if key else "")
        psych.add("history.psych_evaluation", self.tr("&Psychological evaluation"), self.psych)
        self.psych_flag = QLabel(self)
        self.psych_flag.setObjectName("redFlag")
        self.psych_flag.setWordWrap(True)
        self.psych_flag.setTextFormat(Qt.TextFormat.PlainText)
        self.psych_flag.hide()
        psych.layout_.addRow("", self.psych_flag)
        self.psych_notes = psych.add("history.psych_notes", self.tr("Notes"), TextArea(2))
        self.outer.addWidget(group(self.tr("Psychological evaluation"), psych))

        self.checklist: dict[str, ChoiceGroup] = {}
        checks = Form(self)
        for item in self.pack.checklist:
            choice = ChoiceGroup([(None, self.tr("Not checked")), (True, self.tr("Met")),
                                  (False, self.tr("Not met"))], item.text)
            checks.add(f"checklist.{item.id}", item.text, choice)
            self.checklist[item.id] = choice
            self.watch(choice)
        if self.checklist:
            self.outer.addWidget(group(self.tr("Candidacy checklist"), checks))
        for f in (form, psych, checks):
            self.errors.update(f.errors)
        self.watch(self.comorbidities, self.psych, self.psych_notes)

    def load(self) -> None:
        h = self.consult.history
        self.comorbidities.set_text(h.comorbidities)
        for name, (answer, details, _flag) in self.findings.items():
            finding = h.finding(name)
            answer.set_value(NOT_ASKED if finding.present is None else finding.present)
            details.setText(finding.details)
            details.setCursorPosition(0)
        self.psych.setCurrentIndex(max(0, self.psych.findData(
            h.psych_evaluation.value if h.psych_evaluation else "")))
        self.psych_notes.set_text(h.psych_notes)
        for item_id, choice in self.checklist.items():
            choice.set_value(self.consult.checklist.get(item_id))
        self.consult_changed()

    def save(self) -> None:
        h = self.consult.history
        h.comorbidities = self.comorbidities.text()
        for name, (answer, details, _flag) in self.findings.items():
            value = answer.value()
            present = value if isinstance(value, bool) else None
            setattr(h, name, HistoryFinding(present, details.text()))
        data = self.psych.currentData()
        h.psych_evaluation = PsychEvaluation(data) if data else None
        h.psych_notes = self.psych_notes.text()
        for item_id, choice in self.checklist.items():
            value = choice.value()
            self.consult.checklist[item_id] = value if isinstance(value, bool) else None

    def consult_changed(self) -> None:
        raised = self.pack.raised_red_flags(self.consult.facts())
        by_fact: dict[str, list[RedFlag]] = {}
        for flag in raised:
            by_fact.setdefault(flag.fact, []).append(flag)
        for name, (_answer, _details, label) in self.findings.items():
            self._show(label, by_fact.pop(f"history.{name}", []))
        self._show(self.psych_flag, by_fact.pop("history.psych_evaluation", []))
        self._show(self.other_flags, [f for flags in by_fact.values() for f in flags],
                   heading=self.tr("Prompts raised by other answers:"))

    def _show(self, label: QLabel, flags: list[RedFlag], heading: str = "") -> None:
        lines = [self.tr("To discuss: {prompt}").format(prompt=f.prompt) for f in flags]
        if heading and lines:
            lines.insert(0, heading)
        label.setText("\n".join(lines))
        label.setVisible(bool(lines))
        label.setAccessibleName(self.tr("To discuss") if lines else "")
