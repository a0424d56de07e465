"""A procedure content pack as loaded: plain, immutable data.

This is the contract between the pack files in ``resources/procedures/`` (loaded and validated
by :mod:`consult_aid.content.loader`) and the rest of the program (window, PDF, audit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ItemKind(StrEnum):
    BENEFIT = "benefit"
    RISK = "risk"


@dataclass(frozen=True, slots=True)
class Frequency:
    """How often, as absolute numbers: ``count`` in ``denominator`` people over ``timeframe``.

    ``count`` may be fractional (0.4 in 100) when the source gives a decimal percentage.
    ``low``/``high`` give the uncertainty range in the same denominator when the source has one.
    """

    count: float
    denominator: int
    timeframe: str  # "within a year", "at 6 months", "during the trial"
    low: float | None = None
    high: float | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.denominator

    @property
    def per_100(self) -> float:
        return self.percent

    def sentence(self) -> str:
        """'4 in 100 people within a year' (one format throughout, Trevena et al. 2013)."""
        count = f"{self.count:g}"
        return f"{count} in {self.denominator:,} people {self.timeframe}".strip()


@dataclass(frozen=True, slots=True)
class Reference:
    id: str
    citation: str  # authors, title, journal, year; volume/pages
    year: int
    url: str = ""  # doi or guideline address


@dataclass(frozen=True, slots=True)
class Item:
    """One benefit or one risk of an option, as the patient hears it."""

    id: str  # unique within the pack; the consult's Understanding.item_id
    kind: ItemKind
    title: str  # short label: "Infection"
    text: str  # patient-facing sentence, plain language
    frequency: Frequency | None  # None: not quantified (then ``not_quantified_reason`` says why)
    uncertainty: str  # how sure we are, in plain words
    references: tuple[str, ...]  # reference ids
    teach_back: str  # "In your own words, what could happen if a refill is missed?"
    not_quantified_reason: str = ""
    severity: str = ""  # "serious" | "moderate" | "minor" | "" (benefits)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    name: str  # "Pain pump (trial, then implant)"
    summary: str
    steps: tuple[str, ...]  # what it involves, in order
    benefits: tuple[Item, ...]
    risks: tuple[Item, ...]
    living_with: str
    answers: dict[str, str]  # comparison question id -> this option's answer (Option Grid style)
    status_quo: bool = False  # True for "keep current care / no new treatment" (IPDAS)
    # Reference ids for the figures in the option's own text (summary, steps, living_with,
    # answers); the benefits and risks cite their own.
    references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ComparisonQuestion:
    id: str
    question: str  # "How long does it take to work?"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """A candidacy criterion the clinician checks (PACC 2017 / NICE TA159 / ASRA 2023)."""

    id: str
    text: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A prompt to raise in discussion, never a verdict.

    Raised when the consult fact ``fact`` (see ``Consult.facts()``) matches: ``equals`` when
    given, else ``at_least`` when given.
    """

    id: str
    fact: str  # "history.anticoagulants", "lifestyle.travel_minutes"
    prompt: str  # what to discuss, addressed to the clinician
    references: tuple[str, ...]
    equals: object | None = None
    at_least: float | None = None

    def raised_by(self, facts: dict[str, object]) -> bool:
        value = facts.get(self.fact)
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.at_least is not None and isinstance(value, int | float):
            return value >= self.at_least
        return False


@dataclass(frozen=True, slots=True)
class HandoutSection:
    heading: str
    paragraphs: tuple[str, ...]
    references: tuple[str, ...] = ()  # reference ids for the figures in heading and paragraphs


@dataclass(frozen=True, slots=True)
class Handout:
    title: str
    sections: tuple[HandoutSection, ...]  # what the trial is, the implant, living with it,
    warning_signs: tuple[str, ...]  # when to call the clinic at once
    warning_references: tuple[str, ...] = ()  # reference ids for figures in the warning signs

    def references(self) -> tuple[str, ...]:
        """Every reference id the handout cites (sections, then warning signs), once each."""
        ids = (*(r for s in self.sections for r in s.references), *self.warning_references)
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    name: str
    description: str  # plain-language description of the condition
    references: tuple[str, ...] = ()  # reference ids for the figures in name and description


@dataclass(frozen=True, slots=True)
class Pack:
    id: str  # "intrathecal-pump"
    title: str
    version: str  # "1.0.0"
    published: date
    next_review: date
    authors: tuple[str, ...]
    funding: str  # funding and conflict-of-interest statement
    update_policy: str
    decision: str  # the decision in one sentence
    conditions: tuple[Condition, ...]
    options: tuple[Option, ...]
    comparison: tuple[ComparisonQuestion, ...]
    checklist: tuple[ChecklistItem, ...]
    red_flags: tuple[RedFlag, ...]
    handout: Handout
    references: tuple[Reference, ...]
    content_hash: str  # sha256 of the pack file's bytes, hex
    source: str = "built-in"  # "built-in" | "clinic"

    def items(self) -> tuple[Item, ...]:
        """Every benefit and risk of every option, in pack order."""
        return tuple(i for o in self.options for i in (*o.benefits, *o.risks))

    def item(self, item_id: str) -> Item:
        for i in self.items():
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def reference(self, ref_id: str) -> Reference:
        for r in self.references:
            if r.id == ref_id:
                return r
        raise KeyError(ref_id)

    def raised_red_flags(self, facts: dict[str, object]) -> tuple[RedFlag, ...]:
        return tuple(f for f in self.red_flags if f.raised_by(facts))
