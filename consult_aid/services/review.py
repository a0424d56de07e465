"""What is still missing or open in a consult, step by step (Qt-free).

The window's step list and the review page both read from here, and so can the command line:
``open_items(consult, pack)`` lists each unanswered required field, each benefit or risk not yet
discussed and understood, the SURE test, the decision and the missing signatures, each tied to
the step where the clinician can complete it. ``step_state`` condenses the same rules into
not started / incomplete / done for the step list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from consult_aid.content.model import Pack
from consult_aid.domain import Consult, Decider, DecisionChoice, SignerRole
from consult_aid.domain.consult import HISTORY_FINDINGS, ConsultStatus
from consult_aid.domain.labels import HISTORY_LABELS, in_sentence
from consult_aid.domain.validation import Problem

STEP_IDS: tuple[str, ...] = (
    "patient", "condition", "history", "lifestyle", "options", "benefits_risks", "questions",
    "decision", "review",
)


class StepState(StrEnum):
    NOT_STARTED = "not_started"
    INCOMPLETE = "incomplete"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One thing still to do: ``field`` is a dotted path like ``condition.pain_now``."""

    step_id: str
    field: str
    message: str
    blocks_signing: bool = True



# Where each domain field path is edited: the first matching prefix wins.
_FIELD_STEPS = (
    ("patient.", "patient"), ("participants.", "patient"), ("condition.", "condition"),
    ("history.", "history"), ("checklist", "history"), ("red_flags_discussed", "history"),
    ("lifestyle.", "lifestyle"),
    ("understanding", "benefits_risks"), ("questions", "questions"), ("values.", "questions"),
    ("sure", "questions"), ("decision.option_id", "options"), ("decision.", "decision"),
    ("signatures", "review"), ("clinician.", "review"),
)


def step_of_field(field: str) -> str:
    for prefix, step in _FIELD_STEPS:
        if field.startswith(prefix):
            return step
    return "review"


def required_signers(consult: Consult) -> tuple[SignerRole, ...]:
    """Who must sign: the decider, the clinician, and the interpreter and witness when present."""
    parts = consult.participants
    roles = [SignerRole.REPRESENTATIVE if parts.decider is Decider.REPRESENTATIVE
             else SignerRole.PATIENT, SignerRole.CLINICIAN]
    if parts.interpreter is not None:
        roles.append(SignerRole.INTERPRETER)
    if parts.witness is not None:
        roles.append(SignerRole.WITNESS)
    return tuple(roles)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing(step: str, pairs: list[tuple[str, object, str]]) -> list[OpenItem]:
    return [OpenItem(step, field, message) for field, value, message in pairs if _blank(value)]


def _patient(c: Consult, pack: Pack) -> list[OpenItem]:
    return _missing("patient", [
        ("patient.name", c.patient.name, "Enter the patient's name."),
    ])


def _condition(c: Consult, pack: Pack) -> list[OpenItem]:
    k = c.condition
    return _missing("condition", [
        ("condition.diagnosis", k.diagnosis, "Choose or type the diagnosis."),
        ("condition.pain_location", k.pain_location, "Enter where the pain is."),
        ("condition.pain_duration_months", k.pain_duration_months,
         "Enter how long the pain has lasted."),
        ("condition.pain_now", k.pain_now, "Ask for the pain score now (0–10)."),
        ("condition.pain_average", k.pain_average, "Ask for the average pain score (0–10)."),
        ("condition.pain_worst", k.pain_worst, "Ask for the worst pain score (0–10)."),
        ("condition.interference", k.interference,
         "Ask how much pain interferes with daily life (0–10)."),
    ])


def _blocks_consent(c: Consult) -> bool:
    """Whether an open discussion point blocks signing: when the patient goes ahead with a
    trial, or has not decided yet."""
    return c.decision.choice in (None, DecisionChoice.GO_AHEAD_TRIAL)


