"""The whole consult as one readable page of HTML for the review step (user text escaped)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication

from consult_aid.content.model import Pack
from consult_aid.domain import Consult, Decider
from consult_aid.domain.consult import HISTORY_FINDINGS
from consult_aid.domain.labels import HISTORY_LABELS


def tr(text: str) -> str:
    return QCoreApplication.translate("Summary", text)


def _text(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"<span style='color:#6b7280'>{escape(tr('not recorded'))}</span>"
    return escape(str(value)).replace("\n", "<br/>")


def _section(title: str, rows: list[tuple[str, object]]) -> str:
    body = "".join(
        f"<tr><td style='padding:2px 12px 2px 0; color:#374151; vertical-align:top'>"
        f"{escape(label)}</td><td style='padding:2px 0; vertical-align:top'>{_text(value)}</td>"
        f"</tr>" for label, value in rows)
    return f"<h3 style='margin-bottom:2px'>{escape(title)}</h3><table>{body}</table>"


def summary_html(consult: Consult, pack: Pack) -> str:
    c = consult
    parts = c.participants
    who = (tr("the patient") if parts.decider is Decider.PATIENT else
           tr("representative: {name} ({rel})").format(
               name=parts.representative.name if parts.representative else "",
               rel=parts.representative.relationship if parts.representative else ""))
    people = [(tr("Patient"), f"{c.patient.name}, {c.patient.date_of_birth:%Y-%m-%d}"),
              (tr("Who decides"), who), (tr("Clinician"), c.clinician.name)]
    if parts.interpreter:
        people.append((tr("Interpreter"), f"{parts.interpreter.name} "
                       f"{parts.interpreter.identifier} ({parts.interpreter.language})".strip()))
    if parts.witness:
        people.append((tr("Witness"), parts.witness.name))
    k = c.condition
    scores = " / ".join("–" if v is None else str(v) for v in
                        (k.pain_now, k.pain_average, k.pain_worst))
    condition = [(tr("Diagnosis"), k.diagnosis), (tr("Where"), k.pain_location),
                 (tr("Months"), k.pain_duration_months),
                 (tr("Pain now / average / worst"), scores),
                 (tr("Interference"), k.interference),
                 (tr("Medicines"), k.current_medicines),
                 (tr("Opioid mg MME/day"), k.opioid_mme_per_day)]
    history = []
    for name in HISTORY_FINDINGS:
        f = c.history.finding(name)
        answer = None if f.present is None else (tr("Yes") if f.present else tr("No"))
        if answer and f.details:
            answer += f" — {f.details}"
        history.append((tr(HISTORY_LABELS[name]), answer))
    flags = pack.raised_red_flags(c.facts())
    if flags:
        history.append((tr("Prompts to discuss"), "\n".join(
            f"• {f.prompt} — "
            + (tr("discussed") if c.red_flags_discussed.get(f.id) else tr("not yet discussed"))
            for f in flags)))
    life = c.lifestyle
    lifestyle = [(tr("Goals"), life.goals), (tr("Work"), life.work),
                 (tr("Support at home"), life.home_support),
                 (tr("Travel (minutes)"), life.travel_minutes)]
    understood = []
    for item in pack.items():
        u = c.understanding.get(item.id)
        if u is None or not u.discussed:
            state = tr("not discussed")
        else:
            state = u.level.label if u.level else tr("discussed, not checked")
            if u.patient_words:
                state += f" — “{u.patient_words}”"
        understood.append((item.title, state))
    options = {o.id: o.name for o in pack.options}
    sure = c.sure.score
    values = [(tr("What matters most"), c.values.what_matters_most),
              (tr("SURE score"), None if sure is None else f"{sure} / 4"),
              *[(q.question, q.answer) for q in c.questions]]
    d = c.decision
    decision = [(tr("Decision"), d.choice.label if d.choice else None),
                (tr("Option"), options.get(d.option_id)), (tr("Next steps"), d.next_steps),
                (tr("Follow-up"), d.follow_up)]
    return "".join([
        _section(tr("Participants"), people), _section(tr("Condition"), condition),
        _section(tr("History"), history), _section(tr("Lifestyle"), lifestyle),
        _section(tr("Benefits and risks: understanding"), understood),
        _section(tr("Questions and values"), values), _section(tr("Decision"), decision),
    ])
