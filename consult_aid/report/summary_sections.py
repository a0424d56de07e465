"""The sections of the consult summary, in reading order. Every user string goes via story.lit."""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from consult_aid.content.model import Item, ItemKind, Pack
from consult_aid.domain import (
    Consult,
    ConsultStatus,
    Decider,
    DecisionChoice,
    Signature,
    TeachBack,
)
from consult_aid.domain.consult import HISTORY_FINDINGS
from consult_aid.domain.labels import (
    DECISION_ROLE_LABELS,
    HISTORY_LABELS,
    PSYCH_EVALUATION_LABELS,
    SURE_QUESTIONS,
)
from consult_aid.exchange.consult_json import record_fingerprint
from consult_aid.report.blocks import Story
from consult_aid.report.flowables import IconArray, SignatureDrawing
from consult_aid.report.styles import (
    BENEFIT,
    BENEFIT_RANGE,
    MUTED,
    RISK,
    RISK_RANGE,
    RULE,
    table_style,
)
from consult_aid.report.wording import day, frequency, moment, per_hundred, yes_no

ICON_SIZE = 84.0
SHORT_TEXT = 700  # teach-back text this short stays beside the icon array, longer flows below


def title(story: Story, consult: Consult, pack: Pack) -> None:
    s = story.s
    story.add(story.para("Informed-decision consult summary", s.title))
    state = ("Draft — not signed" if consult.status is ConsultStatus.DRAFT
             else consult.status.label)
    story.add(story.para(f"{story.lit(pack.title)} · consult of {day(consult.created_at.date())}"
                         f" · {state}", s.subtitle))
    if consult.status is ConsultStatus.DRAFT:
        story.callout("<b>Draft.</b> This copy is not signed and is not the record of the "
                      "consult. The signed summary replaces it.")
        story.gap(6)
    story.add(story.para(f"<b>The decision:</b> {story.lit(pack.decision)}", s.big))


def participants(story: Story, consult: Consult) -> None:
    story.heading("Who took part")
    p, c, parts = consult.patient, consult.clinician, consult.participants
    age = p.age_on(consult.created_at.date())
    rows = [
        ("Patient", f"<b>{story.lit(p.name)}</b>"),
        ("Date of birth", f"{day(p.date_of_birth)} (age {age} at the consult)"),
    ]
    if p.mrn:
        rows.append(("Medical record number", story.lit(p.mrn)))
    if parts.decider is Decider.REPRESENTATIVE and parts.representative is not None:
        rep = parts.representative
        rows.append(("Decision made by", f"{story.lit(rep.name)} "
                     f"({story.lit(rep.relationship) or 'relationship not given'}), the "
                     "patient's legally authorised representative"))
    else:
        rows.append(("Decision made by", "The patient"))
    if parts.interpreter is not None:
        i = parts.interpreter
        who = story.lit(i.name) or "Name not given"
        if i.identifier:
            who += f" (ID {story.lit(i.identifier)})"
        rows.append(("Interpreter", f"{who}; language: {story.lit(i.language)}"))
    if parts.witness is not None:
        w = parts.witness
        rows.append(("Witness", story.lit(w.name)
                     + (f" ({story.lit(w.relationship)})" if w.relationship else "")))
    clinician = f"<b>{story.lit(c.name)}</b>"
    if c.credentials:
        clinician += f", {story.lit(c.credentials)}"
    if c.registration:
        clinician += f" · registration {story.lit(c.registration)}"
    rows.append(("Clinician", clinician))
    if c.clinic or c.clinic_phone:
        rows.append(("Clinic", story.lit(c.clinic)
                     + (f" · phone {story.lit(c.clinic_phone)}" if c.clinic_phone else "")))
    rows.append(("Consult started", moment(consult.created_at)))
    story.fields(rows)


