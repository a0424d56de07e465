"""Step 8: the decision and what it covers, the clinician's recommendation, how a decisional
conflict was addressed, the next steps and the follow-up date.

The fields follow the order of the decision record (:mod:`consult_aid.domain.record`). Some
depend on other steps, and are shown only when they apply: what going ahead covers (an option
with a trial, when the patient goes ahead), the planned medicine (an option with medicines)
and how a decisional conflict was addressed (a SURE score of 3 or less).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from consult_aid.domain import DecisionChoice, Problem
from consult_aid.domain.consult import NO_RECOMMENDATION, DecisionScope
from consult_aid.domain.labels import DECISION_LABELS, SCOPE_LABELS
from consult_aid.domain.step_rules import chosen_option
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import (
    Form,
    OptionalDateEdit,
    ReachableChoiceGroup,
    TextArea,
    align_captions,
    group,
)

NOT_RECORDED = ""  # the recommendation combo's "Not recorded" entry


class DecisionPage(StepPage):
    step_id = "decision"

    def intro(self) -> str:
        return self.tr("Record what the patient decided today. 'Needs more information' and "
                       "'Not now' are decisions too.")

    def build(self) -> None:
        # Alt mnemonics on this page: D W M R E A N U O (C, P, F, G, V belong to the window)
        decision = Form(self)
        self.decision_form = decision
        self.choice = ReachableChoiceGroup(
            [(choice, self.tr(text)) for choice, text in DECISION_LABELS.items()],
            self.tr("The decision"), vertical=True)
        decision.add("decision.choice", self.tr("The &decision"), self.choice)
        self.preferred = QLabel(self)
        self.preferred.setWordWrap(True)
        self.preferred.setTextFormat(Qt.TextFormat.PlainText)
        self.preferred.setObjectName("hint")
        decision.layout_.addRow("", self.preferred)
        self.scope = decision.add(
            "decision.scope", self.tr("&What going ahead covers"),
            ReachableChoiceGroup([(scope, self.tr(text)) for scope, text in SCOPE_LABELS.items()],
                                 self.tr("What going ahead covers"), vertical=True))
        self.medicine = QComboBox()
        typed = QLineEdit(self.medicine)
        typed.setPlaceholderText(self.tr("Choose from the list or type it"))
        typed.setMaxLength(200)
        self.medicine.setLineEdit(typed)  # editable: a medicine not listed can be typed
        self.medicine.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        decision.add("decision.medicine", self.tr("Planned &medicine"), self.medicine)
        self._medicines: tuple[str, ...] | None = None
        self.outer.addWidget(group(self.tr("Today's decision"), decision))

        advice = Form(self)
        self.recommendation = QComboBox()
        self.recommendation.addItem(self.tr("Not recorded"), NOT_RECORDED)
        for option in self.pack.options:
            self.recommendation.addItem(option.name, option.id)
        self.recommendation.addItem(self.tr("No recommendation"), NO_RECOMMENDATION)
        self._recommendation_items = self.recommendation.count()
        advice.add("decision.recommendation", self.tr("Your &recommendation"),
                   self.recommendation,
                   self.tr("What you advised, whatever the patient decided."))
        self.reason = advice.add("decision.recommendation_reason",
                                 self.tr("R&eason for the recommendation"), TextArea(3))
        self.outer.addWidget(group(self.tr("Your recommendation"), advice))

        conflict = Form(self)
        self.conflict_note = QLabel(self)
        self.conflict_note.setObjectName("redFlag")
        self.conflict_note.setWordWrap(True)
        self.conflict_note.setTextFormat(Qt.TextFormat.PlainText)
        conflict.layout_.addRow(self.conflict_note)
        self.conflict = TextArea(3)
        self.conflict.setAccessibleName(self.tr("How the decisional conflict was addressed"))
        conflict.add("decision.conflict_addressed", self.tr("How it was &addressed"),
                     self.conflict, self.tr("For example: more information given, time to "
                                            "think, a talk with family planned."))
        self.conflict_group = group(self.tr("Decisional conflict"), conflict)
        self.outer.addWidget(self.conflict_group)

        after = Form(self)
        self.next_steps = after.add("decision.next_steps", self.tr("&Next steps"), TextArea(4))
        self.follow_up = after.add(
            "decision.follow_up", self.tr("Follow-&up date"), OptionalDateEdit(),
            self.tr("Type it as YYYY-MM-DD (15/01/2026 works too), or press Alt+Down for a "
                    "calendar."))
        self.notes = after.add("decision.notes", self.tr("N&otes"), TextArea(3))
        self.outer.addWidget(group(self.tr("What happens next"), after))
        for form in (decision, advice, conflict, after):
            self.errors.update(form.errors)
        align_captions(decision, advice, conflict, after)
        self.watch(self.choice, self.scope, self.medicine, self.recommendation, self.reason,
                   self.conflict, self.next_steps, self.notes)
        # the follow-up saves when its date changes (typed or picked), and says what to type
        # when the clinician leaves text that is no date
        self.follow_up.dateChanged.connect(self.on_edit)
        self.follow_up.editingFinished.connect(self.on_edit)

    def load(self) -> None:
        d = self.consult.decision
        self.choice.set_value(d.choice)
        self.scope.set_value(d.scope)
        self.consult_changed()  # the medicines of the chosen option, before the one planned
        if self.medicine.currentText() != d.medicine:
            index = self.medicine.findText(d.medicine) if d.medicine else 0
            self.medicine.setCurrentIndex(max(index, 0))
            self.medicine.setEditText(d.medicine)
        self._show_recommendation(d.recommendation)
        self.reason.set_text(d.recommendation_reason)
        self.conflict.set_text(d.conflict_addressed)
        self.next_steps.set_text(d.next_steps)
        self.follow_up.set_value(d.follow_up)
        self.notes.set_text(d.notes)

    def save(self) -> None:
        d = self.consult.decision
        choice = self.choice.value()
        d.choice = choice if isinstance(choice, DecisionChoice) else None
        scope = self.scope.value()
        d.scope = scope if isinstance(scope, DecisionScope) else None
        d.medicine = self.medicine.currentText().strip()
        recommendation = self.recommendation.currentData()
        d.recommendation = recommendation if isinstance(recommendation, str) else ""
        d.recommendation_reason = self.reason.text()
        d.conflict_addressed = self.conflict.text()
        d.next_steps = self.next_steps.text()
        d.follow_up = self.follow_up.value()
        d.notes = self.notes.text()

    def input_problems(self) -> list[Problem]:
        problem = self.follow_up.problem()
        return [*super().input_problems(),
                *([Problem("decision.follow_up", problem)] if problem else [])]

    def consult_changed(self) -> None:
        c = self.consult
        option = chosen_option(c, self.pack)
        if option is not None:
            self.preferred.setText(self.tr("Option the patient leans towards: {name}").format(
                name=option.name))
        else:
            self.preferred.setText(self.tr("No option marked yet on the Options page."))
        going_ahead = c.decision.choice is DecisionChoice.GO_AHEAD_TRIAL
        has_trial = option is not None and bool(option.has_trial)
        medicines = tuple(option.medicines) if option is not None else ()
        self.decision_form.set_row_visible(self.scope, has_trial and going_ahead)
        self._offer_medicines(medicines)
        self.decision_form.set_row_visible(self.medicine, bool(medicines))
        conflict = c.sure.decisional_conflict
        self.conflict_group.setVisible(conflict)
        if conflict:
            self.conflict_note.setText(self.tr(
                "⚠ The SURE score is {score} of 4: the patient may feel unsure about this "
                "decision. Record what was done about it.").format(score=c.sure.score))

    # --- helpers ------------------------------------------------------------------------------
    def _offer_medicines(self, medicines: Sequence[str]) -> None:
        """List the chosen option's medicines; what was typed or chosen stays as it is."""
        offered = tuple(medicines)
        if offered == self._medicines:
            return
        self._medicines = offered
        was_loading, self._loading = self._loading, True
        try:
            text = self.medicine.currentText()
            self.medicine.clear()
            self.medicine.addItem("")
            self.medicine.addItems(list(offered))
            index = self.medicine.findText(text) if text else 0
            self.medicine.setCurrentIndex(max(index, 0))
            self.medicine.setEditText(text)
        finally:
            self._loading = was_loading

    def _show_recommendation(self, value: str) -> None:
        """Select the recommendation; one no longer in this pack version is kept, and named so."""
        while self.recommendation.count() > self._recommendation_items:
            self.recommendation.removeItem(self.recommendation.count() - 1)
        index = self.recommendation.findData(value)
        if index < 0:
            self.recommendation.addItem(
                self.tr("{id} (not in this pack version)").format(id=value), value)
            index = self.recommendation.count() - 1
        self.recommendation.setCurrentIndex(index)
