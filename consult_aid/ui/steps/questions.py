"""Step 7: the patient's questions and the answers given, what matters most, and the SURE test
(four yes/no questions; a score of 3 or less flags decisional conflict)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from consult_aid.domain import PatientQuestion
from consult_aid.domain.consult import DecisionRole
from consult_aid.domain.labels import DECISION_ROLE_LABELS, SURE_QUESTIONS
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, Form, TextArea, group
from consult_aid.ui.widgets.quick_keys import AnswerKeys
from consult_aid.ui.widgets.row_list import RowList


class QuestionsPage(StepPage):
    step_id = "questions"

    def build(self) -> None:
        self.questions = RowList([self.tr("The patient's question"), self.tr("Answer given")],
                                 self.tr("Add a &question"), multiline=True)
        self.outer.addWidget(group(self.tr("Questions"), self.questions))
        self.questions.changed.connect(self.on_edit)

        values = Form(self)
        self.matters = values.add("values.what_matters_most",
                                  self.tr("What &matters most to the patient"), TextArea(3),
                                  self.tr("In the patient's own words."))
        self.role = ChoiceGroup([(role, self.tr(text))
                                 for role, text in DECISION_ROLE_LABELS.items()],
                                self.tr("How the patient prefers to decide"), vertical=True)
        values.add("values.preferred_role", self.tr("How the patient prefers to decide"),
                   self.role)
        self.outer.addWidget(group(self.tr("Values"), values))

        sure = Form(self)
        self.sure: dict[str, ChoiceGroup] = {}
        for name, question in SURE_QUESTIONS:
            text = self.tr(question)
            choice = ChoiceGroup([(True, self.tr("Yes")), (False, self.tr("No"))], text)
            sure.add(f"sure.{name}", text, choice)
            self.sure[name] = choice
        self.sure_error = ErrorLabel(self)
        self.sure_result = QLabel(self)
        self.sure_result.setObjectName("sureResult")
        self.sure_result.setWordWrap(True)
        self.outer.addWidget(group(self.tr("SURE test — ask the patient"), sure,
                                   self.sure_error, self.sure_result))
        self.errors.update(values.errors)
        self.errors.update(sure.errors)
        self.errors["sure"] = self.sure_error
        self.watch(self.matters, self.role, *self.sure.values())
        # Y or N answers a SURE question by one key and goes on to the next one
        groups = list(self.sure.values())
        for n, choice in enumerate(groups):
            following = groups[n + 1] if n + 1 < len(groups) else None
            for button in choice.buttons():
                button.setToolTip(self.tr("Keys: Y yes · N no"))

            def answered(_value: object, following: ChoiceGroup | None = following) -> None:
                if following is not None:
                    following.buttons()[0].setFocus(Qt.FocusReason.TabFocusReason)

            AnswerKeys(choice, {Qt.Key.Key_Y: True, Qt.Key.Key_N: False}, answered)

    def load(self) -> None:
        c = self.consult
        self.questions.set_values([(q.question, q.answer) for q in c.questions])
        self.matters.set_text(c.values.what_matters_most)
        self.role.set_value(c.values.preferred_role)
        for name, choice in self.sure.items():
            choice.set_value(getattr(c.sure, name))
        self._show_score()

    def save(self) -> None:
        c = self.consult
        c.questions = [PatientQuestion(q, a) for q, a in self.questions.values()]
        c.values.what_matters_most = self.matters.text()
        role = self.role.value()
        c.values.preferred_role = role if isinstance(role, DecisionRole) else None
        for name, choice in self.sure.items():
            value = choice.value()
            setattr(c.sure, name, value if isinstance(value, bool) else None)
        self._show_score()

    def _show_score(self) -> None:
        answers = self.consult.sure
        score = answers.score
        if score is None:
            self.sure_result.setText(self.tr("Score: not complete yet."))
            state = "open"
        elif answers.decisional_conflict:
            self.sure_result.setText(self.tr(
                "⚠ SURE score {score} of 4: the patient may feel unsure about this decision. "
                "Talk about what is unclear or missing before deciding; a 'No' shows where."
            ).format(score=score))
            state = "warning"
        else:
            self.sure_result.setText(self.tr("✓ SURE score 4 of 4: no sign of decisional "
                                             "conflict."))
            state = "done"
        self.sure_result.setProperty("state", state)
        self.sure_result.style().unpolish(self.sure_result)
        self.sure_result.style().polish(self.sure_result)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.questions.set_read_only(read_only)
