"""Realistic consults for tests, built through the domain model (fictional people)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

from consult_aid.content.model import Pack
from consult_aid.domain import (
    Clinician,
    Consult,
    Contact,
    Decision,
    DecisionChoice,
    PackRef,
    Patient,
    PatientQuestion,
    Point,
    Sex,
    Signature,
    SignerRole,
    Stroke,
    SureAnswers,
    TeachBack,
    TreatmentTried,
)
from consult_aid.domain.consult import DecisionScope, HistoryFinding, PsychEvaluation

CET = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 25, 14, 32, 5, tzinfo=CET)


def sample_patient(name: str = "Łukasz Øster-Müller", mrn: str = "MRN-004711") -> Patient:
    return Patient(name=name, date_of_birth=date(1961, 4, 12), sex=Sex.MALE, mrn=mrn,
                   contact=Contact(phone="+44 20 7946 0000", email="l.oster@example.org"),
                   id=hashlib.sha256(name.encode()).hexdigest()[:32])


def sample_clinician() -> Clinician:
    return Clinician(name="Dr. Amara Okafor", credentials="MD, FFPMRCA",
                     registration="GMC 7654321", clinic="Riverside Pain Clinic",
                     clinic_phone="+44 20 7946 0999", id="clin-1")


def sample_consult(consult_id: str = "c0ffee00000000000000000000000001", *,
                   patient: Patient | None = None) -> Consult:
    c = Consult(id=consult_id, patient=patient or sample_patient(), clinician=sample_clinician(),
                pack=PackRef("intrathecal-pump", "1.0.0", "ab" * 32),
                created_at=NOW, updated_at=NOW)
    c.condition.diagnosis = "Failed back surgery syndrome with neuropathic leg pain"
    c.condition.pain_now, c.condition.pain_average, c.condition.pain_worst = 6, 7, 9
    c.condition.treatments_tried = [TreatmentTried("Gabapentin", "Drowsy, little relief")]
    c.condition.opioid_mme_per_day = 90.0
    c.history.anticoagulants = HistoryFinding(True, "Apixaban 5 mg twice daily")
    c.history.psych_evaluation = PsychEvaluation.DONE_NO_CONCERNS
    c.lifestyle.goals = "Walk the dog to the park again"
    c.lifestyle.travel_minutes = 45
    u = c.understanding_of("ipump-infection")
    u.discussed, u.level, u.patient_words = True, TeachBack.UNDERSTOOD, "It could get infected"
    c.questions = [PatientQuestion("Will I still need tablets?", "Possibly fewer.")]
    c.sure = SureAnswers(True, True, True, False)
    c.decision = Decision(DecisionChoice.GO_AHEAD_TRIAL, "pump", "Book trial",
                          date(2026, 12, 9))
    return c


def sign_in_place(c: Consult, when: datetime = NOW) -> Consult:
    """Put a consult into its signed state (as the signing use case does before storing)."""
    from consult_aid.domain import ConsultStatus

    stroke = Stroke((Point(10, 20, 0.4), Point(200, 150, 0.7), Point(400, 90, 0.5)))
    c.signatures = [
        Signature(SignerRole.PATIENT, c.patient.name, when, SignerRole.PATIENT.meaning, (stroke,)),
        Signature(SignerRole.CLINICIAN, c.clinician.name, when, SignerRole.CLINICIAN.meaning,
                  (stroke,)),
    ]
    c.status = ConsultStatus.SIGNED
    c.signed_at = when
    return c


def fill_for_signing(c: Consult, pack: Pack, *,
                     choice: DecisionChoice = DecisionChoice.GO_AHEAD_TRIAL,
                     when: datetime = NOW) -> Consult:
    """Everything a consult on ``pack`` needs before it can be signed, filled in directly."""
    from consult_aid.domain import HistoryFinding as Finding
    from consult_aid.domain.consult import HISTORY_FINDINGS

    k = c.condition
    k.diagnosis, k.pain_location, k.pain_duration_months = "Back pain", "Back", 24
    k.pain_now, k.pain_average, k.pain_worst, k.interference = 5, 6, 8, 7
    for name in HISTORY_FINDINGS:
        setattr(c.history, name, Finding(False))
    c.history.psych_evaluation = PsychEvaluation.DONE_NO_CONCERNS
    c.lifestyle.goals, c.lifestyle.home_support, c.lifestyle.travel_minutes = "Walk", "Son", 30
    for item in pack.items():
        u = c.understanding_of(item.id)
        u.discussed, u.level = True, TeachBack.UNDERSTOOD
    for flag in pack.raised_red_flags(c.facts()):  # e.g. an opioid dose set before
        c.red_flags_discussed[flag.id] = True
    c.values.what_matters_most = "Family"
    c.sure.sure = c.sure.understand = c.sure.risks_benefits_clear = c.sure.support = True
    c.decision.choice = choice
    c.decision.recommendation = pack.options[0].id
    c.decision.recommendation_reason = "The trial shows whether it helps before any implant."
    if choice is DecisionChoice.GO_AHEAD_TRIAL:
        option = pack.options[0]
        c.decision.option_id = option.id
        c.decision.next_steps = "Book the trial"
        c.decision.follow_up = date(2026, 12, 20)
        if option.has_trial:
            c.decision.scope = DecisionScope.TRIAL_ONLY
        if option.medicines:
            c.decision.medicine = option.medicines[0]
    else:
        c.decision.next_steps = "Keep current care"
    stroke = (Stroke((Point(10, 10), Point(200, 150), Point(400, 60))),)
    c.signatures = [Signature(role, name, when, role.meaning, stroke)
                    for role, name in ((SignerRole.PATIENT, c.patient.name),
                                       (SignerRole.CLINICIAN, c.clinician.name))]
    return c
