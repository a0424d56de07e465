"""The consult's steps, each declared once: id, title, the fields it owns, its rules, and when
it counts as started.

Everything that lists or names steps reads :data:`STEPS`: the window's step list and pages
(``consult_aid/ui/steps/__init__.py`` maps each step id to its page class, and a test checks
the two agree), the review page's open items, the signing check and the command line. A new
step is one :class:`Step` here, its rules in :mod:`consult_aid.domain.step_rules`, and one page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from consult_aid.domain import step_rules as rules
from consult_aid.domain.consult import Consult
from consult_aid.domain.step_rules import OpenItem, PackContent
from consult_aid.domain.validation import Problem


class StepState(StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    # Dotted field paths edited on this step, as prefixes: "condition." owns
    # "condition.pain_now". The longest matching prefix over all steps wins, so the options
    # step owns "decision.option_id" while the decision step owns the rest of "decision.".
    owns: tuple[str, ...]
    open_items: Callable[[Consult, PackContent], list[OpenItem]]
    started: Callable[[Consult], bool]


STEPS: tuple[Step, ...] = (
    Step("patient", "Patient and participants", ("patient.", "participants."),
         rules.patient_open, rules.always_started),
    Step("condition", "Condition", ("condition.",), rules.condition_open,
         rules.condition_started),
    Step("history", "Medical history", ("history.", "checklist", "red_flags_discussed"),
         rules.history_open, rules.history_started),
    Step("lifestyle", "Lifestyle and goals", ("lifestyle.",), rules.lifestyle_open,
         rules.lifestyle_started),
    Step("options", "Options side by side", ("decision.option_id",), rules.options_open,
         rules.options_started),
    Step("benefits_risks", "Benefits and risks", ("understanding",), rules.benefits_risks_open,
         rules.benefits_risks_started),
    Step("questions", "Questions and what matters", ("questions", "values.", "sure"),
         rules.questions_open, rules.questions_started),
    Step("decision", "Decision", ("decision.",), rules.decision_open, rules.decision_started),
    Step("review", "Review and sign", ("signatures", "clinician."), rules.review_open,
         rules.review_started),
)

STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEPS)
_BY_ID = {s.id: s for s in STEPS}
FALLBACK_STEP = "review"  # a field no step owns is shown where the consult is signed


def step(step_id: str) -> Step:
    """The step with this id; KeyError for an unknown id."""
    return _BY_ID[step_id]


def step_of_field(field: str) -> str:
    """The id of the step where the field at this dotted path is edited."""
    best, length = FALLBACK_STEP, -1
    for s in STEPS:
        for prefix in s.owns:
            if field.startswith(prefix) and len(prefix) > length:
                best, length = s.id, len(prefix)
    return best


def problem_items(problems: list[Problem]) -> list[OpenItem]:
    return [OpenItem(p.field, p.message, step_id=step_of_field(p.field)) for p in problems]


def open_items(consult: Consult, pack: PackContent) -> list[OpenItem]:
    """Everything missing, open or wrong, in step order (rule problems first within a step)."""
    wrong = problem_items(consult.problems())
    result: list[OpenItem] = []
    for s in STEPS:
        result += [o for o in wrong if o.step_id == s.id]
        seen = {o.field for o in result}
        result += [dataclasses.replace(o, step_id=s.id) for o in s.open_items(consult, pack)
                   if o.field not in seen]
    return result


def blocking_items(consult: Consult, pack: PackContent) -> list[OpenItem]:
    """The open items that must be closed before the consult can be signed."""
    return [o for o in open_items(consult, pack) if o.blocks_signing]


def step_states(consult: Consult, pack: PackContent) -> dict[str, StepState]:
    """Every step's state at once (one pass over the rules): not started, incomplete or done."""
    if consult.is_locked:
        return dict.fromkeys(STEP_IDS, StepState.DONE)
    open_steps = {o.step_id for o in open_items(consult, pack)}
    return {s.id: (StepState.NOT_STARTED if not s.started(consult) else
                   StepState.INCOMPLETE if s.id in open_steps else StepState.DONE)
            for s in STEPS}


def step_state(consult: Consult, pack: PackContent, step_id: str) -> StepState:
    """One step's state: not started (nothing entered), incomplete (something open or wrong)
    or done."""
    step(step_id)  # KeyError for an unknown step
    return step_states(consult, pack)[step_id]