def prompt_start(prompt: str, max_words: int = 6) -> str:
    """The first words of a red-flag prompt, to name it in a list or to a screen reader.

    Cut at the first colon or full stop, or before an aside in brackets, when that comes early
    ("Takes anticoagulants…"), else after ``max_words`` words; "…" marks the cut.
    """
    words = prompt.split()
    start: list[str] = []
    for word in words[:max_words]:
        if word.startswith("(") and start:
            break
        if word.endswith((":", ".", ";")):
            start.append(word.rstrip(":.;"))
            break
        start.append(word)
    text = " ".join(start).rstrip(",")
    return text if text == " ".join(words) else text + "…"


def red_flag_discussed(c: Consult, flag_id: str) -> bool:
    return c.red_flags_discussed.get(flag_id, False)


def _history(c: Consult, pack: Pack) -> list[OpenItem]:
    items = [OpenItem("history", f"history.{name}.present",
                      f"Ask about: {in_sentence(HISTORY_LABELS[name])}.")
             for name in HISTORY_FINDINGS if c.history.finding(name).present is None]
    if c.history.psych_evaluation is None:
        items.append(OpenItem("history", "history.psych_evaluation",
                              "Record whether a psychological evaluation was done."))
    # A raised red flag asks for a conversation, not a verdict: what stays open is only that
    # the conversation is not yet recorded. Like teach-back, it blocks consent to a trial.
    blocks = _blocks_consent(c)
    items += [OpenItem("history", f"red_flags_discussed.{flag.id}",
                       f"Discuss: {prompt_start(flag.prompt)}", blocks)
              for flag in pack.raised_red_flags(c.facts())
              if not red_flag_discussed(c, flag.id)]
    return items


def _lifestyle(c: Consult, pack: Pack) -> list[OpenItem]:
    k = c.lifestyle
    return _missing("lifestyle", [
        ("lifestyle.goals", k.goals, "Write down what the patient wants to be able to do again."),
        ("lifestyle.home_support", k.home_support, "Ask who supports the patient at home."),
        ("lifestyle.travel_minutes", k.travel_minutes,
         "Ask how long the trip to the clinic takes (refills, follow-up)."),
    ])


def _options(c: Consult, pack: Pack) -> list[OpenItem]:
    if c.decision.choice is DecisionChoice.GO_AHEAD_TRIAL and not c.decision.option_id:
        return [OpenItem("options", "decision.option_id",
                         "The patient goes ahead with a trial: mark which option.")]
    return []


def _benefits_risks(c: Consult, pack: Pack) -> list[OpenItem]:
    """Items not yet discussed and understood.

    They block signing when the patient goes ahead (or has not decided): consent to a trial
    needs every benefit and risk understood. When the patient declines, waits or needs more
    information, the summary may record them as still open, so the discussion so far can be
    signed.
    """
    blocks = _blocks_consent(c)
    items: list[OpenItem] = []
    for item in pack.items():
        record = c.understanding.get(item.id)
        field = f"understanding.{item.id}"
        if record is None or not record.discussed:
            items.append(OpenItem("benefits_risks", field, f"Not discussed yet: {item.title}.",
                                  blocks))
        elif record.is_open:
            level = record.level.label.lower() if record.level else "not checked"
            items.append(OpenItem("benefits_risks", field,
                                  f"Not yet understood ({level}): {item.title}.", blocks))
    return items


def _questions(c: Consult, pack: Pack) -> list[OpenItem]:
    items = [OpenItem("questions", f"questions[{i}].answer",
                      f"Question {i + 1} has no answer yet.")
             for i, q in enumerate(c.questions) if q.question.strip() and not q.answer.strip()]
    items += _missing("questions", [
        ("values.what_matters_most", c.values.what_matters_most,
         "Ask what matters most to the patient."),
    ])
    if not c.sure.complete:
        items.append(OpenItem("questions", "sure", "Finish the SURE test (four yes/no questions)."))
    return items


