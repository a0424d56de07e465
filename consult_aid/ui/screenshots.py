"""Save a screenshot of the start screen and of every consult step at 1280×800.

    python -m consult_aid.ui.screenshots docs/screenshots

Runs offscreen in a throw-away data folder with a fictional patient and a consult filled in
part-way, so each page shows real content and real states (open items, a raised prompt).
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from consult_aid.content.model import Pack
from consult_aid.domain import (
    Consult,
    DecisionChoice,
    HistoryFinding,
    Interpreter,
    PatientQuestion,
    Point,
    PsychEvaluation,
    Signature,
    SignerRole,
    Stroke,
    TeachBack,
    TreatmentTried,
)

WIDTH, HEIGHT = 1280, 800
NOW = datetime(2026, 11, 24, 14, 32, 5, tzinfo=timezone(timedelta(hours=1)))


def fill_demo_consult(consult: Consult, pack: Pack) -> None:
    """Fill ``consult`` as a clinician would mid-discussion (for screenshots and layout tests)."""
    c = consult
    c.participants.interpreter = Interpreter(name="Ana Ruiz", language="Spanish",
                                             identifier="INT-2231")
    k = c.condition
    k.diagnosis, k.diagnosis_id = "Long-term pain that is hard to treat", "long-term-pain"
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
                 "sleep_apnoea", "substance_use", "implanted_devices"):
        setattr(h, name, HistoryFinding(False))
    h.anticoagulants = HistoryFinding(True, "Apixaban 5 mg twice a day (atrial fibrillation)")
    h.spine_surgery = HistoryFinding(True, "L4–L5 fusion, 2021")
    h.allergies = HistoryFinding(False)
    h.psych_evaluation = PsychEvaluation.PLANNED
    c.red_flags_discussed["anticoagulants"] = True  # the opioid prompt is still to discuss
    life = c.lifestyle
    life.work = "Bus driver, on sick leave"
    life.activity = "Used to walk the dog every morning"
    life.goals = "Walk my granddaughter to school and sleep through the night."
    life.home_support = "Lives with his wife, who drives"
    life.travel_minutes = 50
    items = c.understanding_of
    levels = [TeachBack.UNDERSTOOD, TeachBack.UNDERSTOOD, TeachBack.PARTLY]
    for record_id, level in zip([i.id for i in pack.items()], levels, strict=False):
        record = items(record_id)
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
    c.decision.next_steps = "Psychology appointment; talk with the cardiologist about apixaban."
    c.decision.follow_up = date(2026, 12, 15)
    scribble = tuple(Point(80 + i * 12, 200 - 60 * ((i % 6) / 5), 0.4 + 0.1 * (i % 5))
                     for i in range(60))
    c.signatures = [Signature(SignerRole.PATIENT, c.patient.name, NOW, SignerRole.PATIENT.meaning,
                              (Stroke(scribble),))]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="consult-aid-shots-") as tmp:
        return _shoot(out, Path(tmp))


def _shoot(out: Path, tmp: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Clinician, Patient, Sex
    from consult_aid.services.consults import start_consult
    from consult_aid.services.review import STEP_IDS
    from consult_aid.signing.identity import create_identity
    from consult_aid.storage.consults import ConsultRepository
    from consult_aid.storage.people import ClinicianRepository
    from consult_aid.ui.app import build_context, close_context
    from consult_aid.ui.main_window import MainWindow
    from consult_aid.ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    data = DataFolder(tmp / "data").ensure()
    ctx = build_context(data)
    ctx.clock = lambda: NOW
    try:
        apply_theme(app, large_text=False)
        first_run = MainWindow(ctx)  # no clinician yet: the first-run setup page
        first_run.resize(WIDTH, HEIGHT)
        first_run.show()
        app.processEvents()
        first_run.grab().save(str(out / "first-run-setup.png"))
        first_run.close()
        first_run.deleteLater()
        app.processEvents()
        clinician = ClinicianRepository(ctx.db).save(Clinician(
            name="Dr Sam Okafor", credentials="MD, FIPP", clinic="Riverside Pain Clinic",
            clinic_phone="+1 555 0100"))
        create_identity(data.identity, name=clinician.name, clinic=clinician.clinic,
                        password=secrets.token_urlsafe(16), now=NOW)
        pack = ctx.catalog.get("intrathecal-pump")
        patient = Patient(name="Jordan Example (demo patient)",
                          date_of_birth=date(1961, 5, 14), sex=Sex.MALE, mrn="DEMO-0002")
        consult = start_consult(ctx.db, patient, clinician, pack, NOW)
        fill_demo_consult(consult, pack)
        ConsultRepository(ctx.db).save_draft(consult)
        apply_theme(app, large_text=False)
        window = MainWindow(ctx)
        window.resize(WIDTH, HEIGHT)
        window.show()
        app.processEvents()
        window.grab().save(str(out / "start-screen.png"))
        window.open_consult(consult.id)
        view = window.consult_view
        assert view is not None
        for number, step_id in enumerate(STEP_IDS, start=1):
            view.go_to(step_id, focus=False)
            for _ in range(3):
                app.processEvents()
            window.grab().save(str(out / f"step-{number}-{step_id.replace('_', '-')}.png"))
        window.close()
        app.processEvents()
    finally:
        close_context(ctx)
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
