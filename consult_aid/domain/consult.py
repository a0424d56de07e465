"""The consult aggregate: one informed-decision discussion about one procedure pack."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from consult_aid.domain import limits as lim
from consult_aid.domain.limits import (
    CONSULT_ID,
    OPTIONAL_ID,
    Text,
    items,
    limit_problems,
    line,
    pack_key,
    prose,
)
from consult_aid.domain.participants import Clinician, Participants, Patient
from consult_aid.domain.signature import Signature
from consult_aid.domain.teachback import Understanding
from consult_aid.domain.validation import Problem, check_score
from consult_aid.errors import KnownError

MAX_OPIOID_MME = 10_000.0
MAX_TRAVEL_MINUTES = 24 * 60


class ConsultStatus(StrEnum):
    """draft -> signed -> amended. Only a draft may change; a signed consult gains addenda."""

    DRAFT = "draft"
    SIGNED = "signed"
    AMENDED = "amended"

    @property
    def label(self) -> str:
        from consult_aid.domain.labels import STATUS_LABELS

        return STATUS_LABELS[self]


class RecordLockedError(KnownError):
    """A signed consult was about to be edited; it can only be amended by an addendum."""


@dataclass(frozen=True, slots=True)
class PackRef:
    """Exactly which procedure content the patient was shown."""

    id: str = field(metadata=line("pack id", lim.PACK_ID))
    version: str = field(metadata=line("pack version", lim.VERSION))
    content_hash: str = field(metadata=line("pack content hash", lim.HASH))


MAX_MEASURES = 20  # a pack's condition-step measures (tone, spasms, goals ...)
MAX_MEASURE_TEXT = 1000  # characters: a goal in the patient's words, or a scale's choice
MEASURE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(slots=True)
class TreatmentTried:
    treatment: str = field(default="", metadata=prose("treatment tried", lim.LINE))
    outcome: str = field(default="", metadata=prose("outcome of the treatment", 1000))


@dataclass(slots=True)
class Condition:
    diagnosis: str = field(default="", metadata=line("diagnosis", 500))
    # the pack's condition id, or "" when typed freely
    diagnosis_id: str = field(default="", metadata=line("diagnosis id", lim.PACK_ID))
    pain_location: str = field(default="", metadata=prose("pain location", lim.LINE))
    pain_duration_months: int | None = None
    pain_now: int | None = None
    pain_average: int | None = None
    pain_worst: int | None = None
    interference: int | None = None  # 0-10, how much pain interferes with daily activity
    function_notes: str = field(default="", metadata=prose("note on function", lim.NOTE))
    treatments_tried: list[TreatmentTried] = field(
        default_factory=list, metadata=items("treatments tried", lim.MAX_TREATMENTS))
    current_medicines: str = field(default="", metadata=prose("current medicines", lim.NOTE))
    opioid_mme_per_day: float | None = None  # oral morphine milligram equivalents per day
    # The pack's own measures (``Pack.measures``: a tone scale, the spasm score, goals), by
    # measure id, as recorded
    measures: dict[str, str] = field(default_factory=dict, metadata=items(
        "measures", MAX_MEASURES,
        key=Text("measure's name", 40, True, MEASURE_ID, "lower-case letters, digits and "
                                                         "hyphens, starting with one of the two"),
        value=Text("measure", MAX_MEASURE_TEXT, False)))

    def problems(self, prefix: str = "condition") -> list[Problem]:
        """The clinical rules; text lengths and counts are the consult's limits (see
        :mod:`consult_aid.domain.limits`)."""
        p: list[Problem] = []
        for name, label in (("pain_now", "pain score now"),
                            ("pain_average", "average pain score"),
                            ("pain_worst", "worst pain score"),
                            ("interference", "interference score")):
            p += check_score(f"{prefix}.{name}", getattr(self, name), label=label)
        if self.pain_duration_months is not None and not 0 <= self.pain_duration_months <= 1200:
            p.append(Problem(f"{prefix}.pain_duration_months",
                             "Pain duration must be from 0 to 1200 months."))
        if self.opioid_mme_per_day is not None and not (
            0 <= self.opioid_mme_per_day <= MAX_OPIOID_MME
        ):
            p.append(Problem(f"{prefix}.opioid_mme_per_day",
                             "The opioid dose must be from 0 to 10,000 mg oral morphine "
                             "equivalent a day."))
        scores_valid = not any(q.field.endswith(("pain_now", "pain_worst")) for q in p)
        if (scores_valid and self.pain_now is not None and self.pain_worst is not None
                and self.pain_now > self.pain_worst):
            p.append(Problem(f"{prefix}.pain_worst",
                             "The worst pain score is lower than the pain now; check both."))
        return p


@dataclass(slots=True)
class HistoryFinding:
    """A yes/no/unknown answer with details (``present`` is None until asked)."""

    present: bool | None = None
    details: str = field(default="", metadata=prose("details", 1000))


class PsychEvaluation(StrEnum):
    NOT_DONE = "not_done"
    PLANNED = "planned"
    DONE_NO_CONCERNS = "done_no_concerns"
    DONE_CONCERNS = "done_concerns"


HISTORY_FINDINGS = (
    "anticoagulants", "infection", "diabetes", "immunosuppression", "bleeding_disorder",
    "allergies", "sleep_apnoea", "substance_use", "spine_surgery", "implanted_devices",
    "mri_needs",
)


@dataclass(slots=True)
class History:
    comorbidities: str = field(default="", metadata=prose("comorbidities", lim.NOTE))
    anticoagulants: HistoryFinding = field(default_factory=HistoryFinding)
    infection: HistoryFinding = field(default_factory=HistoryFinding)
    diabetes: HistoryFinding = field(default_factory=HistoryFinding)
    immunosuppression: HistoryFinding = field(default_factory=HistoryFinding)
    bleeding_disorder: HistoryFinding = field(default_factory=HistoryFinding)
    allergies: HistoryFinding = field(default_factory=HistoryFinding)
    sleep_apnoea: HistoryFinding = field(default_factory=HistoryFinding)
    substance_use: HistoryFinding = field(default_factory=HistoryFinding)
    spine_surgery: HistoryFinding = field(default_factory=HistoryFinding)
    implanted_devices: HistoryFinding = field(default_factory=HistoryFinding)
    mri_needs: HistoryFinding = field(default_factory=HistoryFinding)
    psych_evaluation: PsychEvaluation | None = None
    psych_notes: str = field(default="", metadata=prose("note on the psychological evaluation",
                                                        lim.NOTE))

    def finding(self, name: str) -> HistoryFinding:
        if name not in HISTORY_FINDINGS:
            raise KeyError(name)
        finding: HistoryFinding = getattr(self, name)
        return finding


@dataclass(slots=True)
class Lifestyle:
    work: str = field(default="", metadata=prose("work", 1000))
    activity: str = field(default="", metadata=prose("activity", 1000))
    # in the patient's own words
    goals: str = field(default="", metadata=prose("goals", lim.WORDS))
    home_support: str = field(default="", metadata=prose("support at home", 1000))
    travel_minutes: int | None = None  # one way, to the clinic for refills and follow-up

    def problems(self, prefix: str = "lifestyle") -> list[Problem]:
        if self.travel_minutes is not None and not 0 <= self.travel_minutes <= MAX_TRAVEL_MINUTES:
            return [Problem(f"{prefix}.travel_minutes",
                            "Travel time must be from 0 to 1440 minutes (one day).")]
        return []


@dataclass(slots=True)
class PatientQuestion:
    question: str = field(default="", metadata=prose("question", lim.WORDS))
    answer: str = field(default="", metadata=prose("answer", lim.NOTE))


class DecisionRole(StrEnum):
    """Ottawa Personal Decision Guide: how the patient prefers to decide."""

    ALONE = "alone"
    SHARED = "shared"
    SOMEONE_ELSE = "someone_else"


@dataclass(slots=True)
class Values:
    what_matters_most: str = field(default="", metadata=prose("what matters most", lim.WORDS))
    preferred_role: DecisionRole | None = None


@dataclass(slots=True)
class SureAnswers:
    """SURE test (Légaré et al. 2010): yes = 1, no = 0; a total of 3 or less flags conflict."""

    sure: bool | None = None
    understand: bool | None = None
    risks_benefits_clear: bool | None = None
    support: bool | None = None

    @property
    def complete(self) -> bool:
        return None not in (self.sure, self.understand, self.risks_benefits_clear, self.support)

    @property
    def score(self) -> int | None:
        if not self.complete:
            return None
        return sum(bool(a) for a in (self.sure, self.understand, self.risks_benefits_clear,
                                     self.support))

    @property
    def decisional_conflict(self) -> bool:
        score = self.score
        return score is not None and score <= 3


class DecisionChoice(StrEnum):
    GO_AHEAD_TRIAL = "go_ahead_trial"
    NOT_NOW = "not_now"
    DECLINE = "decline"
    MORE_INFORMATION = "more_information"

    @property
    def label(self) -> str:
        from consult_aid.domain.labels import DECISION_LABELS

        return DECISION_LABELS[self]


class DecisionScope(StrEnum):
    """What going ahead covers, for an option with a trial before a separate implant."""

    TRIAL_ONLY = "trial_only"  # a new decision, with its own discussion, before any implant
    TRIAL_AND_IMPLANT = "trial_and_implant"  # the implant follows if the trial succeeds

    @property
    def label(self) -> str:
        from consult_aid.domain.labels import SCOPE_LABELS

        return SCOPE_LABELS[self]


NO_RECOMMENDATION = "none"  # Decision.recommendation: the clinician made no recommendation


@dataclass(slots=True)
class Decision:
    choice: DecisionChoice | None = None
    # the pack option the patient prefers, if any
    option_id: str = field(default="", metadata=line("option id", lim.PACK_ID))
    next_steps: str = field(default="", metadata=prose("next steps", lim.NOTE))
    follow_up: date | None = None
    notes: str = field(default="", metadata=prose("notes", lim.NOTE))
    scope: DecisionScope | None = None  # for an option with a trial (pack: has_trial)
    # the planned medicine, for an option that has medicines
    medicine: str = field(default="", metadata=line("planned medicine", 200))
    # the option the clinician recommended, NO_RECOMMENDATION, or "" (not recorded)
    recommendation: str = field(default="", metadata=line("recommendation", 200))
    recommendation_reason: str = field(default="", metadata=prose("reason for the "
                                                                  "recommendation", lim.WORDS))
    # how a SURE score of 3 or less was addressed
    conflict_addressed: str = field(default="", metadata=prose("note on the decisional conflict",
                                                               lim.WORDS))

    def problems(self, consult_day: date, prefix: str = "decision") -> list[Problem]:
        p: list[Problem] = []
        if self.follow_up is not None and self.follow_up < consult_day:
            p.append(Problem(f"{prefix}.follow_up",
                             "The follow-up date is before the consult; choose a later date."))
        return p


@dataclass(slots=True)
class HandoutGiven:
    """A pack's patient handout given to the patient (printed in the window, or on paper)."""

    pack_id: str = field(metadata=line("handout's pack id", lim.PACK_ID))
    title: str = field(metadata=line("handout's title", 300))
    version: str = field(metadata=line("handout's version", lim.VERSION))
    given_at: datetime
    printed: bool = True  # printed by the program for this consult