def condition(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("The condition")
    k = consult.condition
    rows = [("Diagnosis", story.lit(k.diagnosis))]
    described = {c.id: c for c in pack.conditions}.get(k.diagnosis_id)
    if described is not None:
        rows.append(("In plain words", story.lit(described.description)
                     + _refs(pack, described.references)))
    rows += [
        ("Where the pain is", story.lit(k.pain_location)),
        ("How long", _months(k.pain_duration_months)),
        ("Pain scores (0–10)", f"now {_score(k.pain_now)} · on average {_score(k.pain_average)}"
                               f" · at worst {_score(k.pain_worst)}"),
        ("Interference with daily life (0–10)", _score(k.interference)),
    ]
    if k.function_notes:
        rows.append(("Daily function", story.lit(k.function_notes)))
    if k.current_medicines:
        rows.append(("Current medicines", story.lit(k.current_medicines)))
    if k.opioid_mme_per_day is not None:
        rows.append(("Opioid dose", f"{k.opioid_mme_per_day:g} mg oral morphine equivalent "
                                    "a day"))
    story.fields(rows)
    if k.treatments_tried:
        story.subheading("Treatments tried")
        story.table(("Treatment", "Outcome"),
                    [(story.lit(t.treatment), story.lit(t.outcome)) for t in k.treatments_tried],
                    (0.4, 0.6))


def history(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("Health history")
    h = consult.history
    rows = []
    for name in HISTORY_FINDINGS:
        finding = h.finding(name)
        rows.append((HISTORY_LABELS[name], f"<b>{yes_no(finding.present)}</b>",
                     story.lit(finding.details)))
    story.table(("Question", "Answer", "Details"), rows, (0.42, 0.13, 0.45))
    extra = []
    if h.comorbidities:
        extra.append(("Other conditions", story.lit(h.comorbidities)))
    psych = (PSYCH_EVALUATION_LABELS[h.psych_evaluation] if h.psych_evaluation
             else "Not recorded")
    extra.append(("Psychological evaluation", (psych or "—")
                  + (f". {story.lit(h.psych_notes)}" if h.psych_notes else "")))
    story.gap(4)
    story.fields(extra)

    story.subheading("Points raised for discussion")
    raised = pack.raised_red_flags(consult.facts())
    if raised:
        story.muted("The pack raises these prompts from the answers above. They are points to "
                    "discuss, not a verdict.")
        story.bullets(story.lit(f.prompt) + _refs(pack, f.references) + " — "
                      + ("<b>discussed with the patient</b>"
                         if consult.red_flags_discussed.get(f.id, False)
                         else "<b>not recorded as discussed</b>")
                      for f in raised)
    else:
        story.body("None of the pack's prompts were raised by these answers.")

    if pack.checklist:
        story.subheading("Candidacy checklist")
        story.table(("Criterion", "Met"),
                    [(story.lit(item.text) + _refs(pack, item.references),
                      f"<b>{yes_no(consult.checklist.get(item.id), unknown='Not checked')}</b>")
                     for item in pack.checklist],
                    (0.82, 0.18))


def lifestyle(story: Story, consult: Consult) -> None:
    story.heading("Daily life and goals")
    k = consult.lifestyle
    story.fields([
        ("Goals, in the patient's words", story.quoted(k.goals) if k.goals.strip() else ""),
        ("Work", story.lit(k.work)),
        ("Activity", story.lit(k.activity)),
        ("Support at home", story.lit(k.home_support)),
        ("Travel to the clinic", "" if k.travel_minutes is None
         else f"{k.travel_minutes} minutes one way"),
    ])


def options(story: Story, consult: Consult, pack: Pack) -> None:
    """Each option's summary, then the comparison table; an option's own sources (for the
    figures in its summary, steps, living with it and answers) follow its summary and fill the
    table's last row, numbered as in the References section."""
    story.heading("The options compared")
    for option in pack.options:
        story.add(story.para(f"<b>{story.lit(option.name)}.</b> {story.lit(option.summary)}"
                             + _refs(pack, option.references)))
    if not pack.comparison:
        return
    story.add(CondPageBreak(220))
    story.gap(4)
    names = [f"<b>{story.lit(o.name)}</b>" for o in pack.options]
    count = max(len(pack.options), 1)
    question_share = 0.24 if count > 2 else 0.28
    widths = (question_share, *([(1 - question_share) / count] * count))
    rows = [[f"<b>{story.lit(q.question)}</b>",
             *(story.lit(o.answers.get(q.id, "")) for o in pack.options)]
            for q in pack.comparison]
    if any(o.references for o in pack.options):
        rows.append([f"<font color='{_hex(MUTED)}'>Sources</font>",
                     *(_refs(pack, o.references).strip() or "—" for o in pack.options)])
    story.table(("", *names), rows, widths)


def benefits_and_risks(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("Benefits and risks, and what the patient understood")
    items = pack.items()
    records = [consult.understanding.get(i.id) for i in items]
    understood = sum(1 for r in records if r is not None and not r.is_open)
    re_explained = sum(1 for r in records if r is not None and r.re_explained)
    story.body(f"Teach-back: <b>{understood} of {len(items)}</b> benefits and risks were "
               f"explained back correctly in the patient's own words"
               + (f"; {re_explained} needed explaining again" if re_explained else "") + ".")
    story.muted("Each figure below shows 100 people like the patient: the coloured ones are "
                "those expected to have the benefit or the risk. Lighter colour shows how many "
                "it could be at most. Teach-back checks the explanation, not the patient.")
    for option in pack.options:
        story.add(story.para(story.lit(option.name), story.s.option))
        for item in (*option.benefits, *option.risks):
            _item(story, consult, pack, item)


def _item(story: Story, consult: Consult, pack: Pack, item: Item) -> None:
    s = story.s
    risk = item.kind is ItemKind.RISK
    colour = RISK if risk else BENEFIT
    kind = "Risk" if risk else "Benefit"
    if item.severity:
        kind += f" · {item.severity}"
    kind = story.lit(kind.upper())  # upper-case first, then escape (never the other way)
    how_often = (f"<b>How often:</b> {story.lit(frequency(item.frequency))}"
                 if item.frequency is not None else
                 "<b>How often:</b> not quantified"
                 + (f". {story.lit(item.not_quantified_reason)}"
                    if item.not_quantified_reason else ""))
    left: list[Flowable] = [
        Paragraph(f"<b>{story.lit(item.title)}</b> &nbsp;<font color='{_hex(colour)}' "
                  f"size='8.5'>{kind}</font>", s.item),
        Paragraph(how_often, s.cell),
        Spacer(1, 2),
        Paragraph(story.lit(item.text), s.cell),
    ]
    if item.uncertainty or item.references:
        left.append(Paragraph(
            (f"How sure we are: {story.lit(item.uncertainty)}" if item.uncertainty else "")
            + _refs(pack, item.references), s.muted))
    teach_back = _teach_back(story, consult, item)
    short = sum(len(p.text) for p in teach_back if isinstance(p, Paragraph)) < SHORT_TEXT
    if short:
        left += [Spacer(1, 3), *teach_back]
    right: list[Flowable] = []
    if item.frequency is not None:
        f = item.frequency
        per100 = f.per_100
        high = None if f.high is None else 100.0 * f.high / f.denominator
        right = [IconArray(per100, up_to=high, size=ICON_SIZE, colour=colour,
                           range_colour=RISK_RANGE if risk else BENEFIT_RANGE),
                 Paragraph(per_hundred(per100), s.small)]
    table = Table([[left, right]], colWidths=[story.width - ICON_SIZE - 14, ICON_SIZE + 14])
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, -1), 10),
        ("LEFTPADDING", (1, 0), (1, -1), 12),
        ("TOPPADDING", (1, 0), (1, -1), 8),
        ("RIGHTPADDING", (1, 0), (1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    story.add(table)
    if not short:
        story.add(*teach_back)
    rule = Table([[""]], colWidths=[story.width], rowHeights=[6])
    rule.setStyle(table_style([("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE)]))
    story.add(rule)


def _teach_back(story: Story, consult: Consult, item: Item) -> list[Flowable]:
    """The teach-back result (outside the item's table so long words can split across pages)."""
    s = story.s
    record = consult.understanding.get(item.id)
    if record is None or not record.discussed:
        return [Paragraph("<b>Teach-back:</b> not discussed · <b>still open</b>", s.cell)]
    level = record.level.label if record.level else "not checked"
    mark = "✓ " if record.level is TeachBack.UNDERSTOOD else ""
    line = f"<b>Teach-back:</b> {mark}{level}"
    if record.re_explained:
        line += " · explained again and checked"
    if record.is_open:
        line += " · <b>still open</b>"
    out: list[Flowable] = [Paragraph(line, s.cell)]
    if record.patient_words.strip():
        out.append(Paragraph(f"In the patient's words: {story.quoted(record.patient_words)}",
                             s.cell))
    return out


def questions(story: Story, consult: Consult) -> None:
    story.heading("Questions and answers")
    asked = [q for q in consult.questions if q.question.strip() or q.answer.strip()]
    if not asked:
        story.body("The patient had no further questions.")
        return
    for number, q in enumerate(asked, start=1):
        story.add(KeepTogether([
            story.para(f"<b>Q{number}.</b> {story.lit(q.question)}", story.s.body),
            story.para(f"<b>Answer:</b> {story.lit(q.answer) or 'not answered'}",
                       story.s.bullet),
        ]))


def values_and_sure(story: Story, consult: Consult) -> None:
    story.heading("What matters most")
    v = consult.values
    story.fields([
        ("In the patient's words", story.quoted(v.what_matters_most)
         if v.what_matters_most.strip() else ""),
        ("How the patient prefers to decide", DECISION_ROLE_LABELS.get(v.preferred_role, "")
         if v.preferred_role else "Not asked"),
    ])
    story.heading("SURE test of decisional conflict")
    story.muted("Four yes/no questions (Légaré et al., Can Fam Physician 2010;56:e308): yes = 1, "
                "no = 0; a total of 3 or less suggests decisional conflict.")
    sure = consult.sure
    story.table(("Question", "Answer"),
                [(text, f"<b>{yes_no(getattr(sure, attr), unknown='Not answered')}</b>")
                 for attr, text in SURE_QUESTIONS], (0.8, 0.2))
    story.gap(6)
    score = sure.score
    if score is None:
        story.callout("<b>SURE score: not complete.</b> Not every question was answered.")
    elif sure.decisional_conflict:
        story.callout(f"<b>⚑ SURE score {score} of 4: possible decisional conflict.</b> A score "
                      "of 3 or less suggests the patient may not yet feel ready. Consider more "
                      "time, information or support before a final decision.")
    else:
        story.body(f"<b>SURE score {score} of 4:</b> no sign of decisional conflict.")


def decision(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("Decision and next steps")
    d = consult.decision
    option_name = ""
    if d.option_id:
        try:
            option_name = story.lit(pack.option(d.option_id).name)
        except KeyError:
            option_name = story.lit(d.option_id) + " (not in this pack version)"
    choice = f"<b>{d.choice.label}</b>" if d.choice else "Not recorded"
    rows = [("Decision", choice)]
    if option_name or d.choice is DecisionChoice.GO_AHEAD_TRIAL:
        rows.append(("Preferred option", option_name))
    rows += [
        ("Next steps", story.lit(d.next_steps)),
        ("Follow-up", day(d.follow_up) if d.follow_up else "None set"),
    ]
    if d.notes:
        rows.append(("Notes", story.lit(d.notes)))
    story.fields(rows)


def references(story: Story, pack: Pack) -> None:
    story.heading("References")
    for number, ref in enumerate(pack.references, start=1):
        url = f" {story.lit(ref.url)}" if ref.url else ""
        story.add(Paragraph(f"{story.lit(ref.citation)}{url}", story.s.reference,
                            bulletText=f"[{number}]"))


def about_content(story: Story, pack: Pack) -> None:
    story.heading("About this information")
    story.fields([
        ("Procedure pack", f"{story.lit(pack.title)} ({story.lit(pack.id)}, version "
                           f"{story.lit(pack.version)}, {story.lit(pack.source)})"),
        ("Published · next review", f"{day(pack.published)} · {day(pack.next_review)}"),
        ("Written by", story.lit(", ".join(pack.authors))),
        ("Funding and conflicts of interest", story.lit(pack.funding)),
        ("How it is updated", story.lit(pack.update_policy)),
        ("Content fingerprint (SHA-256)", f"<font size='7.5'>{story.lit(pack.content_hash)}"
                                          "</font>"),
    ])


def addenda(story: Story, consult: Consult) -> None:
    if not consult.addenda:
        return
    story.heading("Addenda (added after signing)")
    for a in consult.addenda:
        story.add(story.para(f"<b>{moment(a.written_at)}, {story.lit(a.author)}:</b>"))
        story.add(story.para(story.lit(a.text), story.s.bullet))


def signatures(story: Story, consult: Consult) -> None:
    """The signature block, kept on one page when it fits (not split from its heading)."""
    block: list[Flowable] = [story.para("Signatures", story.s.h1)]
    if not consult.signatures:
        block.append(story.para("Nobody has signed yet."))
    else:
        block.append(story.para(
            "Each signature below was drawn on the signature pad during the consult; its "
            "meaning is printed beside it. The clinic also signs this PDF digitally when it is "
            "archived: any later change to the file, on any copy, is detected by "
            "<b>consult-aid verify</b>.", story.s.muted))
        block += [_signature(story, sig) for sig in consult.signatures]
    if consult.status is not ConsultStatus.DRAFT:
        block.append(story.para(
            f"Record fingerprint (SHA-256 of the consult's data as signed): "
            f"{record_fingerprint(consult)}", story.s.muted))
    story.add(KeepTogether(block))


def _signature(story: Story, sig: Signature) -> Flowable:
    s = story.s
    drawing_width = 190.0
    right = [
        Paragraph(f"<b>{story.lit(sig.printed_name)}</b>", s.body),
        Paragraph(f"{sig.role.label} · signed {moment(sig.signed_at)}", s.cell),
        Spacer(1, 3),
        Paragraph(f"<i>Meaning of this signature:</i> {story.lit(sig.meaning)}", s.cell),
    ]
    drawing: Flowable = SignatureDrawing(sig.strokes, width=drawing_width)
    table = Table([[drawing, right]], colWidths=[drawing_width + 14,
                                                  story.width - drawing_width - 14])
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (1, 0), (1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]))
    return table


def _refs(pack: Pack, ids: tuple[str, ...]) -> str:
    numbers = {r.id: n for n, r in enumerate(pack.references, start=1)}
    cited = sorted(numbers[i] for i in ids if i in numbers)
    if not cited:
        return ""
    return f" <font color='{_hex(MUTED)}' size='8'>[{', '.join(map(str, cited))}]</font>"


def _hex(colour: Color) -> str:
    return f"#{colour.hexval()[2:]}"


def _score(value: int | None) -> str:
    return "—" if value is None else f"<b>{value}</b>"


def _months(value: int | None) -> str:
    if value is None:
        return "—"
    if value >= 24:
        years, months = divmod(value, 12)
        return f"{value} months (about {years} years" + (")" if months < 6 else " and a half)")
    return f"{value} month" + ("" if value == 1 else "s")
