"""The body of the consult summary, after the decision record: the patient's situation, the
options, one line per benefit and risk with what the patient understood, questions, and the
signatures. Short to read; the evidence behind it is in the appendix
(:mod:`consult_aid.report.summary_appendix`). Every user string goes via ``story.lit``."""

from __future__ import annotations

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, KeepTogether, Table

from consult_aid.content.figures import sentence
from consult_aid.content.model import Item, ItemKind, Pack
from consult_aid.domain import Consult, ConsultStatus, Signature, TeachBack
from consult_aid.domain.consult import HISTORY_FINDINGS
from consult_aid.domain.dates import moment
from consult_aid.domain.labels import HISTORY_LABELS, PSYCH_EVALUATION_LABELS
from consult_aid.domain.signers import required_signers
from consult_aid.domain.step_rules import consult_items
from consult_aid.report.blocks import Story, split_in_row
from consult_aid.report.flowables import SignatureDrawing
from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import (
    ACCENT,
    BENEFIT,
    MUTED,
    RISK,
    RULE,
    grid_table_style,
    table_style,
)


def situation(story: Story, consult: Consult, pack: Pack) -> None:
    """Condition, daily life, health history and the prompts raised, in one compact table."""
    story.heading("The patient's situation")
    k = consult.condition
    rows: list[tuple[str, str]] = [("Diagnosis", story.lit(k.diagnosis))]
    # the pack's own measures (tone, spasms, goals), under their labels, as recorded
    rows += [(story.lit(m.label), story.lit(k.measures.get(m.id, "")) or "not recorded")
             for m in pack.measures]
    where = "; ".join(x for x in (
        story.lit(k.pain_location),
        _months(k.pain_duration_months) if k.pain_duration_months is not None else "") if x)
    scored = any(v is not None for v in (k.pain_now, k.pain_average, k.pain_worst,
                                         k.interference))
    if pack.pain_scores_required or scored or where:
        rows.append(("Pain", (f"{where}. " if where else "")
                     + f"Scores (0–10): now {_score(k.pain_now)} · on average "
                       f"{_score(k.pain_average)} · at worst {_score(k.pain_worst)} · "
                       f"interference with daily life {_score(k.interference)}"))
    if k.function_notes:
        rows.append(("Daily function", story.lit(k.function_notes)))
    medicines = story.lit(k.current_medicines)
    if k.opioid_mme_per_day is not None:
        medicines += (("; " if medicines else "") + f"{k.opioid_mme_per_day:g} mg oral morphine "
                      "equivalent a day")
    if medicines:
        rows.append(("Current medicines", medicines))
    if k.treatments_tried:
        rows.append(("Treatments tried", "; ".join(
            f"{story.lit(t.treatment)}: {story.lit(t.outcome) or 'outcome not recorded'}"
            for t in k.treatments_tried)))
    life = consult.lifestyle
    if life.goals.strip():
        rows.append(("Goals, in the patient's words", story.quoted(life.goals)))
    daily = [story.lit(x) for x in (life.work, life.activity, life.home_support) if x.strip()]
    if life.travel_minutes is not None:
        daily.append(f"{life.travel_minutes} minutes to the clinic, one way")
    if daily:
        rows.append(("Daily life", "; ".join(daily)))
    rows += _history_rows(story, consult)
    story.fields(rows, label_width=0.22, compact=True)
    raised = pack.raised_red_flags(consult.facts())
    if raised:
        story.subheading("Points the answers raised for discussion")
        story.bullets((story.lit(f.prompt) + _refs(pack, f.references) + " — "
                       + ("<b>discussed with the patient</b>"
                          if consult.red_flags_discussed.get(f.id, False)
                          else "<b>not recorded as discussed</b>")
                       for f in raised), style=story.s.note_bullet)


