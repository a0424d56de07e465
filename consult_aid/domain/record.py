"""The decision record: what was decided, by whom, on what footing, and what happens next.

One source for page 1 of the summary PDF and the top of the window's review step, so the two
never drift apart. Plain text only (the PDF escapes it, the window shows it as plain text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from consult_aid.domain.consult import (
    NO_RECOMMENDATION,
    Consult,
    ConsultStatus,
    DecisionChoice,
)
from consult_aid.domain.dates import day, moment
from consult_aid.domain.labels import DECISION_LABELS, SCOPE_LABELS
from consult_aid.domain.participants import Decider
from consult_aid.domain.step_rules import PackContent, chosen_option, consult_items
from consult_aid.domain.steps import open_items
from consult_aid.domain.teachback import TeachBackTally, tally

NOT_RECORDED = "Not recorded"


class RecordPack(PackContent, Protocol):
    @property
    def title(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One labelled line. ``words``: the value is someone's own words (shown in quotes);
    ``attention``: the reader should look (an open point, possible decisional conflict)."""

    label: str
    value: str
    words: bool = False
    attention: bool = False


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    who: tuple[RecordLine, ...]  # patient, clinician, when, procedure
    decision: tuple[RecordLine, ...]  # what was decided, on what footing, what happens next
    open_points: tuple[str, ...]  # still open (in a signed record: left open by decision)
    teach_back: TeachBackTally
    signed: bool


def decision_record(consult: Consult, pack: RecordPack) -> DecisionRecord:
    c = consult
    p, k = c.patient, c.clinician
    born = f"{day(p.date_of_birth)} (age {p.age_on(c.created_at.date())})"
    who = [RecordLine("Patient", p.name),
           RecordLine("Date of birth", born),
           RecordLine("Medical record number", p.mrn or NOT_RECORDED)]
    clinician = ", ".join(x for x in (k.name, k.credentials) if x)
    if k.registration:
        clinician += f" (registration {k.registration})"
    who.append(RecordLine("Clinician", clinician + (f" · {k.clinic}" if k.clinic else "")))
    who.append(RecordLine("Consult", moment(c.created_at)))
    who.append(RecordLine("Procedure", f"{pack.title} · pack {c.pack.id}, version "
                                       f"{c.pack.version}"))
    who.append(RecordLine("Digitally signed and archived",
                          moment(c.signed_at) if c.status is not ConsultStatus.DRAFT and
                          c.signed_at else "Not signed: this is a draft", attention=not
                          (c.status is not ConsultStatus.DRAFT and c.signed_at)))

    d = c.decision
    option = chosen_option(c, pack)
    decided = DECISION_LABELS[d.choice] if d.choice else NOT_RECORDED
    if option is not None:
        decided += f": {option.name}"
    lines = [RecordLine("Decision", decided, attention=d.choice is None)]
    going_ahead = d.choice is DecisionChoice.GO_AHEAD_TRIAL
    if going_ahead and option is not None and option.has_trial:
        lines.append(RecordLine("What going ahead covers",
                                SCOPE_LABELS[d.scope] if d.scope else NOT_RECORDED,
                                attention=d.scope is None))
    if going_ahead and option is not None and option.medicines:
        lines.append(RecordLine("Planned medicine", d.medicine or NOT_RECORDED,
                                attention=not d.medicine.strip()))
    lines.append(RecordLine("Clinician's recommendation", _recommendation(c, pack),
                            attention=not d.recommendation.strip()))
    parts = c.participants
    if parts.decider is Decider.REPRESENTATIVE and parts.representative is not None:
        rep = parts.representative
        decider = (f"{rep.name} ({rep.relationship or 'relationship not recorded'}), the "
                   "patient's legally authorised representative")
    else:
        decider = "The patient"
    lines.append(RecordLine("Decided by", decider))
    matters = c.values.what_matters_most.strip()
    lines.append(RecordLine("What matters most to the patient", matters or NOT_RECORDED,
                            words=bool(matters)))
    lines.append(_sure_line(c))
    given = [f"{h.title} (version {h.version}), "
             f"{'printed' if h.printed else 'given'} {moment(h.given_at)}"
             for h in c.handouts_given]
    lines.append(RecordLine("Handouts given", "\n".join(given) or "None recorded",
                            attention=not given))
    lines.append(RecordLine("Next steps", d.next_steps.strip() or NOT_RECORDED))
    lines.append(RecordLine("Follow-up", day(d.follow_up) if d.follow_up else "None set"))
    if d.notes.strip():
        lines.append(RecordLine("Notes", d.notes.strip()))

    still_open = tuple(o.message for o in open_items(c, pack) if o.step_id != "review")
    records = [c.understanding.get(i.id) for i in consult_items(c, pack)]
    return DecisionRecord(tuple(who), tuple(lines), still_open, tally(records),
                          c.status is not ConsultStatus.DRAFT)


def _recommendation(c: Consult, pack: RecordPack) -> str:
    d = c.decision
    if not d.recommendation.strip():
        return NOT_RECORDED
    if d.recommendation == NO_RECOMMENDATION:
        text = "No recommendation"
    else:
        names = {o.id: o.name for o in pack.options}
        text = names.get(d.recommendation, f"{d.recommendation} (not in this pack version)")
    reason = d.recommendation_reason.strip()
    return f"{text}. Reason: {reason}" if reason else text


def _sure_line(c: Consult) -> RecordLine:
    score = c.sure.score
    if score is None:
        return RecordLine("SURE test", "Not complete", attention=True)
    if not c.sure.decisional_conflict:
        return RecordLine("SURE test", f"{score} of 4: no sign of decisional conflict")
    addressed = c.decision.conflict_addressed.strip()
    return RecordLine("SURE test", f"{score} of 4: possible decisional conflict. How it was "
                                   f"addressed: {addressed or NOT_RECORDED}", attention=True)
