"""The fictional demo consult, built one way for everyone: the demo command, the first start
of a new data folder (its patient), the screenshots and the tests.

The demo is ``resources/demo/demo-consult.json``, a complete consult ready to sign. When the
installed pack has moved on since that file was written, the demo is pointed at the installed
version and any item the pack adds counts as discussed (demo data only).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from consult_aid.content.model import Pack
from consult_aid.domain import (
    Clinician,
    Consult,
    DecisionChoice,
    HistoryFinding,
    Interpreter,
    PackRef,
    Patient,
    PatientQuestion,
    Point,
    PsychEvaluation,
    Signature,
    SignerRole,
    Stroke,
    TeachBack,
    TreatmentTried,
)
from consult_aid.domain.accounts import Account
from consult_aid.domain.step_rules import consult_items
from consult_aid.errors import KnownError
from consult_aid.exchange.consult_json import consult_from_json
from consult_aid.resources import resource_path
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database
from consult_aid.storage.people import ClinicianRepository, PatientRepository

if TYPE_CHECKING:  # the signing stack and the pack loader are imported where they are used
    # (issue 16: start-up)
    from consult_aid.content import PackCatalog
    from consult_aid.signing.identity import SigningIdentity

DEMO_FILE = ("demo", "demo-consult.json")
SEEDED = "demo.patient_added"
# The demo folder's one account (administrator and clinician), documented in the README: the
# demo is fictional and its folder is never the real one.
DEMO_USER = "srivera"
DEMO_PASSWORD = "consult-aid-demo"  # noqa: S105 - the documented demo-only password


def demo_consult(catalog: PackCatalog) -> tuple[Consult, Pack]:
    """The complete demo consult (a fresh object each call) and the installed pack it uses."""
    from consult_aid.content import UnknownPackError

    consult = consult_from_json(resource_path(*DEMO_FILE).read_bytes())
    try:
        return consult, catalog.find(consult.pack.id, content_hash=consult.pack.content_hash)
    except UnknownPackError:
        pack = catalog.get(consult.pack.id)
        consult.pack = PackRef(pack.id, pack.version, pack.content_hash)
        for item in consult_items(consult, pack):
            record = consult.understanding_of(item.id)
            if not record.discussed:
                record.discussed, record.level = True, TeachBack.UNDERSTOOD
        return consult, pack


def demo_patient() -> Patient:
    """The fictional patient of the demo consult."""
    return consult_from_json(resource_path(*DEMO_FILE).read_bytes()).patient


def mid_discussion(consult: Consult, pack: Pack, now: datetime) -> Consult:
    """``consult`` filled as a clinician would have it part-way through the discussion: an
    interpreter, a raised prompt still to discuss, one item understood only partly, the patient
    wanting more information, only the patient's signature (screenshots and layout tests)."""
    c = consult
    c.participants.interpreter = Interpreter(name="Ana Ruiz", language="Spanish",
                                             identifier="INT-2231")
    k = c.condition
    k.diagnosis = "Pain after back surgery (persistent spinal pain syndrome type 2)"
    k.diagnosis_id = "psps-2"
    k.pain_location = "Lower back and both legs"
    k.pain_duration_months = 48
    k.pain_now, k.pain_average, k.pain_worst, k.interference = 6, 7, 9, 8
    k.function_notes = "Cannot stand for more than 10 minutes; sleeps 4 hours a night."
    k.treatments_tried = [TreatmentTried("Physiotherapy, 12 weeks", "Helped a little"),
                          TreatmentTried("Epidural steroid injections", "Relief for 3 weeks")]
    k.current_medicines = "Oxycodone 20 mg twice a day; pregabalin 150 mg twice a day"
    k.opioid_mme_per_day = 60
    h = c.history
    for name in ("infection", "diabetes", "immunosuppression", "bleeding_disorder",
                 "sleep_apnoea", "substance_use", "implanted_devices", "allergies"):
        setattr(h, name, HistoryFinding(False))
    h.anticoagulants = HistoryFinding(True, "Apixaban 5 mg twice a day (atrial fibrillation)")
    h.spine_surgery = HistoryFinding(True, "L4–L5 fusion, 2021")
    h.psych_evaluation = PsychEvaluation.PLANNED
    c.red_flags_discussed = {"anticoagulants": True}  # the opioid prompt is still to discuss
    life = c.lifestyle
    life.work = "Bus driver, on sick leave"
    life.activity = "Used to walk the dog every morning"
    life.goals = "Walk my granddaughter to school and sleep through the night."
    life.home_support = "Lives with his wife, who drives"
    life.travel_minutes = 50
    c.understanding = {}
    levels = [TeachBack.UNDERSTOOD, TeachBack.UNDERSTOOD, TeachBack.PARTLY]
    for item, level in zip(pack.items(), levels, strict=False):
        record = c.understanding_of(item.id)
        record.discussed, record.level = True, level
        if level is TeachBack.PARTLY:
            record.re_explained = True
            record.patient_words = "Something about the tube moving?"
    c.questions = [PatientQuestion("Can I still drive a bus with the pump?",
                                   "We will check with your employer's doctor; many people "
                                   "drive, but not during the trial.")]
    c.values.what_matters_most = "Being there for the grandchildren; not feeling drowsy."
    c.sure.sure, c.sure.understand, c.sure.risks_benefits_clear, c.sure.support = (
        False, True, True, True)
    c.decision.choice = DecisionChoice.MORE_INFORMATION
    c.decision.option_id = ""
    c.decision.next_steps = "Psychology appointment; talk with the cardiologist about apixaban."
    c.decision.follow_up = date(2026, 12, 15)
    scribble = tuple(Point(80 + i * 12, 200 - 60 * ((i % 6) / 5), 0.4 + 0.1 * (i % 5))
                     for i in range(60))
    c.signatures = [Signature(SignerRole.PATIENT, c.patient.name, now, SignerRole.PATIENT.meaning,
                              (Stroke(scribble),))]
    return c


