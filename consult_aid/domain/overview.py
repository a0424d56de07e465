"""The whole consult as labelled rows, section by section: what the review step shows on one
page. Plain text only — the window escapes it and lays it out; ``None`` is "not recorded"."""

from __future__ import annotations

from dataclasses import dataclass

from consult_aid.domain.consult import HISTORY_FINDINGS, Consult
from consult_aid.domain.labels import HISTORY_LABELS
from consult_aid.domain.participants import Decider
from consult_aid.domain.step_rules import PackContent, consult_items

Row = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    rows: tuple[Row, ...]


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # "120", as the PDF writes it, never "120.0"
    return str(value)


def _section(title: str, rows: list[tuple[str, object]]) -> Section:
    return Section(title, tuple((label, _text(value)) for label, value in rows))


def overview(consult: Consult, pack: PackContent) -> list[Section]:
    c = consult
    parts = c.participants
    rep = parts.representative
    who = ("the patient" if parts.decider is Decider.PATIENT else
           f"representative: {rep.name if rep else ''} ({rep.relationship if rep else ''})")
    people: list[tuple[str, object]] = [
        ("Patient", f"{c.patient.name}, {c.patient.date_of_birth:%Y-%m-%d}"),
        ("Who decides", who), ("Clinician", c.clinician.name)]
    if parts.interpreter:
        i = parts.interpreter
        people.append(("Interpreter", f"{i.name} {i.identifier} ({i.language})".strip()))
    if parts.witness:
        people.append(("Witness", parts.witness.name))
    k = c.condition
    scores = " / ".join("–" if v is None else str(v) for v in
                        (k.pain_now, k.pain_average, k.pain_worst))
    condition: list[tuple[str, object]] = [
        ("Diagnosis", k.diagnosis),
        *((m.label, k.measures.get(m.id)) for m in getattr(pack, "measures", ())),
        ("Where", k.pain_location),
        ("Months", k.pain_duration_months), ("Pain now / average / worst", scores),
        ("Interference", k.interference), ("Medicines", k.current_medicines),
        ("Opioid dose", None if k.opioid_mme_per_day is None
         else f"{_text(k.opioid_mme_per_day)} mg oral morphine equivalent a day")]
    history: list[tuple[str, object]] = []
    for name in HISTORY_FINDINGS:
        f = c.history.finding(name)
        answer = None if f.present is None else ("Yes" if f.present else "No")
        if answer and f.details:
            answer += f" — {f.details}"
        history.append((HISTORY_LABELS[name], answer))
    flags = pack.raised_red_flags(c.facts())
    if flags:
        history.append(("Prompts to discuss", "\n".join(
            f"• {f.prompt} — "
            + ("discussed" if c.red_flags_discussed.get(f.id) else "not yet discussed")
            for f in flags)))
    life = c.lifestyle
    lifestyle: list[tuple[str, object]] = [
        ("Goals", life.goals), ("Work", life.work), ("Support at home", life.home_support),
        ("Travel (minutes)", life.travel_minutes)]
    understood: list[tuple[str, object]] = []
    for item in consult_items(c, pack):
        u = c.understanding.get(item.id)
        if u is None or not u.discussed:
            state = "not discussed"
        else:
            state = u.level.label if u.level else "discussed, not checked"
            if u.patient_words:
                state += f" — “{u.patient_words}”"
        understood.append((item.title, state))
    options = {o.id: o.name for o in pack.options}
    sure = c.sure.score
    values: list[tuple[str, object]] = [
        ("What matters most", c.values.what_matters_most),
        ("SURE score", None if sure is None else f"{sure} / 4"),
        *[(q.question, q.answer) for q in c.questions]]
    d = c.decision
    decision: list[tuple[str, object]] = [
        ("Decision", d.choice.label if d.choice else None),
        ("Option", options.get(d.option_id)), ("Next steps", d.next_steps),
        ("Follow-up", d.follow_up)]
    return [
        _section("Participants", people), _section("Condition", condition),
        _section("History", history), _section("Lifestyle", lifestyle),
        _section("Benefits and risks: understanding", understood),
        _section("Questions and values", values), _section("Decision", decision),
    ]
