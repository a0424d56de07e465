"""Step 8: the decision, the next steps and the follow-up date."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from consult_aid.domain import DecisionChoice
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, Form, OptionalDateEdit, TextArea, group


class DecisionPage(StepPage):
    step_id = "decision"

    def intro(self) -> str:
        return self.tr("Record what the patient decided today. 'Needs more information' and "
                       "'Not now' are decisions too.")

    def build(self) -> None:
        form = Form(self)
        labels = {DecisionChoice.GO_AHEAD_TRIAL: self.tr("Go ahead with a trial"),
                  DecisionChoice.NOT_NOW: self.tr("Not now"),
                  DecisionChoice.DECLINE: self.tr("Decline"),
                  DecisionChoice.MORE_INFORMATION: self.tr("Needs more information")}
        self.choice = ChoiceGroup(list(labels.items()), self.tr("The decision"), vertical=True)
        form.add("decision.choice", self.tr("The &decision"), self.choice)
        self.preferred = QLabel(self)
        self.preferred.setWordWrap(True)
        self.preferred.setTextFormat(Qt.TextFormat.PlainText)
        self.preferred.setObjectName("hint")
        form.layout_.addRow("", self.preferred)
        self.next_steps = form.add("decision.next_steps", self.tr("&Next steps"), TextArea(4))
        self.follow_up = form.add("decision.follow_up", self.tr("&Follow-up date"),
                                  OptionalDateEdit())
        self.notes = form.add("decision.notes", self.tr("N&otes"), TextArea(3))
        self.outer.addWidget(group(self.tr("Today's decision"), form))
        self.errors.update(form.errors)
        self.watch(self.choice, self.next_steps, self.follow_up, self.notes)

    def load(self) -> None:
        d = self.consult.decision
        self.choice.set_value(d.choice)
        self.next_steps.set_text(d.next_steps)
        self.follow_up.set_value(d.follow_up)
        self.notes.set_text(d.notes)
        self.consult_changed()

    def save(self) -> None:
        d = self.consult.decision
        choice = self.choice.value()
        d.choice = choice if isinstance(choice, DecisionChoice) else None
        d.next_steps = self.next_steps.text()
        d.follow_up = self.follow_up.value()
        d.notes = self.notes.text()

    def consult_changed(self) -> None:
        option_id = self.consult.decision.option_id
        names = {o.id: o.name for o in self.pack.options}
        if option_id in names:
            self.preferred.setText(self.tr("Option the patient leans towards: {name}").format(
                name=names[option_id]))
        else:
            self.preferred.setText(self.tr("No option marked yet on the Options page."))
