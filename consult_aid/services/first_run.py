"""First start on a new data folder: a fictional demo patient is there to try the program on."""

from __future__ import annotations

from consult_aid.domain import Patient
from consult_aid.exchange.consult_json import consult_from_json
from consult_aid.resources import resource_path
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.people import PatientRepository

DEMO_CONSULT = ("demo", "demo-consult.json")
SEEDED = "demo.patient_added"


def demo_patient() -> Patient:
    """The fictional patient of the demo consult (resources/demo/demo-consult.json)."""
    text = resource_path(*DEMO_CONSULT).read_text(encoding="utf-8")
    return consult_from_json(text).patient


def ensure_demo_patient(db: Database) -> Patient | None:
    """Add the demo patient once, to a database that has never had one; return it if added."""
    audit = AuditLog(db)
    if any(e.action == SEEDED for e in audit.entries()):
        return None
    patients = PatientRepository(db)
    if patients.count() > 0:
        return None
    patient = demo_patient()
    with db.transaction():
        patients.save(patient)
        audit.record(SEEDED, detail="fictional demo patient")
    return patient
