"""The appendix of the consult summary: the evidence behind the record, for a reviewer — every
benefit and risk in full with its sources, the options side by side, the candidacy checklist,
the SURE questions, the references, the pack's facts and the record's fingerprints."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table

from consult_aid.content.figures import KEY_NUMBERS, group_sentence, key_lines, picture, sentence
from consult_aid.content.model import Item, ItemKind, Pack
from consult_aid.domain import Consult, ConsultStatus
from consult_aid.domain.dates import day
from consult_aid.domain.labels import DECISION_ROLE_LABELS, SURE_QUESTIONS
from consult_aid.domain.step_rules import consult_items
from consult_aid.exchange.consult_json import record_fingerprint
from consult_aid.report.blocks import Story
from consult_aid.report.flowables import IconArray
from consult_aid.report.paragraph import Paragraph
from consult_aid.report.styles import (
    BENEFIT,
    BENEFIT_MIDDLE,
    BENEFIT_RANGE,
    MUTED,
    RISK,
    RISK_MIDDLE,
    RISK_RANGE,
    RULE,
    table_style,
)
from consult_aid.report.summary_sections import KIND_WORDS, _hex, _refs
from consult_aid.report.wording import yes_no

APPENDIX_TITLE = "Appendix: the evidence behind this record"
ICON_WIDTH = {100: 80.0, 1000: 120.0}  # points: 8 per person; 3 per person (40 x 25)


def appendix(story: Story, consult: Consult, pack: Pack, *,
             fingerprint: str | None = None) -> None:
    """``fingerprint``: the consult's :func:`record_fingerprint` when the caller has it."""
    story.add(story.para(APPENDIX_TITLE, story.s.title))
    story.muted("What the patient was shown, as the procedure pack words it, with its sources. "
                "Numbers in square brackets refer to the references below.")
    _condition(story, consult, pack)
    _options(story, consult, pack)
    _items(story, consult, pack)
    _checklist(story, consult, pack)
    _values(story, consult)
    _references(story, pack)
    _about(story, consult, pack, fingerprint)


def _items(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("Every benefit and risk in full")
    story.muted("Each picture shows the people in the sentence beside it, in the same group and "
                "the same denominator. Where the studies give a range: full colour up to the "
                "lowest figure, a middle tone up to the best estimate, a light tone up to the "
                "highest.")
    applying = {i.id for i in consult_items(consult, pack)}
    left_out = [i for i in pack.items() if i.id not in applying]
    if left_out:
        story.muted(f"{len(left_out)} item(s) of this pack version are about other diagnoses "
                    "or another planned medicine and were not part of this discussion: "
                    + story.lit("; ".join(i.title for i in left_out)) + ".")
    for option in pack.options:
        story.subheading(story.lit(option.name), story.s.option)
        for item in (i for i in option.items() if i.id in applying):
            _item(story, pack, item)


def _item(story: Story, pack: Pack, item: Item) -> None:
    s = story.s
    risk = item.kind is ItemKind.RISK
    f = item.frequency
    if f is not None:
        often = story.lit(sentence(f)) + "."
        group = group_sentence(f)
        if group:
            often += f" {story.lit(group)}"
    else:
        often = ("not quantified" + f". {story.lit(item.not_quantified_reason)}"
                 if item.not_quantified_reason else "")
    kind = KIND_WORDS[item.kind]
    text: list[Flowable] = [
        Paragraph(f"<b>{story.lit(item.title)}</b> ({kind}). {story.lit(item.text)}", s.cell)]
    if often:  # a what-to-expect fact has no "how often"
        text.append(Paragraph(f"<i>How often:</i> {often}", s.cell))
    if item.uncertainty or item.references:
        text.append(Paragraph((f"<i>How sure we are:</i> {story.lit(item.uncertainty)}"
                               if item.uncertainty else "") + _refs(pack, item.references),
                              s.cell))
    shown = picture(f) if f is not None else None
    if shown is None:
        table = Table([[text]], colWidths=[story.width])
    else:
        colours = (RISK, RISK_MIDDLE, RISK_RANGE) if risk else (BENEFIT, BENEFIT_MIDDLE,
                                                               BENEFIT_RANGE)
        width = ICON_WIDTH[shown.denominator]
        icon: list[Flowable] = [
            IconArray(shown, width=width, colour=colours[0], middle=colours[1],
                      light=colours[2]),
            Spacer(1, 3), Paragraph(story.lit(shown.caption()), s.small)]
        table = Table([[text, icon]], colWidths=[story.width - width - 14, width + 14])
    table.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, -1), 10),
        ("LEFTPADDING", (1, 0), (1, -1), 14),
        ("RIGHTPADDING", (1, 0), (1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ]))
    story.add(table)


