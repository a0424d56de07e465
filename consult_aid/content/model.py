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
    # What to expect: a fact about the path (how often a trial passes), framed both ways,
    # neither a benefit nor a risk (IPDAS: outcomes presented without spin).
    EXPECT = "expect"


UNITS = ("people", "operations", "pumps", "devices")  # what a frequency counts
DENOMINATORS = (100, 1000)  # one per pack (Trevena et al. 2013); 1,000 for risks under 1 in 100


@dataclass(frozen=True, slots=True)
class Frequency:
    """How often, as whole numbers: ``count`` in ``denominator`` people of ``group`` over
    ``timeframe`` (Trevena et al. 2013: reference class, denominator and time frame).

    ``count``, ``low`` and ``high`` are typed as numbers but always whole (checked here and by
    the pack loader): "23 in 1,000", never "2.3 in 100" or "38.9 in 1,000". ``low``/``high``
    give the source's uncertainty range in the same denominator when it has one.
    """

    count: float
    denominator: int
    timeframe: str  # "within a year", "at 6 months", "during the trial"
    group: str  # the people the figure comes from: "people with pain after back surgery"
    low: float | None = None
    high: float | None = None
    # What happened to everyone else, for a figure framed both ways: "had the wires taken
    # out and no implant" (the other denominator - count people).
    rest: str = ""
    # What was counted: people, unless the study counted operations or pumps (one person can
    # have several; "230 in 1,000 operations" is not "230 in 1,000 people").
    unit: str = "people"

    def __post_init__(self) -> None:
        if self.denominator not in DENOMINATORS:
            raise ValueError(f"denominator must be one of {DENOMINATORS}, not "
                             f"{self.denominator!r}")
        for name, value in (("count", self.count), ("low", self.low), ("high", self.high)):
            if value is not None and not float(value).is_integer():
                raise ValueError(f"{name} must be a whole number in {self.denominator:,}, "
                                 f"not {value!r}")

    @staticmethod
    def whole(value: float) -> int:
        """A count as the whole number it is ("23", never "23.0")."""
        return round(value)

    @property
    def whole_count(self) -> int:
        return self.whole(self.count)

    @property
    def whole_low(self) -> int | None:
        return None if self.low is None else self.whole(self.low)

    @property
    def whole_high(self) -> int | None:
        return None if self.high is None else self.whole(self.high)

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.denominator

    @property
    def per_100(self) -> float:
        return self.percent

    def sentence(self) -> str:
        """'23 in 1,000 people while the tube was in' (one format throughout)."""
        text = f"{self.whole_count} in {self.denominator:,} {self.unit} {self.timeframe}".strip()
        if self.rest.strip():
            text += f"; the other {self.denominator - self.whole_count:,} {self.rest.strip()}"
        return text

    def range_text(self) -> str:
        """'between 8 and 61 in 1,000', or "" when the source gives no range."""
        if self.whole_low is None or self.whole_high is None:
            return ""
        return f"between {self.whole_low} and {self.whole_high} in {self.denominator:,}"


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
    # None: not quantified (then ``not_quantified_reason`` says why), or a what-to-expect
    # item that states a fact of the path, not a chance ("The pump is refilled every ...")
    frequency: Frequency | None
    uncertainty: str  # how sure we are, in plain words
    references: tuple[str, ...]  # reference ids
    teach_back: str  # "In your own words, what could happen if a refill is missed?"
    not_quantified_reason: str = ""
    severity: str = ""  # "serious" | "moderate" | "minor" | "" (benefits)
    # The condition ids (the diagnosis recorded in the consult) this item is about; empty:
    # every condition. "Less nerve pain from diabetes" applies to diabetic neuropathy only.
    applies_to: tuple[str, ...] = ()
    # The planned medicines this item is about ("Ziconotide"); empty: any plan.
    medicines: tuple[str, ...] = ()
    key: bool = False  # one of the option's key figures, shown in the comparison table

    def applies(self, diagnosis_id: str, medicine: str | None = None) -> bool:
        """Whether this item belongs in the consult of a patient with ``diagnosis_id``.

        An unknown or typed-in diagnosis (``""``) keeps every item: leaving a risk out is the
        error that harms. ``medicine`` is the planned medicine as recorded (free text, may
        name several); ``None`` while no plan is made keeps medicine-specific items.
        """
        if self.applies_to and diagnosis_id and diagnosis_id not in self.applies_to:
            return False
        if self.medicines and medicine is not None:
            planned = medicine.casefold()
            return any(m.casefold() in planned for m in self.medicines)
        return True


