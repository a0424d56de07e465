"""The rules of each consult step: what is still missing or open, and when it counts as started.

Each function takes the consult and the pack's content (:class:`PackContent`, which the
content package's ``Pack`` satisfies) and is named in the step's declaration in
:mod:`consult_aid.domain.steps`; nothing else calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from consult_aid.domain.consult import (
    HISTORY_FINDINGS,
    NO_RECOMMENDATION,
    Consult,
    ConsultStatus,
    DecisionChoice,
)
from consult_aid.domain.labels import HISTORY_LABELS, in_sentence
from consult_aid.domain.signers import required_signers


class PackItem(Protocol):
    """A benefit or risk of a pack, as the rules see it."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...


class PackRedFlag(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def prompt(self) -> str: ...


class PackOption(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def has_trial(self) -> bool: ...  # a trial, then a separate implant

    @property
    def medicines(self) -> Sequence[str]: ...  # what can be planned; empty: no medicine


class PackMeasure(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def required(self) -> bool: ...


class PackContent(Protocol):
    """What the domain needs from a procedure pack (content's ``Pack`` provides it)."""

    @property
    def options(self) -> Sequence[PackOption]: ...

    @property
    def measures(self) -> Sequence[PackMeasure]: ...  # the pack's own condition measures

    @property
    def pain_scores_required(self) -> bool: ...

    def items(self) -> Sequence[PackItem]: ...

    def items_for(self, diagnosis_id: str,
                  medicine: str | None = None) -> Sequence[PackItem]: ...

    def raised_red_flags(self, facts: dict[str, object]) -> Sequence[PackRedFlag]: ...


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One thing still to do: ``field`` is a dotted path like ``condition.pain_now``.

    ``step_id`` is filled in from the step's declaration (:func:`consult_aid.domain.steps.
    open_items`); a rule never names its own step.
    """

    field: str
    message: str
    blocks_signing: bool = True
    step_id: str = ""


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing(pairs: list[tuple[str, object, str]]) -> list[OpenItem]:
    return [OpenItem(field, message) for field, value, message in pairs if blank(value)]


def consult_items(c: Consult, pack: PackContent) -> list[PackItem]:
    """The benefits, risks and what-to-expect items this consult is about, in pack order.

    Items for other diagnoses than the recorded one are left out (an unlisted, typed-in
    diagnosis keeps them all); medicine-specific items count once the patient goes ahead with
    a plan that names the medicine. Any item already discussed stays, so the record keeps
    what was said.
    """
    d = c.decision
    planned = d.medicine if d.choice is DecisionChoice.GO_AHEAD_TRIAL else ""
    wanted = {i.id for i in pack.items_for(c.condition.diagnosis_id, planned)}
    discussed = {k for k, u in c.understanding.items() if u.discussed}
    return [i for i in pack.items() if i.id in wanted or i.id in discussed]


def blocks_consent(c: Consult) -> bool:
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


# --- what is open, step by step ----------------------------------------------------------------
def patient_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    return _missing([
        ("patient.name", c.patient.name, "Enter the patient's name."),
    ])


def condition_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    """The diagnosis; the pain and its scores unless the pack makes them optional (a
    spasticity consult); and each measure the pack requires (tone, spasms, goals)."""
    k = c.condition
    items = _missing([("condition.diagnosis", k.diagnosis, "Choose or type the diagnosis.")])
    if getattr(pack, "pain_scores_required", True):
        items += _missing([
            ("condition.pain_location", k.pain_location, "Enter where the pain is."),
            ("condition.pain_duration_months", k.pain_duration_months,
             "Enter how long the pain has lasted."),
            ("condition.pain_now", k.pain_now, "Ask for the pain score now (0–10)."),
            ("condition.pain_average", k.pain_average,
             "Ask for the average pain score (0–10)."),
            ("condition.pain_worst", k.pain_worst, "Ask for the worst pain score (0–10)."),
            ("condition.interference", k.interference,
             "Ask how much pain interferes with daily life (0–10)."),
        ])
    items += [OpenItem(f"condition.measures.{m.id}", f"Record: {m.label}.")
              for m in getattr(pack, "measures", ())
              if m.required and not k.measures.get(m.id, "").strip()]
    return items


def history_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    items = [OpenItem(f"history.{name}.present",
                      f"Ask about: {in_sentence(HISTORY_LABELS[name])}.")
             for name in HISTORY_FINDINGS if c.history.finding(name).present is None]
    if c.history.psych_evaluation is None:
        items.append(OpenItem("history.psych_evaluation",
                              "Record whether a psychological evaluation was done."))
    # A raised red flag asks for a conversation, not a verdict: what stays open is only that
    # the conversation is not yet recorded. Like teach-back, it blocks consent to a trial.
    blocks = blocks_consent(c)
    items += [OpenItem(f"red_flags_discussed.{flag.id}",
                       f"Discuss: {prompt_start(flag.prompt)}", blocks)
              for flag in pack.raised_red_flags(c.facts())
              if not red_flag_discussed(c, flag.id)]
    return items


def lifestyle_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    k = c.lifestyle
    return _missing([
        ("lifestyle.goals", k.goals, "Write down what the patient wants to be able to do again."),
        ("lifestyle.home_support", k.home_support, "Ask who supports the patient at home."),
        ("lifestyle.travel_minutes", k.travel_minutes,
         "Ask how long the trip to the clinic takes (refills, follow-up)."),
    ])


def options_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    if c.decision.choice is DecisionChoice.GO_AHEAD_TRIAL and not c.decision.option_id:
        return [OpenItem("decision.option_id",
                         "The patient goes ahead with a trial: mark which option.")]
    return []


def benefits_risks_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    """Items not yet discussed and understood.

    They block signing when the patient goes ahead (or has not decided): consent to a trial
    needs every benefit and risk understood. When the patient declines, waits or needs more
    information, the summary may record them as still open, so the discussion so far can be
    signed.
    """
    blocks = blocks_consent(c)
    items: list[OpenItem] = []
    for item in consult_items(c, pack):
        record = c.understanding.get(item.id)
        field = f"understanding.{item.id}"
        if record is None or not record.discussed:
            items.append(OpenItem(field, f"Not discussed yet: {item.title}.",
                                  blocks))
        elif record.is_open:
            level = record.level.label.lower() if record.level else "not checked"
            items.append(OpenItem(field,
                                  f"Not yet understood ({level}): {item.title}.", blocks))
    return items


def questions_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    items = [OpenItem(f"questions[{i}].answer",
                      f"Question {i + 1} has no answer yet.")
             for i, q in enumerate(c.questions) if q.question.strip() and not q.answer.strip()]
    items += _missing([
        ("values.what_matters_most", c.values.what_matters_most,
         "Ask what matters most to the patient."),
    ])
    if not c.sure.complete:
        items.append(OpenItem("sure", "Finish the SURE test (four yes/no questions)."))
    return items


def decision_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    d = c.decision
    items = _missing([
        ("decision.choice", d.choice, "Record the decision."),
        ("decision.next_steps", d.next_steps, "Write down the next steps."),
    ])
    if d.follow_up is None and d.choice is not DecisionChoice.DECLINE:
        items.append(OpenItem("decision.follow_up", "Set a follow-up date."))
    chosen = chosen_option(c, pack)
    if d.choice is DecisionChoice.GO_AHEAD_TRIAL and chosen is not None:
        if chosen.has_trial and d.scope is None:
            items.append(OpenItem("decision.scope", "Record what going ahead covers: the "
                                  "trial only, or the trial and then the implant."))
        if chosen.medicines and not d.medicine.strip():
            items.append(OpenItem("decision.medicine", "Record the planned medicine."))
    if not d.recommendation.strip():
        items.append(OpenItem("decision.recommendation", "Record your recommendation (or "
                              "that you made none)."))
    elif d.recommendation != NO_RECOMMENDATION and not d.recommendation_reason.strip():
        items.append(OpenItem("decision.recommendation_reason",
                              "Give the reason for your recommendation."))
    if c.sure.decisional_conflict and not d.conflict_addressed.strip():
        items.append(OpenItem("decision.conflict_addressed", "The SURE score suggests "
                              "decisional conflict: record how it was addressed."))
    return items


def chosen_option(c: Consult, pack: PackContent) -> PackOption | None:
    """The pack option the patient prefers, or None (none marked, or not in this pack)."""
    for option in pack.options:
        if option.id == c.decision.option_id:
            return option
    return None


def review_open(c: Consult, pack: PackContent) -> list[OpenItem]:
    signed = {s.role for s in c.signatures if s.strokes}
    return [OpenItem(f"signatures.{role.value}", f"Signature missing: {role.label}.")
            for role in required_signers(c) if role not in signed]


# --- when a step counts as started -------------------------------------------------------------
def always_started(c: Consult) -> bool:
    return True  # a consult always starts from an identified patient


def condition_started(c: Consult) -> bool:
    k = c.condition
    return any(not blank(v) for v in (
        k.diagnosis, k.pain_location, k.pain_duration_months, k.pain_now, k.pain_average,
        k.pain_worst, k.interference, k.function_notes, k.current_medicines,
        k.opioid_mme_per_day)) or bool(k.treatments_tried)


def history_started(c: Consult) -> bool:
    return (any(c.history.finding(n).present is not None for n in HISTORY_FINDINGS)
            or c.history.psych_evaluation is not None or bool(c.history.comorbidities))


def lifestyle_started(c: Consult) -> bool:
    k = c.lifestyle
    return any(not blank(v) for v in (k.work, k.activity, k.goals, k.home_support,
                                      k.travel_minutes))


def options_started(c: Consult) -> bool:
    return bool(c.decision.option_id) or c.decision.choice is not None


def benefits_risks_started(c: Consult) -> bool:
    return any(u.discussed or u.level is not None for u in c.understanding.values())


def questions_started(c: Consult) -> bool:
    s = c.sure
    return (bool(c.questions) or bool(c.values.what_matters_most.strip())
            or any(a is not None for a in (s.sure, s.understand, s.risks_benefits_clear,
                                           s.support)))


def decision_started(c: Consult) -> bool:
    d = c.decision
    return d.choice is not None or bool(d.next_steps.strip()) or d.follow_up is not None


def review_started(c: Consult) -> bool:
    return bool(c.signatures) or c.status is not ConsultStatus.DRAFT