def _history_rows(story: Story, consult: Consult) -> list[tuple[str, str]]:
    h = consult.history
    yes, no, unasked = [], [], []
    for name in HISTORY_FINDINGS:
        finding = h.finding(name)
        label = HISTORY_LABELS[name]
        if finding.present is None:
            unasked.append(label)
        elif finding.present:
            yes.append(f"<b>{label}</b>"
                       + (f": {story.lit(finding.details)}" if finding.details else ""))
        else:
            no.append(label)
    rows = [("Health history: yes", "<br/>".join(yes) or "None")]
    if no:
        rows.append(("Health history: no", "; ".join(no)))
    if unasked:
        rows.append(("Not asked", "; ".join(unasked)))
    if h.comorbidities:
        rows.append(("Other conditions", story.lit(h.comorbidities)))
    psych = (PSYCH_EVALUATION_LABELS[h.psych_evaluation] if h.psych_evaluation
             else "Not recorded")
    rows.append(("Psychological evaluation", psych
                 + (f". {story.lit(h.psych_notes)}" if h.psych_notes else "")))
    return rows


def benefits_and_risks(story: Story, consult: Consult, pack: Pack) -> None:
    """One row per benefit and risk, grouped by option: how often (in the pack's own
    denominator, the group it comes from marked by a letter and named below the table) and what
    the patient understood. The full text and the pictures are in the appendix."""
    story.heading("Benefits and risks, and what the patient understood")
    groups: dict[str, str] = {}
    s = story.s
    data: list[list[object]] = [[Paragraph("Benefit or risk, and how often", s.cell_head),
                                 Paragraph("What the patient understood", s.cell_head)]]
    option_rows: list[int] = []
    texts: list[tuple[str, str]] = []
    applying = {i.id for i in consult_items(consult, pack)}
    for option in pack.options:
        option_rows.append(len(data))
        data.append([Paragraph(story.lit(option.name), s.option_row), ""])
        for item in (i for i in option.items() if i.id in applying):
            often, understood = _row(story, consult, pack, item, groups)
            texts.append((often, understood))
            data.append([Paragraph(often, s.cell), Paragraph(understood, s.cell)])
    table = Table(data, colWidths=[story.width * 0.62, story.width * 0.38], repeatRows=1,
                  splitInRow=split_in_row(texts))
    style = grid_table_style()
    for row in option_rows:
        style.add("SPAN", (0, row), (1, row))
        style.add("TOPPADDING", (0, row), (1, row), 5)
        style.add("LINEBELOW", (0, row), (1, row), 0.8, ACCENT)
    table.setStyle(style)
    story.add(table)
    sources = "; ".join(f"<b>{letter}</b>: {story.lit(group)}" for group, letter in
                        groups.items())
    story.gap(3)
    story.add(story.para(("<b>Where the figures come from</b> (the letter after a figure): "
                          + sources + ". " if sources else "")
                         + "Each option in full, each figure with its picture, and the sources "
                           "are in the appendix.", story.s.note))


KIND_WORDS = {ItemKind.BENEFIT: "benefit", ItemKind.RISK: "risk",
              ItemKind.EXPECT: "what to expect"}


def _row(story: Story, consult: Consult, pack: Pack, item: Item,
         groups: dict[str, str]) -> tuple[str, str]:
    risk = item.kind is ItemKind.RISK
    colour = RISK if risk else BENEFIT
    kind = KIND_WORDS[item.kind]
    if item.severity:
        kind += f", {item.severity}"
    f = item.frequency
    if f is not None:
        group = getattr(f, "group", "").strip()
        letter = ""
        if group:
            letter = groups.setdefault(group, chr(ord("a") + len(groups)) if len(groups) < 26
                                       else str(len(groups) + 1))
        often = story.lit(sentence(f, short=True)) + (f"&nbsp;<super>{letter}</super>"
                                                       if letter else "")
    else:
        often = "not quantified" if item.not_quantified_reason else ""
    return (f"<b>{story.lit(item.title)}</b> <font color='{_hex(colour)}'>({story.lit(kind)})"
            f"</font>" + (f": {often}" if often else ""), _teach_back(story, consult, item))