@dataclass(frozen=True, slots=True)
class Medicine:
    """A medicine that can be planned for an option, with its regulatory status (for the
    clinician: "FDA-approved for intrathecal infusion (Infumorph)" or "off-label")."""

    name: str  # plain name as recorded in the decision: "Ziconotide"
    status: str = ""
    references: tuple[str, ...] = ()


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
    # The medicines that can be planned when this option is chosen, in plain names
    # ("Morphine"); empty when the option involves no medicine.
    medicines: tuple[str, ...] = ()
    has_trial: bool = False  # a trial first, then a separate decision about the implant
    expect: tuple[Item, ...] = ()  # what to expect, framed both ways (trial results)
    medicine_details: tuple[Medicine, ...] = ()  # status and sources of each medicine
    library: str = ""  # the shared library option this is ("stimulator"), "" if the pack's own

    def items(self) -> tuple[Item, ...]:
        """Benefits, what to expect, then risks: the order the patient hears them."""
        return (*self.benefits, *self.expect, *self.risks)

    def key_items(self, diagnosis_id: str = "") -> tuple[Item, ...]:
        """The quantified items marked ``key`` that apply to ``diagnosis_id``."""
        return tuple(i for i in self.items()
                     if i.key and i.frequency is not None and i.applies(diagnosis_id))

    def cited(self, diagnosis_id: str = "") -> tuple[str, ...]:
        """Every reference id this option's text and its applying items cite, once each."""
        ids = [*self.references, *(r for m in self.medicine_details for r in m.references),
               *(r for i in self.items() if i.applies(diagnosis_id) for r in i.references)]
        return tuple(dict.fromkeys(ids))


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
    applies_to: tuple[str, ...] = ()  # condition ids; empty: every diagnosis

    def raised_by(self, facts: dict[str, object]) -> bool:
        diagnosis = facts.get("condition.diagnosis_id")
        if self.applies_to and diagnosis and diagnosis not in self.applies_to:
            return False
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
    applies_to: tuple[str, ...] = ()  # condition ids; empty: every diagnosis

    def applies(self, diagnosis_id: str) -> bool:
        """Printed for this diagnosis ("" unknown: every section is printed)."""
        return not (self.applies_to and diagnosis_id and diagnosis_id not in self.applies_to)


AFTER_TRIAL_HEADING = "The night after your trial"


@dataclass(frozen=True, slots=True)
class AfterTrial:
    """Who stays with the patient after the trial, for how long, and what they watch for."""

    who: str  # "An adult must stay with you"
    how_long: str  # plain words: "For at least 24 hours after the test dose."
    watch: tuple[str, ...]  # what the adult watches for
    references: tuple[str, ...] = ()  # reference ids for the figures in these texts
    heading: str = AFTER_TRIAL_HEADING  # e.g. "While your trial wires are in"


@dataclass(frozen=True, slots=True)
class Handout:
    """The patient handout: two boxes of danger signs first, then the pack's sections.

    ``emergency_signs`` send the patient to emergency services now (box 1); ``clinic_signs``
    to the clinic the same day (box 2). The renderer prints the phone numbers in the boxes.
    """

    title: str
    sections: tuple[HandoutSection, ...]  # what the trial is, the implant, living with it
    emergency_signs: tuple[str, ...]  # "Call emergency services now" (never the clinic first)
    clinic_signs: tuple[str, ...]  # "Call the clinic today"
    emergency_references: tuple[str, ...] = ()  # reference ids for the emergency signs
    clinic_references: tuple[str, ...] = ()  # reference ids for the clinic signs
    after_trial: AfterTrial | None = None

    def references(self, diagnosis_id: str = "") -> tuple[str, ...]:
        """Every reference id the handout cites, once each, in the order the handout prints
        them: emergency signs, clinic signs, after the trial, then the sections printed for
        ``diagnosis_id`` (all of them when it is "")."""
        after = self.after_trial.references if self.after_trial else ()
        ids = (*self.emergency_references, *self.clinic_references, *after,
               *(r for s in self.sections if s.applies(diagnosis_id) for r in s.references))
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class Measure:
    """A measure the condition step records for this pack (a tone scale, the spasm score,
    the goals of the patient or carer): ``choices`` offers a list, none means free text."""

    id: str
    label: str  # "Muscle tone (Modified Ashworth Scale)"
    choices: tuple[str, ...] = ()  # "0 - no increase in tone", ...; empty: free text
    required: bool = False  # an open item until recorded
    hint: str = ""  # how to score it, for the clinician
    references: tuple[str, ...] = ()  # the scale's source


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
    # sha256, hex, of the pack file's bytes followed by those of every library file it uses
    content_hash: str
    source: str = "built-in"  # "built-in" | "clinic"
    # The condition step: the pack's own measures, and whether the pain scores are required
    # (a spasticity consult records tone and goals; pain is optional there).
    measures: tuple[Measure, ...] = ()
    pain_scores_required: bool = True
    carer_handout: Handout | None = None  # a second sheet for carers, when the pack has one

    def handouts(self) -> tuple[tuple[str, Handout], ...]:
        """(key, handout): "handout" for the patient, then "carer_handout" when there is one."""
        out: list[tuple[str, Handout]] = [("handout", self.handout)]
        if self.carer_handout is not None:
            out.append(("carer_handout", self.carer_handout))
        return tuple(out)

    def items(self) -> tuple[Item, ...]:
        """Every benefit, what-to-expect and risk item of every option, in pack order."""
        return tuple(i for o in self.options for i in o.items())

    def items_for(self, diagnosis_id: str, medicine: str | None = None) -> tuple[Item, ...]:
        """The items that apply to a patient with ``diagnosis_id`` and this planned
        ``medicine`` (see :meth:`Item.applies`), in pack order."""
        return tuple(i for i in self.items() if i.applies(diagnosis_id, medicine))

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
