"""Step 4: lifestyle — work, activity, the patient's goals in their own words, support, travel."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.widgets.fields import Form, NumberEdit, TextArea, group


class LifestylePage(StepPage):
    step_id = "lifestyle"

    def intro(self) -> str:
        return self.tr("What daily life looks like, and what the patient hopes to do again. "
                       "Write the goals in the patient's own words.")

    def build(self) -> None:
        form = Form(self)
        self.work = form.add("lifestyle.work", self.tr("&Work"), QLineEdit())
        self.activity = form.add("lifestyle.activity", self.tr("Activity and &hobbies"),
                                 TextArea(2))
        self.goals = form.add("lifestyle.goals",
                              self.tr("What the patient wants to be able to do &again"),
                              TextArea(3), self.tr("In the patient's own words."))
        self.support = form.add("lifestyle.home_support", self.tr("&Support at home"),
                                TextArea(2))
        self.travel = form.add("lifestyle.travel_minutes",
                               self.tr("&Travel time to the clinic (minutes, one way)"),
                               NumberEdit(unit="minutes"),
                               self.tr("Refills and follow-up visits need regular trips."))
        self.outer.addWidget(group(self.tr("Daily life"), form))
        self.errors.update(form.errors)
        self.watch(self.work, self.activity, self.goals, self.support, self.travel)

    def load(self) -> None:
        k = self.consult.lifestyle
        self.work.setText(k.work)
        self.activity.set_text(k.activity)
        self.goals.set_text(k.goals)
        self.support.set_text(k.home_support)
        self.travel.set_value(k.travel_minutes)

    def save(self) -> None:
        k = self.consult.lifestyle
        k.work = self.work.text()
        k.activity = self.activity.text()
        k.goals = self.goals.text()
        k.home_support = self.support.text()
        minutes = self.number("lifestyle.travel_minutes", self.travel)
        k.travel_minutes = None if minutes is None else int(minutes)
