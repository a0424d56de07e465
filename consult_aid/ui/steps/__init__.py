"""One page class per consult step, mapped from the step ids declared once in
:data:`consult_aid.domain.steps.STEPS` (the order, titles and rules live there)."""

from __future__ import annotations

from consult_aid.domain.steps import STEP_IDS
from consult_aid.ui.steps.base import StepPage
from consult_aid.ui.steps.benefits_risks import BenefitsRisksPage
from consult_aid.ui.steps.condition import ConditionPage
from consult_aid.ui.steps.decision import DecisionPage
from consult_aid.ui.steps.history import HistoryPage
from consult_aid.ui.steps.lifestyle import LifestylePage
from consult_aid.ui.steps.options import OptionsPage
from consult_aid.ui.steps.patient import PatientPage
from consult_aid.ui.steps.questions import QuestionsPage
from consult_aid.ui.steps.review import ReviewActions, ReviewPage

PAGE_CLASSES: dict[str, type[StepPage]] = {
    cls.step_id: cls
    for cls in (PatientPage, ConditionPage, HistoryPage, LifestylePage, OptionsPage,
                BenefitsRisksPage, QuestionsPage, DecisionPage, ReviewPage)
}


def check_pages() -> None:
    """Every declared step has exactly one page, and every page a declared step."""
    if set(PAGE_CLASSES) != set(STEP_IDS) or len(PAGE_CLASSES) != len(STEP_IDS):
        missing = sorted(set(STEP_IDS) - set(PAGE_CLASSES))
        extra = sorted(set(PAGE_CLASSES) - set(STEP_IDS))
        raise RuntimeError(f"step pages do not match the declared steps: without a page "
                           f"{missing}, without a step {extra}")


check_pages()

__all__ = ["PAGE_CLASSES", "ReviewActions", "StepPage", "check_pages"]
