"""The people in the room: the patient, who decides, interpreter, witness and clinician."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from consult_aid.domain.validation import Problem, check_text


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Decider(StrEnum):
    """Who makes the decision: the patient, or a legally authorised representative."""

    PATIENT = "patient"
    REPRESENTATIVE = "representative"


@dataclass(slots=True)
class Contact:
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(slots=True)
class Patient:
    name: str
    date_of_birth: date
    sex: Sex = Sex.UNKNOWN
    mrn: str = ""
    contact: Contact = field(default_factory=Contact)
    id: str = ""

    def problems(self, today: date, prefix: str = "patient") -> list[Problem]:
        p = check_text(f"{prefix}.name", self.name, label="patient's name", required=True,
                       max_length=200)
        if self.date_of_birth > today:
            p.append(Problem(f"{prefix}.date_of_birth",
                             "The date of birth is in the future; check the year."))
        elif today.year - self.date_of_birth.year > 130:
            p.append(Problem(f"{prefix}.date_of_birth",
                             "The date of birth is more than 130 years ago; check the year."))
        p += check_text(f"{prefix}.mrn", self.mrn, label="medical record number", max_length=64)
        if self.contact.email and "@" not in self.contact.email:
            p.append(Problem(f"{prefix}.contact.email",
                             "The e-mail address needs an @, like name@example.org."))
        p += check_text(f"{prefix}.contact.phone", self.contact.phone, label="phone number",
                        max_length=64)
        p += check_text(f"{prefix}.contact.email", self.contact.email, label="e-mail address",
                        max_length=254)
        p += check_text(f"{prefix}.contact.address", self.contact.address, label="address",
                        max_length=500)
        return p

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


@dataclass(slots=True)
class Person:
    """A named participant other than the patient (representative, witness)."""

    name: str = ""
    relationship: str = ""


@dataclass(slots=True)
class Interpreter:
    name: str = ""
    language: str = ""
    identifier: str = ""


@dataclass(slots=True)
class Participants:
    decider: Decider = Decider.PATIENT
    representative: Person | None = None
    interpreter: Interpreter | None = None
    witness: Person | None = None

    def problems(self, prefix: str = "participants") -> list[Problem]:
        p: list[Problem] = []
        if self.decider is Decider.REPRESENTATIVE:
            if self.representative is None or not self.representative.name.strip():
                p.append(Problem(f"{prefix}.representative.name",
                                 "The patient's representative decides: enter their name."))
            elif not self.representative.relationship.strip():
                p.append(Problem(f"{prefix}.representative.relationship",
                                 "Enter how the representative is related to the patient "
                                 "(for example: spouse, guardian)."))
        if self.interpreter is not None:
            if not self.interpreter.language.strip():
                p.append(Problem(f"{prefix}.interpreter.language",
                                 "Enter the language the interpreter used."))
            if not (self.interpreter.name.strip() or self.interpreter.identifier.strip()):
                p.append(Problem(f"{prefix}.interpreter.name",
                                 "Enter the interpreter's name or ID number."))
        if self.witness is not None and not self.witness.name.strip():
            p.append(Problem(f"{prefix}.witness.name", "Enter the witness's name."))
        return p


COST_NOTE_MAX = 1500  # characters: a short paragraph on a printed handout


@dataclass(slots=True)
class Clinician:
    name: str
    credentials: str = ""
    registration: str = ""
    clinic: str = ""
    clinic_phone: str = ""  # the clinic's day-time number
    id: str = ""
    out_of_hours_phone: str = ""  # the clinic's number at night and at weekends
    emergency_number: str = ""  # the local emergency services number (handouts); "" unknown
    # The clinic's own words on cost and insurance for patients (no pack can know them)
    cost_note: str = ""

    def problems(self, prefix: str = "clinician") -> list[Problem]:
        p = check_text(f"{prefix}.name", self.name, label="clinician's name", required=True,
                       max_length=200)
        p += check_text(f"{prefix}.credentials", self.credentials, label="credentials",
                        max_length=200)
        p += check_text(f"{prefix}.registration", self.registration,
                        label="registration number", max_length=100)
        p += check_text(f"{prefix}.clinic", self.clinic, label="clinic's name", max_length=200)
        p += check_text(f"{prefix}.clinic_phone", self.clinic_phone, label="clinic's phone number",
                        max_length=64)
        p += check_text(f"{prefix}.out_of_hours_phone", self.out_of_hours_phone,
                        label="out-of-hours phone number", max_length=64)
        p += check_text(f"{prefix}.emergency_number", self.emergency_number,
                        label="emergency number", max_length=32)
        p += check_text(f"{prefix}.cost_note", self.cost_note,
                        label="note on cost and insurance", max_length=COST_NOTE_MAX)
        return p
