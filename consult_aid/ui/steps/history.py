"""Step 3: medical history. The pack's red flags appear beside the answers that raise them,
as prompts to talk about, never as verdicts, each with a "Discussed with the patient" tick so
the record shows the conversation took place; the candidacy checklist follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from consult_aid.content.model import RedFlag
from consult_aid.domain import HistoryFinding, PsychEvaluation
from consult_aid.domain.consult import HISTORY_FINDINGS
from consult_aid.domain.labels import HISTORY_LABELS, PSYCH_EVALUATION_LABELS
from consult_aid.domain.step_rules import prompt_start
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, Form, TextArea, group
from consult_aid.ui.widgets.quick_keys import AnswerKeys

NOT_ASKED = "not_asked"
YES_NO_KEYS = {Qt.Key.Key_Y: True, Qt.Key.Key_N: False}
PSYCH_FACT = "history.psych_evaluation"


class RedFlagPrompt(QWidget):
    """One red flag: "To discuss: …" and a tick for "Discussed with the patient".

    Hidden while the answers do not raise the flag; the tick keeps its state meanwhile.
    """

    def __init__(self, flag: RedFlag, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flag = flag
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.label = QLabel(self.tr("To discuss: {prompt}").format(prompt=flag.prompt), self)
        self.label.setObjectName("redFlag")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAccessibleName(self.tr("To discuss"))
        self.discussed = QCheckBox(self.tr("Discussed with the patient"), self)
        self.discussed.setAccessibleName(self.tr("Discussed with the patient: {start}").format(
            start=prompt_start(flag.prompt)))
        layout.addWidget(self.label)
        layout.addWidget(self.discussed)
        self.hide()


class HistoryPage(StepPage):
    step_id = "history"

    def intro(self) -> str:
        return self.tr("Ask each question. Prompts from the procedure guide appear beside an "
                       "answer that calls for a conversation; they are not verdicts.")

    def build(self) -> None:
        form = Form(self)
        self.comorbidities = form.add("history.comorbidities", self.tr("&Other conditions"),
                                      TextArea(2))
        self.outer.addWidget(form)

        by_fact: dict[str, list[RedFlag]] = {}
        for red_flag in self.pack.red_flags:
            by_fact.setdefault(red_flag.fact, []).append(red_flag)
        self.flag_prompts: dict[str, RedFlagPrompt] = {}
        self._prompt_boxes: list[tuple[QWidget, list[RedFlagPrompt]]] = []

        self.findings: dict[str, tuple[ChoiceGroup, QLineEdit]] = {}
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
            # created in reading order, which is the Tab order: answer, details, prompt ticks
            box = QWidget(table)
            answer = ChoiceGroup([(NOT_ASKED, self.tr("Not asked")), (False, self.tr("No")),
                                  (True, self.tr("Yes"))], label, box)
            error = ErrorLabel(box)
            self.errors[f"history.{name}.present"] = error
            col_box = QVBoxLayout(box)
            col_box.setContentsMargins(0, 0, 0, 0)
            col_box.addWidget(answer)
            col_box.addWidget(error)
            details = QLineEdit(table)
            details.setAccessibleName(self.tr("{label}: details").format(label=label))
            details.setPlaceholderText(self.tr("details"))
            grid.addWidget(caption, row, 0)
            grid.addWidget(box, row, 1)
            grid.addWidget(details, row, 2)
            self.findings[name] = (answer, details)
            self.watch(answer, details)
            for button in answer.buttons():
                button.setToolTip(self.tr("Keys: N no · Y yes"))
            flags = self._prompts(by_fact.pop(f"history.{name}", []), table)
            if flags is not None:
                grid.addWidget(flags, row + 1, 1, 1, 2)
        self.outer.addWidget(group(self.tr("Questions"), table))
        self._answer_keys()
        psych_flags = by_fact.pop(PSYCH_FACT, [])

        # Prompts raised by answers on other steps (travel time, opioid dose ...)
        self.other_flags = QWidget(self)
        other = QVBoxLayout(self.other_flags)
        other.setContentsMargins(0, 0, 0, self.fontMetrics().height() // 2)
        heading = QLabel(self.tr("Prompts raised by other answers:"), self.other_flags)
        heading.setObjectName("subHeading")
        other.addWidget(heading)
        others = self._prompts([f for flags in by_fact.values() for f in flags],
                               self.other_flags)
        if others is not None:
            other.addWidget(others)
            self._prompt_boxes.append((self.other_flags, self._prompt_boxes[-1][1]))
        self.other_flags.hide()
        self.outer.addWidget(self.other_flags)

        psych = Form(self)
        self.psych = QComboBox()
        labels: dict[PsychEvaluation | None, str] = {None: self.tr("Not recorded")}
        labels.update({k: self.tr(v) for k, v in PSYCH_EVALUATION_LABELS.items()})
        for key, text in labels.items():
            self.psych.addItem(text, key.value if key else "")
        psych.add("history.psych_evaluation", self.tr("Ps&ychological evaluation"), self.psych)
        psych_prompts = self._prompts(psych_flags, psych)
        if psych_prompts is not None:
            psych.layout_.addRow("", psych_prompts)
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
        self.watch(*(p.discussed for p in self.flag_prompts.values()))

    def _prompts(self, flags: list[RedFlag], parent: QWidget) -> QWidget | None:
        """A column of the prompts for ``flags`` (None when there are none)."""
        if not flags:
            return None
        box = QWidget(parent)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        prompts = [RedFlagPrompt(red_flag, box) for red_flag in flags]
        for prompt in prompts:
            column.addWidget(prompt)
            self.flag_prompts[prompt.flag.id] = prompt
        box.hide()  # shown while one of its prompts is raised (no empty gap in the grid)
        self._prompt_boxes.append((box, prompts))
        return box

    def _answer_keys(self) -> None:
        """Y or N answers a question by one key: No goes on to the next question, Yes to its
        details (what, which dose ...)."""
        names = list(self.findings)
        for n, name in enumerate(names):
            answer, details = self.findings[name]
            following = self.findings[names[n + 1]][0] if n + 1 < len(names) else None

            def answered(value: object, details: QLineEdit = details,
                         following: ChoiceGroup | None = following) -> None:
                if value is True:
                    details.setFocus(Qt.FocusReason.TabFocusReason)
                elif following is not None:
                    following.buttons()[0].setFocus(Qt.FocusReason.TabFocusReason)
                else:
                    self.psych.setFocus(Qt.FocusReason.TabFocusReason)

            AnswerKeys(answer, YES_NO_KEYS, answered)

    def load(self) -> None:
        h = self.consult.history
        self.comorbidities.set_text(h.comorbidities)
        for name, (answer, details) in self.findings.items():
            finding = h.finding(name)
            answer.set_value(NOT_ASKED if finding.present is None else finding.present)
            details.setText(finding.details)
            details.setCursorPosition(0)
        self.psych.setCurrentIndex(max(0, self.psych.findData(
            h.psych_evaluation.value if h.psych_evaluation else "")))
        self.psych_notes.set_text(h.psych_notes)
        for item_id, choice in self.checklist.items():
            choice.set_value(self.consult.checklist.get(item_id))
        for flag_id, prompt in self.flag_prompts.items():
            prompt.discussed.setChecked(self.consult.red_flags_discussed.get(flag_id, False))
        self.consult_changed()

    def save(self) -> None:
        h = self.consult.history
        h.comorbidities = self.comorbidities.text()
        for name, (answer, details) in self.findings.items():
            value = answer.value()
            present = value if isinstance(value, bool) else None
            setattr(h, name, HistoryFinding(present, details.text()))
        data = self.psych.currentData()
        h.psych_evaluation = PsychEvaluation(data) if data else None
        h.psych_notes = self.psych_notes.text()
        for item_id, choice in self.checklist.items():
            value = choice.value()
            self.consult.checklist[item_id] = value if isinstance(value, bool) else None
        # A tick stays when a changed answer hides its prompt; unticked is simply not recorded.
        discussed = self.consult.red_flags_discussed
        for flag_id, prompt in self.flag_prompts.items():
            if prompt.discussed.isChecked():
                discussed[flag_id] = True
            else:
                discussed.pop(flag_id, None)

    def consult_changed(self) -> None:
        raised = {f.id for f in self.pack.raised_red_flags(self.consult.facts())}
        for flag_id, prompt in self.flag_prompts.items():
            prompt.setVisible(flag_id in raised)
        for box, prompts in self._prompt_boxes:
            box.setVisible(any(p.flag.id in raised for p in prompts))