def demo_identity(folder: Path, clinician: Clinician, password: str
                  ) -> tuple[SigningIdentity, bool]:
    """The signing identity in ``folder``, made for the demo's ``clinician`` (locked by
    ``password``) when there is none; and whether it was made now.

    Two programs starting on a new data folder at once: one makes the identity, the other
    finds it made (:class:`IdentityExistsError`) and uses it. It is never replaced.
    """
    from consult_aid.signing.identity import (
        IdentityExistsError,
        create_identity,
        has_identity,
        load_identity,
    )

    if has_identity(folder):
        return load_identity(folder), False
    try:
        return create_identity(folder, name=clinician.name, clinic=clinician.clinic,
                               password=password), True
    except IdentityExistsError:
        return load_identity(folder), False


def ensure_demo_patient(db: Database) -> Patient | None:
    """Add the demo patient once, to a database that has never had one; return it if added."""
    audit = AuditLog(db)
    if audit.has_entry(SEEDED):
        return None
    patients = PatientRepository(db)
    if patients.count() > 0:
        return None
    patient = demo_patient()
    with db.transaction():
        patients.save(patient)
        audit.record(SEEDED, detail="fictional demo patient")
    return patient


def ensure_demo_account(db: Database, clinician: Clinician, *, now: datetime) -> Account:
    """The demo folder's account (:data:`DEMO_USER`, password :data:`DEMO_PASSWORD`, named as
    the demo's clinician), made as the folder's first account when it has none. A folder whose
    accounts are not the demo's, or whose clinic was set up before accounts, is refused: the
    demo never adds a way into a real folder."""
    from consult_aid.services.accounts import create_first_administrator, has_accounts
    from consult_aid.storage.accounts import AccountRepository

    stored = AccountRepository(db).find(DEMO_USER)
    if stored is not None:
        return stored.account
    if has_accounts(db):
        raise KnownError("This data folder has accounts of its own, so the demo does not add "
                         "its account here; use a new folder for the demo (the default).")
    registered = ClinicianRepository(db).current()
    if registered is not None and registered.name != clinician.name:
        # a clinic's folder from before accounts: an administrator with a published password
        # would be a way into it
        raise KnownError("This data folder belongs to a clinic (it has a clinician set up), "
                         "so the demo does not add its account here; use a new folder for the "
                         "demo (the default).")
    return create_first_administrator(db, DEMO_USER, clinician.name, DEMO_PASSWORD, now=now)
