"""The consult as plain data, with the rules a clinician would apply. No I/O, no Qt."""

from __future__ import annotations

from consult_aid.domain.consult import (
    Addendum,
    Condition,
    Consult,
    ConsultStatus,
    ConsultSummary,
    Decision,
    DecisionChoice,
    DecisionScope,
    HandoutGiven,
    History,
    HistoryFinding,
    Lifestyle,
    PackRef,
    PatientQuestion,
    PsychEvaluation,
    SureAnswers,
    TreatmentTried,
    Values,
)
from consult_aid.domain.participants import (
    Clinician,
    Contact,
    Decider,
    Interpreter,
    Participants,
    Patient,
    Person,
    Sex,
)
from consult_aid.domain.signature import Point, Signature, SignerRole, Stroke
from consult_aid.domain.teachback import TeachBack, Understanding
from consult_aid.domain.validation import Problem, ValidationError

__all__ = [
    "Addendum",
    "Clinician",
    "Condition",
    "Consult",
    "ConsultStatus",
    "ConsultSummary",
    "Contact",
    "Decider",
    "Decision",
    "DecisionChoice",
    "DecisionScope",
    "HandoutGiven",
    "History",
    "HistoryFinding",
    "Interpreter",
    "Lifestyle",
    "PackRef",
    "Participants",
    "Patient",
    "PatientQuestion",
    "Person",
    "Point",
    "Problem",
    "PsychEvaluation",
    "Sex",
    "Signature",
    "SignerRole",
    "Stroke",
    "SureAnswers",
    "TeachBack",
    "TreatmentTried",
    "Understanding",
    "ValidationError",
    "Values",
]