@dataclass(slots=True)
class Addendum:
    """A note added after signing. The signed record itself never changes."""

    written_at: datetime
    author: str = field(metadata=line("addendum's author", lim.NAME))
    text: str = field(metadata=prose("addendum", lim.ADDENDUM))
    id: str = field(default="", metadata=line("addendum id", lim.ID, pattern=OPTIONAL_ID,
                                               rule=lim.ID_RULE))
    document_sha256: str = field(default="", metadata=line("addendum's document hash",
                                                           lim.HASH))


@dataclass(slots=True)
class Consult:
    id: str = field(metadata=line("consult id", lim.ID, pattern=CONSULT_ID, rule=lim.ID_RULE))
    patient: Patient
    clinician: Clinician
    pack: PackRef
    created_at: datetime
    updated_at: datetime
    status: ConsultStatus = ConsultStatus.DRAFT
    participants: Participants = field(default_factory=Participants)
    condition: Condition = field(default_factory=Condition)
    history: History = field(default_factory=History)
    lifestyle: Lifestyle = field(default_factory=Lifestyle)
    # candidacy item id -> met
    checklist: dict[str, bool | None] = field(default_factory=dict, metadata=items(
        "checklist items", lim.MAX_CHECKLIST, key=pack_key("checklist item id")))
    understanding: dict[str, Understanding] = field(default_factory=dict, metadata=items(
        "benefits and risks", lim.MAX_UNDERSTANDING, key=pack_key("benefit or risk id")))
    # pack red flag id -> discussed with the patient (a prompt, never a verdict: the record
    # shows the point was talked about, not what was concluded)
    red_flags_discussed: dict[str, bool] = field(default_factory=dict, metadata=items(
        "red flags", lim.MAX_RED_FLAGS, key=pack_key("red flag id")))
    questions: list[PatientQuestion] = field(default_factory=list, metadata=items(
        "questions", lim.MAX_QUESTIONS))
    values: Values = field(default_factory=Values)
    sure: SureAnswers = field(default_factory=SureAnswers)
    decision: Decision = field(default_factory=Decision)
    signatures: list[Signature] = field(default_factory=list, metadata=items(
        "signatures", lim.MAX_SIGNATURES))
    handouts_given: list[HandoutGiven] = field(default_factory=list, metadata=items(
        "handouts given", lim.MAX_HANDOUTS))
    addenda: list[Addendum] = field(default_factory=list, metadata=items(
        "addenda", lim.MAX_ADDENDA))
    signed_at: datetime | None = None
    pdf_sha256: str = field(default="", metadata=line("summary's hash", lim.HASH))

    @property
    def is_locked(self) -> bool:
        return self.status is not ConsultStatus.DRAFT

    def ensure_editable(self) -> None:
        if self.is_locked:
            raise RecordLockedError(
                "This consult is signed and can no longer be changed; add an addendum instead."
            )

    def understanding_of(self, item_id: str) -> Understanding:
        """The record for one benefit or risk, created (not discussed) on first use."""
        record = self.understanding.get(item_id)
        if record is None:
            record = Understanding(item_id=item_id)
            self.understanding[item_id] = record
        return record

    def problems(self) -> list[Problem]:
        """Every rule broken by what has been entered so far (not what is still missing)."""
        day = self.created_at.date()
        p = self.patient.problems(day)
        p += self.clinician.problems()
        p += limit_problems(Consult, self, "", skip=frozenset({"patient", "clinician"}))
        p += self._time_problems()
        p += self.participants.problems()
        p += self.condition.problems()
        p += self.lifestyle.problems()
        p += self.decision.problems(day)
        for i, sig in enumerate(self.signatures):
            p += sig.problems(f"signatures[{i}]")
            if sig.signed_at.tzinfo is not None and sig.signed_at < self.created_at:
                p.append(Problem(f"signatures[{i}].signed_at",
                                 f"The {sig.role.label.lower()}'s signature is dated before "
                                 "the consult started."))
        return p

    def _time_problems(self) -> list[Problem]:
        """The consult's own times in order: nothing happens to it before it started."""
        p: list[Problem] = []
        start = self.created_at
        if start.utcoffset() is None:
            return p
        if self.updated_at.utcoffset() is not None and self.updated_at < start:
            p.append(Problem("updated_at", "The time of the last change is before the consult "
                                           "started; check the date and time."))
        if (self.signed_at is not None and self.signed_at.utcoffset() is not None
                and self.signed_at < start):
            p.append(Problem("signed_at", "The consult is signed at a time before it "
                                          "started; check the date and time."))
        return p

    def facts(self) -> dict[str, object]:
        """A flat view of the answers (``history.anticoagulants`` -> True/False/None ...).

        Procedure packs phrase their red-flag rules against these keys, so content never
        needs to know the shape of the domain classes.
        """
        facts: dict[str, object] = {}
        for name in HISTORY_FINDINGS:
            facts[f"history.{name}"] = self.history.finding(name).present
        facts["history.psych_evaluation"] = (
            self.history.psych_evaluation.value if self.history.psych_evaluation else None
        )
        facts["lifestyle.travel_minutes"] = self.lifestyle.travel_minutes
        facts["condition.opioid_mme_per_day"] = self.condition.opioid_mme_per_day
        facts["condition.pain_average"] = self.condition.pain_average
        facts["condition.pain_duration_months"] = self.condition.pain_duration_months
        # the diagnosis as chosen from the pack's list ("" typed in: None, applies to all)
        facts["condition.diagnosis_id"] = self.condition.diagnosis_id or None
        facts["patient.age"] = self.patient.age_on(self.created_at.date())
        facts["participants.decider"] = self.participants.decider.value
        return facts


@dataclass(frozen=True, slots=True)
class ConsultSummary:
    """One row of the consult list and the archive (read, never edited)."""

    id: str
    patient_name: str
    date_of_birth: date
    mrn: str
    created_at: datetime
    pack_id: str
    pack_version: str
    status: ConsultStatus
    diagnosis: str
