"""One module per consult step; :data:`PAGES` lists them in order."""

from __future__ import annotations

from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.steps.benefits_risks import BenefitsRisksPage
from consult_aid.ui.steps.condition import ConditionPage
from consult_aid.ui.steps.decision import DecisionPage
from consult_aid.ui.steps.history import HistoryPage
from consult_aid.ui.steps.lifestyle import LifestylePage
from consult_aid.ui.steps.options import OptionsPage
from consult_aid.ui.steps.patient import PatientPage
from consult_aid.ui.steps.questions import QuestionsPage
from consult_aid.ui.steps.review import ReviewPage

PAGES: tuple[type[StepPage], ...] = (
    PatientPage, ConditionPage, HistoryPage, LifestylePage, OptionsPage, BenefitsRisksPage,
    QuestionsPage, DecisionPage, ReviewPage,
)

__all__ = ["PAGES", "StepPage"]