def _condition(story: Story, consult: Consult, pack: Pack) -> None:
    described = {c.id: c for c in pack.conditions}.get(consult.condition.diagnosis_id)
    if described is None:
        return
    story.heading("The condition in plain words")
    story.add(story.para(f"<b>{story.lit(described.name)}.</b> "
                         f"{story.lit(described.description)}"
                         + _refs(pack, described.references)))


def _options(story: Story, consult: Consult, pack: Pack) -> None:
    story.heading("The options discussed")
    for option in pack.options:
        story.add(story.para(f"<b>{story.lit(option.name)}.</b> {story.lit(option.summary)}"
                             + _refs(pack, option.references)))
    if not pack.comparison:
        return
    story.subheading("The options side by side")
    names = [f"<b>{story.lit(o.name)}</b>" for o in pack.options]
    count = max(len(pack.options), 1)
    question_share = 0.22 if count > 2 else 0.28
    widths = (question_share, *([(1 - question_share) / count] * count))
    rows = [[f"<b>{story.lit(q.question)}</b>",
             *(story.lit(o.answers.get(q.id, "")) for o in pack.options)]
            for q in pack.comparison]
    diagnosis = consult.condition.diagnosis_id
    rows.append([f"<b>{story.lit(KEY_NUMBERS)}</b>",
                 *("<br/>".join(f"• {story.lit(line)}" for line in key_lines(o, diagnosis))
                   or "—"
                   for o in pack.options)])
    rows.append([f"<font color='{_hex(MUTED)}'>Sources</font>",
                 *(_refs(pack, o.cited(diagnosis)).strip() or "—" for o in pack.options)])
    story.table(("", *names), rows, widths)


def _checklist(story: Story, consult: Consult, pack: Pack) -> None:
    if not pack.checklist:
        return
    story.heading("Candidacy checklist")
    story.table(("Criterion", "Met"),
                [(story.lit(item.text) + _refs(pack, item.references),
                  f"<b>{yes_no(consult.checklist.get(item.id), unknown='Not checked')}</b>")
                 for item in pack.checklist],
                (0.8, 0.2))


def _values(story: Story, consult: Consult) -> None:
    story.heading("The SURE test and how the patient prefers to decide")
    story.muted("Four yes/no questions (Légaré et al., Can Fam Physician 2010;56:e308): yes = 1, "
                "no = 0; a total of 3 or less suggests decisional conflict.")
    sure = consult.sure
    rows = [(text, f"<b>{yes_no(getattr(sure, attr), unknown='Not answered')}</b>")
            for attr, text in SURE_QUESTIONS]
    role = consult.values.preferred_role
    rows.append(("How the patient prefers to decide",
                 DECISION_ROLE_LABELS.get(role, "") if role else "Not asked"))
    story.table(("Question", "Answer"), rows, (0.7, 0.3))


def _references(story: Story, pack: Pack) -> None:
    story.heading("References")
    for number, ref in enumerate(pack.references, start=1):
        url = f" {story.lit(ref.url)}" if ref.url else ""
        story.add(Paragraph(f"{story.lit(ref.citation)}{url}", story.s.reference,
                            bulletText=f"[{number}]"))


def _about(story: Story, consult: Consult, pack: Pack, fingerprint: str | None) -> None:
    story.add(CondPageBreak(160))
    story.heading("About this information and this record")
    rows = [
        ("Procedure pack", f"{story.lit(pack.title)} ({story.lit(pack.id)}, version "
                           f"{story.lit(pack.version)}, {story.lit(pack.source)})"),
        ("Published · next review", f"{day(pack.published)} · {day(pack.next_review)}"),
        ("Written by", story.lit(", ".join(pack.authors))),
        ("Funding and conflicts of interest", story.lit(pack.funding)),
        ("How it is updated", story.lit(pack.update_policy)),
        ("Pack fingerprint (SHA-256)", f"<font size='8'>{story.lit(pack.content_hash)}</font>"),
        ("Consult", f"<font size='8'>{story.lit(consult.id)}</font>"),
    ]
    if consult.status is not ConsultStatus.DRAFT:
        rows.append(("Record fingerprint (SHA-256 of the consult's data as signed)",
                     f"<font size='8'>{fingerprint or record_fingerprint(consult)}</font>"))
    story.fields(rows)