def _decision(c: Consult, pack: Pack) -> list[OpenItem]:
    d = c.decision
    items = _missing("decision", [
        ("decision.choice", d.choice, "Record the decision."),
        ("decision.next_steps", d.next_steps, "Write down the next steps."),
    ])
    if d.follow_up is None and d.choice is not DecisionChoice.DECLINE:
        items.append(OpenItem("decision", "decision.follow_up", "Set a follow-up date."))
    return items


def _review(c: Consult, pack: Pack) -> list[OpenItem]:
    signed = {s.role for s in c.signatures if s.strokes}
    return [OpenItem("review", f"signatures.{role.value}", f"Signature missing: {role.label}.")
            for role in required_signers(c) if role not in signed]


_RULES: dict[str, Callable[[Consult, Pack], list[OpenItem]]] = {
    "patient": _patient, "condition": _condition, "history": _history, "lifestyle": _lifestyle,
    "options": _options, "benefits_risks": _benefits_risks, "questions": _questions,
    "decision": _decision, "review": _review,
}


def problem_items(problems: list[Problem]) -> list[OpenItem]:
    return [OpenItem(step_of_field(p.field), p.field, p.message) for p in problems]


def open_items(consult: Consult, pack: Pack) -> list[OpenItem]:
    """Everything missing, open or wrong, in step order (rule problems first within a step)."""
    wrong = problem_items(consult.problems())
    result: list[OpenItem] = []
    for step in STEP_IDS:
        result += [o for o in wrong if o.step_id == step]
        seen = {o.field for o in result}
        result += [o for o in _RULES[step](consult, pack) if o.field not in seen]
    return result


def blocking_items(consult: Consult, pack: Pack) -> list[OpenItem]:
    """The open items that must be closed before the consult can be signed."""
    return [o for o in open_items(consult, pack) if o.blocks_signing]


def _started(consult: Consult, pack: Pack, step_id: str) -> bool:
    c = consult
    match step_id:
        case "patient":
            return True  # a consult always starts from an identified patient
        case "condition":
            k = c.condition
            return any(not _blank(v) for v in (
                k.diagnosis, k.pain_location, k.pain_duration_months, k.pain_now,
                k.pain_average, k.pain_worst, k.interference, k.function_notes,
                k.current_medicines, k.opioid_mme_per_day)) or bool(k.treatments_tried)
        case "history":
            return (any(c.history.finding(n).present is not None for n in HISTORY_FINDINGS)
                    or c.history.psych_evaluation is not None or bool(c.history.comorbidities))
        case "lifestyle":
            k2 = c.lifestyle
            return any(not _blank(v) for v in (k2.work, k2.activity, k2.goals, k2.home_support,
                                               k2.travel_minutes))
        case "options":
            return bool(c.decision.option_id) or c.decision.choice is not None
        case "benefits_risks":
            return any(u.discussed or u.level is not None for u in c.understanding.values())
        case "questions":
            return (bool(c.questions) or bool(c.values.what_matters_most.strip())
                    or any(a is not None for a in (c.sure.sure, c.sure.understand,
                                                   c.sure.risks_benefits_clear, c.sure.support)))
        case "decision":
            d = c.decision
            return d.choice is not None or bool(d.next_steps.strip()) or d.follow_up is not None
        case "review":
            return bool(c.signatures) or c.status is not ConsultStatus.DRAFT
    raise KeyError(step_id)


def step_state(consult: Consult, pack: Pack, step_id: str) -> StepState:
    """Not started (nothing entered), incomplete (something open or wrong) or done."""
    if step_id not in _RULES:
        raise KeyError(step_id)
    if consult.is_locked:
        return StepState.DONE
    if not _started(consult, pack, step_id):
        return StepState.NOT_STARTED
    if any(o.step_id == step_id for o in open_items(consult, pack)):
        return StepState.INCOMPLETE
    return StepState.DONE
