"""The people in the room: the patient, who decides, interpreter, witness and clinician."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from consult_aid.domain import limits as lim
from consult_aid.domain.limits import OPTIONAL_ID, limit_problems, line, prose
from consult_aid.domain.validation import Problem


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
    phone: str = field(default="", metadata=line("phone number", lim.PHONE))
    email: str = field(default="", metadata=line("e-mail address", lim.EMAIL))
    address: str = field(default="", metadata=prose("address", lim.ADDRESS))


@dataclass(slots=True)
class Patient:
    name: str = field(metadata=line("patient's name", lim.NAME))
    date_of_birth: date
    sex: Sex = Sex.UNKNOWN
    mrn: str = field(default="", metadata=line("medical record number", lim.MRN))
    contact: Contact = field(default_factory=Contact)
    id: str = field(default="", metadata=line("patient id", lim.ID, pattern=OPTIONAL_ID,
                                               rule=lim.ID_RULE))

    def problems(self, today: date, prefix: str = "patient") -> list[Problem]:
        p = limit_problems(Patient, self, prefix)
        if not self.name.strip():
            p.append(Problem(f"{prefix}.name", "Enter the patient's name."))
        if self.date_of_birth > today:
            p.append(Problem(f"{prefix}.date_of_birth",
                             "The date of birth is in the future; check the year."))
        elif today.year - self.date_of_birth.year > 130:
            p.append(Problem(f"{prefix}.date_of_birth",
                             "The date of birth is more than 130 years ago; check the year."))
        if self.contact.email and "@" not in self.contact.email:
            p.append(Problem(f"{prefix}.contact.email",
                             "The e-mail address needs an @, like name@example.org."))
        return p

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


@dataclass(slots=True)
class Person:
    """A named participant other than the patient (representative, witness)."""

    name: str = field(default="", metadata=line("name", lim.NAME))
    relationship: str = field(default="", metadata=line("relationship", lim.SHORT))


@dataclass(slots=True)
class Interpreter:
    name: str = field(default="", metadata=line("interpreter's name", lim.NAME))
    language: str = field(default="", metadata=line("language", lim.SHORT))
    identifier: str = field(default="", metadata=line("interpreter's ID number", lim.SHORT))


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
    name: str = field(metadata=line("clinician's name", lim.NAME))
    credentials: str = field(default="", metadata=line("credentials", lim.NAME))
    registration: str = field(default="", metadata=line("registration number", lim.SHORT))
    clinic: str = field(default="", metadata=line("clinic's name", lim.NAME))
    # the clinic's day-time number
    clinic_phone: str = field(default="", metadata=line("clinic's phone number", lim.PHONE))
    id: str = field(default="", metadata=line("clinician id", lim.ID, pattern=OPTIONAL_ID,
                                               rule=lim.ID_RULE))
    # the clinic's number at night and at weekends
    out_of_hours_phone: str = field(default="", metadata=line("out-of-hours phone number",
                                                              lim.PHONE))
    # the local emergency services number (handouts); "" unknown
    emergency_number: str = field(default="", metadata=line("emergency number", 32))
    # The clinic's own words on cost and insurance for patients (no pack can know them)
    cost_note: str = field(default="", metadata=prose("note on cost and insurance",
                                                      COST_NOTE_MAX))

    def problems(self, prefix: str = "clinician") -> list[Problem]:
        p = limit_problems(Clinician, self, prefix)
        if not self.name.strip():
            p.append(Problem(f"{prefix}.name", "Enter the clinician's name."))
        return p
