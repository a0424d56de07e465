"""IPDAS minimum-standards self-audit of a pack (Joseph-Williams et al., Med Decis Making 2014).

Six qualifying criteria (condition, decision, options, positive features, negative features,
living with each option) and six certifying criteria (balanced detail, citations, publication
date, update policy, uncertainty, funding). Each is judged from the pack's own content and
carries the reason, so the report says what to fix.

Balanced detail. IPDAS asks that pros and cons be shown "with equal detail". Options may have
more risks than benefits, so the audit does not compare counts: it compares how fully each
benefit and each risk is told — the mean number of words per item (text plus uncertainty
statement) — per option, and requires the two means to be within a factor of
:data:`BALANCE_RATIO` (2) of each other. Twice as many words per item on one side is the
point where one side reads as explained and the other as merely listed. Every item must also
present the same parts (a frequency or a stated reason why none, an uncertainty statement,
a teach-back prompt), and all frequencies must share one denominator.

Balance across options. Comparing pros and cons *within* an option misses the commoner fault:
the option the pack is about told in full and its alternatives in a few lines. So the same
criterion also compares the options with each other. Options of the same kind — those with a
trial and an implant (``has_trial``) — must each have at least :data:`ALTERNATIVE_SHARE` (3/4)
of the benefits and risks, and of the quantified ones, of the fullest of them. Every option that
is a treatment (not keeping current care), whatever its kind, must tell at least
:data:`MIN_UPSIDES` benefits or what-to-expect items, :data:`MIN_RISKS` risks and
:data:`MIN_FIGURES` figures, and cite a source, so the comparison's sources row is filled for
each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from statistics import fmean

from consult_aid.content.checks import cited_ids
from consult_aid.content.model import Item, ItemKind, Pack

BALANCE_RATIO = 2.0
ALTERNATIVE_SHARE = 0.75
# Every treatment option, of whatever kind, at least: its upsides, its risks and its figures
MIN_UPSIDES, MIN_RISKS, MIN_FIGURES = 2, 3, 2
MIN_DESCRIPTION_WORDS = 8
MIN_LIVING_WITH_WORDS = 10
MIN_POLICY_WORDS = 8
QUALIFYING = "qualifying"
CERTIFYING = "certifying"


@dataclass(frozen=True, slots=True)
class Criterion:
    group: str  # "qualifying" | "certifying"
    name: str
    passed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    pack_id: str
    version: str
    criteria: tuple[Criterion, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.passed)

    def criterion(self, name: str) -> Criterion:
        for c in self.criteria:
            if c.name == name:
                return c
        raise KeyError(name)

    def text(self) -> str:
        lines = [f"IPDAS self-audit: {self.pack_id} {self.version}"]
        for group in (QUALIFYING, CERTIFYING):
            members = [c for c in self.criteria if c.group == group]
            met = sum(c.passed for c in members)
            lines.append(f"\n{group.capitalize()} criteria: {met} of {len(members)} met")
            for c in members:
                lines.append(f"  [{'pass' if c.passed else 'FAIL'}] {c.name}: {c.reason}")
        lines.append("\nResult: " + ("all 12 criteria met" if self.passed else
                                     f"{len(self.failed)} criteria not met: "
                                     + ", ".join(c.name for c in self.failed)))
        return "\n".join(lines)


def words(text: str) -> int:
    return len(re.findall(r"[\w'’%-]+", text))


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s])


def audit(pack: Pack, today: date | None = None) -> AuditReport:
    day = today or date.today()
    checks: list[tuple[str, str, Callable[[], tuple[bool, str]]]] = [
        (QUALIFYING, "condition", lambda: _condition(pack)),
        (QUALIFYING, "decision", lambda: _decision(pack)),
        (QUALIFYING, "options", lambda: _options(pack)),
        (QUALIFYING, "positive features", lambda: _features(pack, "benefits")),
        (QUALIFYING, "negative features", lambda: _features(pack, "risks")),
        (QUALIFYING, "living with each option", lambda: _living_with(pack)),
        (CERTIFYING, "balanced detail", lambda: _balance(pack)),
        (CERTIFYING, "citations", lambda: _citations(pack)),
        (CERTIFYING, "publication date", lambda: _published(pack, day)),
        (CERTIFYING, "update policy", lambda: _update_policy(pack, day)),
        (CERTIFYING, "uncertainty", lambda: _uncertainty(pack)),
        (CERTIFYING, "funding", lambda: _funding(pack)),
    ]
    criteria = []
    for group, name, check in checks:
        passed, reason = check()
        criteria.append(Criterion(group, name, passed, reason))
    return AuditReport(pack.id, pack.version, tuple(criteria))


def _condition(pack: Pack) -> tuple[bool, str]:
    if not pack.conditions:
        return False, "no condition is described"
    thin = [c.id for c in pack.conditions if words(c.description) < MIN_DESCRIPTION_WORDS]
    if thin:
        return False, (f"condition description under {MIN_DESCRIPTION_WORDS} words: "
                       f"{', '.join(thin)}")
    return True, f"{len(pack.conditions)} condition(s) described in plain words"


def _decision(pack: Pack) -> tuple[bool, str]:
    if not pack.decision.strip():
        return False, "the decision is not stated"
    count = sentences(pack.decision)
    if count != 1:
        return False, f"the decision takes {count} sentences; state it in one"
    return True, f"stated in one sentence ({words(pack.decision)} words)"


def _options(pack: Pack) -> tuple[bool, str]:
    if len(pack.options) < 2:
        return False, f"{len(pack.options)} option(s); a decision needs at least two"
    if not any(o.status_quo for o in pack.options):
        return False, "no option for keeping current care (status_quo = true)"
    bare = [o.id for o in pack.options if not o.summary or not o.steps]
    if bare:
        return False, f"options without a summary or steps: {', '.join(bare)}"
    return True, (f"{len(pack.options)} options, each with a summary and steps, including "
                  "keeping current care")


def _features(pack: Pack, group: str) -> tuple[bool, str]:
    missing = [o.id for o in pack.options if not getattr(o, group)]
    label = "benefit" if group == "benefits" else "risk"
    if missing:
        return False, f"options with no {label} described: {', '.join(missing)}"
    total = sum(len(getattr(o, group)) for o in pack.options)
    return True, f"every option has at least one {label} ({total} in all)"


def _living_with(pack: Pack) -> tuple[bool, str]:
    thin = [o.id for o in pack.options if words(o.living_with) < MIN_LIVING_WITH_WORDS]
    if thin:
        return False, (f"'what living with it is like' missing or under "
                       f"{MIN_LIVING_WITH_WORDS} words for: {', '.join(thin)}")
    return True, "every option says what living with it is like"


def _detail(item: Item) -> int:
    return words(item.text) + words(item.uncertainty)


def _balance(pack: Pack) -> tuple[bool, str]:
    uneven: list[str] = []
    ratios: list[float] = []
    for o in pack.options:
        if not o.benefits or not o.risks:
            uneven.append(f"{o.id} (one side has no items)")
            continue
        pro = fmean(_detail(i) for i in o.benefits)
        con = fmean(_detail(i) for i in o.risks)
        ratio = max(pro, con) / max(min(pro, con), 1.0)
        ratios.append(ratio)
        if ratio > BALANCE_RATIO:
            uneven.append(f"{o.id} ({pro:.0f} vs {con:.0f} words per benefit/risk)")
    incomplete = [i.id for i in pack.items()
                  if not i.uncertainty or not i.teach_back
                  or (i.frequency is None and not i.not_quantified_reason
                      and i.kind is not ItemKind.EXPECT)]
    denominators = {i.frequency.denominator for i in pack.items() if i.frequency}
    thin = _thin_alternatives(pack)
    if uneven:
        return False, f"pros and cons told in unequal detail: {'; '.join(uneven)}"
    if thin:
        return False, f"alternatives told more thinly than others: {'; '.join(thin)}"
    if incomplete:
        return False, f"items missing parts the others have: {', '.join(incomplete)}"
    if len(denominators) > 1:
        return False, f"frequencies use different denominators: {sorted(denominators)}"
    implants = [o for o in pack.options if o.has_trial]
    across = ("; options with a trial and implant told alike ("
              + ", ".join(f"{o.id} {len(o.items())} items, "
                          f"{sum(i.frequency is not None for i in o.items())} quantified"
                          for o in implants) + ")") if len(implants) > 1 else ""
    return True, (f"per option, words per benefit and per risk within {BALANCE_RATIO:g}x "
                  f"(largest {max(ratios, default=1.0):.2f}x); every item has the same parts; "
                  f"one denominator ({', '.join(f'{d:,}' for d in denominators) or 'none'})"
                  + across)


def _thin_alternatives(pack: Pack) -> list[str]:
    """Options told more thinly than their peers (see the module's "Balance across options")."""
    thin: list[str] = []
    implants = [o for o in pack.options if o.has_trial]
    if implants:
        most_items = max(len(o.items()) for o in implants)
        most_figures = max(sum(i.frequency is not None for i in o.items()) for o in implants)
        for o in implants:
            items = len(o.items())
            figures = sum(i.frequency is not None for i in o.items())
            if items < ALTERNATIVE_SHARE * most_items:
                thin.append(f"{o.id} has {items} benefits and risks, the fullest option "
                            f"with a trial has {most_items}")
            if figures < ALTERNATIVE_SHARE * most_figures:
                thin.append(f"{o.id} has {figures} quantified items, the fullest option "
                            f"with a trial has {most_figures}")
    for o in pack.options:
        if o.status_quo:
            continue
        if not o.cited():
            thin.append(f"{o.id} cites no source (its column of the comparison has none)")
        upsides = len(o.benefits) + len(o.expect)
        figures = sum(i.frequency is not None for i in o.items())
        if (upsides < MIN_UPSIDES or len(o.risks) < MIN_RISKS
                or figures < MIN_FIGURES):
            thin.append(f"{o.id} tells {upsides} benefits or what to expect, {len(o.risks)} "
                        f"risks and {figures} figures; every treatment needs at least "
                        f"{MIN_UPSIDES}, {MIN_RISKS} and {MIN_FIGURES}")
    return thin


def _citations(pack: Pack) -> tuple[bool, str]:
    known = {r.id for r in pack.references if r.citation.strip()}
    quantified = [i for i in pack.items() if i.frequency is not None]
    uncited = [i.id for i in quantified if not i.references
               or any(ref not in known for ref in i.references)]
    if uncited:
        return False, f"quantified items without a valid citation: {', '.join(uncited)}"
    cited = cited_ids(pack)  # conditions, items, options, handout, checklist, red flags
    unused = sorted(known - cited)
    if unused:
        return False, f"references never cited: {', '.join(unused)}"
    if not pack.references:
        return False, "no references"
    return True, (f"all {len(quantified)} quantified items cite existing references; "
                  f"{len(pack.references)} references, each cited")


def _published(pack: Pack, day: date) -> tuple[bool, str]:
    if pack.published == date.min:
        return False, "no publication date"
    if pack.published > day:
        return False, f"publication date {pack.published} is in the future"
    return True, f"published {pack.published.isoformat()}, version {pack.version}"


def _update_policy(pack: Pack, day: date) -> tuple[bool, str]:
    if words(pack.update_policy) < MIN_POLICY_WORDS:
        return False, "no update policy stated (how and when the content is reviewed)"
    if pack.next_review <= pack.published:
        return False, "the next review date is not after the publication date"
    note = " (review is overdue)" if pack.next_review < day else ""
    return True, f"policy stated; next review {pack.next_review.isoformat()}{note}"


def _uncertainty(pack: Pack) -> tuple[bool, str]:
    items = pack.items()
    missing = [i.id for i in items if not i.uncertainty.strip()]
    unexplained = [i.id for i in items if i.frequency is None and not i.not_quantified_reason
                   and i.kind is not ItemKind.EXPECT]
    if missing:
        return False, f"items without an uncertainty statement: {', '.join(missing)}"
    if unexplained:
        return False, f"not-quantified items without a reason: {', '.join(unexplained)}"
    quantified = sum(i.frequency is not None for i in items)
    ranged = sum(i.frequency is not None and i.frequency.low is not None for i in items)
    return True, (f"all {len(items)} items state their uncertainty; {quantified} quantified "
                  f"({ranged} with a range), {len(items) - quantified} not quantified with a "
                  "reason")


def _funding(pack: Pack) -> tuple[bool, str]:
    text = pack.funding.casefold()
    if "fund" not in text:
        return False, "no funding statement"
    if "conflict" not in text and "interest" not in text:
        return False, "the funding statement does not address conflicts of interest"
    return True, "funding and conflicts of interest stated"
