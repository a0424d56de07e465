"""Patients and clinicians."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from consult_aid.domain import Clinician, Contact, Patient, Sex
from consult_aid.domain.validation import raise_if
from consult_aid.errors import NotFoundError
from consult_aid.storage.database import Database
from consult_aid.storage.search_query import fts_query, tsquery

_PATIENT_COLUMNS = "id, name, date_of_birth, sex, mrn, phone, email, address"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _patient(row: tuple[Any, ...]) -> Patient:
    pid, name, dob, sex, mrn, phone, email, address = row
    return Patient(id=pid, name=name, date_of_birth=date.fromisoformat(dob), sex=Sex(sex),
                   mrn=mrn, contact=Contact(phone=phone, email=email, address=address))


class PatientRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, patient: Patient, *, today: date | None = None) -> Patient:
        """Insert or update; assigns an id to a new patient. Validates first."""
        raise_if(patient.problems(today or date.today()))
        if not patient.id:
            patient.id = uuid.uuid4().hex
        now = _now()
        with self.db.transaction() as con:
            con.execute(
                f"INSERT INTO patients({_PATIENT_COLUMNS}, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
                "date_of_birth=excluded.date_of_birth, sex=excluded.sex, mrn=excluded.mrn, "
                "phone=excluded.phone, email=excluded.email, address=excluded.address, "
                "updated_at=excluded.updated_at",
                (patient.id, patient.name, patient.date_of_birth.isoformat(), patient.sex.value,
                 patient.mrn, patient.contact.phone, patient.contact.email,
                 patient.contact.address, now, now),
            )
        return patient

    def get(self, patient_id: str) -> Patient:
        row = self.db.query_one(f"SELECT {_PATIENT_COLUMNS} FROM patients WHERE id = ?",
                                (patient_id,))
        if row is None:
            raise NotFoundError(f"No patient with id {patient_id}.")
        return _patient(row)

    def search(self, text: str, limit: int = 50) -> list[Patient]:
        """Patients whose name or MRN starts with the words typed (accents ignored)."""
        postgres = self.db.backend == "postgresql"
        query = tsquery(text) if postgres else fts_query(text)
        if query is None:
            return self.recent(limit)
        match = ("patient_search.document @@ to_tsquery('simple', ?)" if postgres
                 else "patient_search MATCH ?")
        rows = self.db.query(
            f"SELECT {', '.join('p.' + c.strip() for c in _PATIENT_COLUMNS.split(','))} "
            "FROM patient_search JOIN patients AS p ON p.rowid = patient_search.rowid "
            f"WHERE {match} ORDER BY p.name LIMIT ?",
            (query, limit),
        )
        return [_patient(r) for r in rows]

    def recent(self, limit: int = 50) -> list[Patient]:
        rows = self.db.query(
            f"SELECT {_PATIENT_COLUMNS} FROM patients ORDER BY updated_at DESC LIMIT ?", (limit,))
        return [_patient(r) for r in rows]

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM patients")
        return int(row[0]) if row else 0


_CLINICIAN_COLUMNS = ("id, name, credentials, registration, clinic, clinic_phone, "
                      "out_of_hours_phone, emergency_number, cost_note")


def _clinician(row: tuple[Any, ...]) -> Clinician:
    (cid, name, credentials, registration, clinic, clinic_phone, out_of_hours, emergency,
     cost_note) = row
    return Clinician(id=cid, name=name, credentials=credentials, registration=registration,
                     clinic=clinic, clinic_phone=clinic_phone, out_of_hours_phone=out_of_hours,
                     emergency_number=emergency, cost_note=cost_note)


class ClinicianRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, clinician: Clinician) -> Clinician:
        raise_if(clinician.problems())
        if not clinician.id:
            clinician.id = uuid.uuid4().hex
        now = _now()
        with self.db.transaction() as con:
            con.execute(
                f"INSERT INTO clinicians({_CLINICIAN_COLUMNS}, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
                "credentials=excluded.credentials, registration=excluded.registration, "
                "clinic=excluded.clinic, clinic_phone=excluded.clinic_phone, "
                "out_of_hours_phone=excluded.out_of_hours_phone, "
                "emergency_number=excluded.emergency_number, cost_note=excluded.cost_note, "
                "updated_at=excluded.updated_at",
                (clinician.id, clinician.name, clinician.credentials, clinician.registration,
                 clinician.clinic, clinician.clinic_phone, clinician.out_of_hours_phone,
                 clinician.emergency_number, clinician.cost_note, now, now),
            )
        return clinician

    def get(self, clinician_id: str) -> Clinician:
        row = self.db.query_one(f"SELECT {_CLINICIAN_COLUMNS} FROM clinicians WHERE id = ?",
                                (clinician_id,))
        if row is None:
            raise NotFoundError(f"No clinician with id {clinician_id}.")
        return _clinician(row)

    def current(self) -> Clinician | None:
        """The clinician who set up this data folder most recently (one per exam-room PC); not
        the rows of other clinicians' accounts (``account-<user>``, services.clinic)."""
        row = self.db.query_one(
            f"SELECT {_CLINICIAN_COLUMNS} FROM clinicians WHERE id NOT LIKE 'account-%' "
            "ORDER BY updated_at DESC, rowid DESC LIMIT 1")
        return _clinician(row) if row else None