def _teach_back(story: Story, consult: Consult, item: Item) -> str:
    record = consult.understanding.get(item.id)
    if record is None or not record.discussed:
        return "Not discussed · <b>still open</b>"
    level = record.level.label if record.level else "not checked"
    mark = "✓ " if record.level is TeachBack.UNDERSTOOD else ""
    line = f"{mark}{level}"
    if record.re_explained:
        line += " · explained again"
    if record.is_open:
        line += " · <b>still open</b>"
    if record.patient_words.strip():
        line += f" · {story.quoted(record.patient_words)}"
    elif not record.is_open:
        line += " (no words recorded)"
    return line


def questions(story: Story, consult: Consult) -> None:
    asked = [q for q in consult.questions if q.question.strip() or q.answer.strip()]
    story.heading("The patient's questions")
    if not asked:
        story.body("The patient had no further questions.")
        return
    story.table(("Question", "Answer"),
                [(story.lit(q.question), story.lit(q.answer) or "<b>Not answered</b>")
                 for q in asked], (0.45, 0.55))


def signatures(story: Story, consult: Consult) -> None:
    """Signed: each pad signature in role order, then when the clinic signed digitally.
    Draft: no signature images and no "signed" lines, only who will sign."""
    block: list[Flowable] = [story.para("Signatures", story.s.h1)]
    if consult.status is ConsultStatus.DRAFT:
        roles = ", ".join(r.label.lower() for r in sorted(required_signers(consult),
                                                          key=lambda r: r.order))
        block.append(story.para(
            f"<b>Not signed.</b> This is a draft. Signatures are drawn on the signature pads "
            f"in the program ({story.lit(roles)}), and only the signed record shows them."))
        story.add(KeepTogether(block))
        return
    ordered = sorted(consult.signatures, key=lambda g: g.role.order)
    drawn = [_signature(story, sig) for sig in ordered]
    when = moment(consult.signed_at) if consult.signed_at else "—"
    closing = story.para(
        "Each signature was drawn on the signature pad in this program during the consult, at "
        "the program's clock time shown; its meaning is the program's fixed text for the role. "
        f"<b>Digitally signed and archived by the clinic:</b> {when}. Any later change to this "
        "file, on any copy, is detected by <b>consult-aid verify</b>.", story.s.muted)
    # the heading stays with the first signature, the statement with the last; between
    # signatures the block may break across a page
    story.add(KeepTogether([*block, *drawn[:1]]), *drawn[1:-1])
    story.add(KeepTogether([*drawn[-1:], closing]) if len(drawn) > 1 else closing)


def _signature(story: Story, sig: Signature) -> Flowable:
    s = story.s
    drawing_width = 125.0
    right = [
        Paragraph(f"<b>{story.lit(sig.printed_name)}</b> · {sig.role.label} · signed on the pad "
                  f"{moment(sig.signed_at)}", s.cell),
        Paragraph(f"<i>Meaning:</i> {story.lit(sig.role.meaning)}", s.muted),
    ]
    drawing: Flowable = SignatureDrawing(sig.strokes, width=drawing_width)
    table = Table([[drawing, right]], colWidths=[drawing_width + 12,
                                                  story.width - drawing_width - 12])
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (1, 0), (1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]))
    return table


def addenda(story: Story, consult: Consult) -> None:
    if not consult.addenda:
        return
    story.heading("Addenda (added after signing)")
    for a in consult.addenda:
        story.add(story.para(f"<b>{moment(a.written_at)}, {story.lit(a.author)}:</b>"))
        story.add(story.para(story.lit(a.text), story.s.bullet))


def _refs(pack: Pack, ids: tuple[str, ...]) -> str:
    numbers = {r.id: n for n, r in enumerate(pack.references, start=1)}
    cited = sorted(numbers[i] for i in ids if i in numbers)
    if not cited:
        return ""
    return f" <font color='{_hex(MUTED)}' size='9'>[{', '.join(map(str, cited))}]</font>"


def _hex(colour: Color) -> str:
    return f"#{colour.hexval()[2:]}"


def _score(value: int | None) -> str:
    return "—" if value is None else f"<b>{value}</b>"


def _months(value: int | None) -> str:
    if value is None:
        return "—"
    if value >= 24:
        years, months = divmod(value, 12)
        return f"for {value} months (about {years} years" + (")" if months < 6
                                                              else " and a half)")
    return f"for {value} month" + ("" if value == 1 else "s")
