"""Find and add patients (the start screen)."""

from __future__ import annotations

from datetime import date

from consult_aid.domain import Patient
from consult_aid.domain.accounts import Permission
from consult_aid.services.access import LISTED, SEARCHED, record_access
from consult_aid.services.accounts import permit
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.people import PatientRepository


def find_patients(db: Database, text: str, limit: int = 50) -> list[Patient]:
    """Patients whose name or MRN starts with the words typed; the most recent without words."""
    permit(db, Permission.VIEW_CONSULTS)
    found = PatientRepository(db).search(text, limit=limit)
    record_access(db, SEARCHED if text.strip() else LISTED, burst=True,
                  detail=f"patients; {len(found)} found")
    return found


def add_patient(db: Database, patient: Patient, *, today: date) -> Patient:
    """Validate and store a new patient (an id is assigned); audited without the name."""
    permit(db, Permission.PREPARE_CONSULT)
    with db.transaction():
        stored = PatientRepository(db).save(patient, today=today)
        AuditLog(db).record("patient.added", detail=f"patient {stored.id}")
    return stored
