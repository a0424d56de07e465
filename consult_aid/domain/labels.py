"""The words for the consult's answers, shared by the window, the review list and the PDF.

One table each, so the screen and the signed summary never name the same thing differently.
The window passes each through Qt's translation; these are the source strings.
"""

from __future__ import annotations

from consult_aid.domain.consult import (
    ConsultStatus,
    DecisionChoice,
    DecisionRole,
    DecisionScope,
    PsychEvaluation,
)
from consult_aid.domain.participants import Sex
from consult_aid.domain.signature import SignerRole
from consult_aid.domain.teachback import TeachBack

STATUS_LABELS: dict[ConsultStatus, str] = {
    ConsultStatus.DRAFT: "Draft",
    ConsultStatus.SIGNED: "Signed",
    ConsultStatus.AMENDED: "Signed, with addenda",
}

SEX_LABELS: dict[Sex, str] = {
    Sex.UNKNOWN: "Not recorded",
    Sex.FEMALE: "Female",
    Sex.MALE: "Male",
    Sex.OTHER: "Other",
}

SIGNER_ROLE_LABELS: dict[SignerRole, str] = {
    SignerRole.PATIENT: "Patient",
    SignerRole.REPRESENTATIVE: "Patient's representative",
    SignerRole.CLINICIAN: "Clinician",
    SignerRole.INTERPRETER: "Interpreter",
    SignerRole.WITNESS: "Witness",
}

DECISION_LABELS: dict[DecisionChoice, str] = {
    DecisionChoice.GO_AHEAD_TRIAL: "Go ahead with a trial",
    DecisionChoice.NOT_NOW: "Not now",
    DecisionChoice.DECLINE: "Decline",
    DecisionChoice.MORE_INFORMATION: "Needs more information",
}

SCOPE_LABELS: dict[DecisionScope, str] = {
    DecisionScope.TRIAL_ONLY: "The trial only. A new decision, after the trial, before any "
                              "implant",
    DecisionScope.TRIAL_AND_IMPLANT: "The trial, and the implant if the trial succeeds",
}

TEACH_BACK_LABELS: dict[TeachBack, str] = {
    TeachBack.UNDERSTOOD: "Understood",
    TeachBack.PARTLY: "Partly",
    TeachBack.NOT_YET: "Not yet",
}

HISTORY_LABELS: dict[str, str] = {
    "anticoagulants": "Blood thinners (anticoagulants, antiplatelets)",
    "infection": "Current infection",
    "diabetes": "Diabetes",
    "immunosuppression": "Weakened immune system or immune-suppressing medicines",
    "bleeding_disorder": "Bleeding disorder",
    "allergies": "Allergies",
    "sleep_apnoea": "Sleep apnoea",
    "substance_use": "Alcohol or drug use",
    "spine_surgery": "Earlier spine surgery",
    "implanted_devices": "Other implanted devices",
    "mri_needs": "MRI scans expected in future",
}

PSYCH_EVALUATION_LABELS: dict[PsychEvaluation, str] = {
    PsychEvaluation.NOT_DONE: "Not done",
    PsychEvaluation.PLANNED: "Planned",
    PsychEvaluation.DONE_NO_CONCERNS: "Done, no concerns",
    PsychEvaluation.DONE_CONCERNS: "Done, concerns to discuss",
}

DECISION_ROLE_LABELS: dict[DecisionRole, str] = {
    DecisionRole.ALONE: "Decide alone, after hearing the options",
    DecisionRole.SHARED: "Decide together with the clinician (shared)",
    DecisionRole.SOMEONE_ELSE: "Leave the decision to someone else",
}

# The SURE test (Légaré et al., Can Fam Physician 2010;56:e308), field name -> question.
SURE_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("sure", "Do you feel SURE about the best choice for you?"),
    ("understand", "Do you know the benefits and risks of each option?"),
    ("risks_benefits_clear", "Are you clear about which benefits and risks matter most to you?"),
    ("support", "Do you have enough support and advice to make a choice?"),
)


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "blood thinners ...", but "MRI scans ..."."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]
