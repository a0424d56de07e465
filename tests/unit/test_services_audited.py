"""Every write is a service call, and each leaves an audit entry (without patient text)."""

from __future__ import annotations

from datetime import timedelta

from consult_aid.datadir import DataFolder
from consult_aid.domain import Clinician, Patient
from consult_aid.services import consults
from consult_aid.services.clinic import register_clinician
from consult_aid.services.patients import add_patient
from consult_aid.services.settings import UiSettings, load_settings, save_settings
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from tests.builders import NOW, sample_clinician, sample_patient
from tests.pdfcheck import builtin_pack
from tests.signed_in import sign_in_db


def actions(db, consult_id: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.action for e in AuditLog(db).entries(consult_id)]


def test_adding_a_patient_registering_and_settings_are_audited(data_folder: DataFolder) -> None:
    with open_store(data_folder.database) as db:
        sign_in_db(db)
        patient = add_patient(db, Patient(name="Zofia Quill", date_of_birth=NOW.date()
                                          - timedelta(days=20_000)), today=NOW.date())
        register_clinician(db, data_folder, Clinician(name="Dr Ada Stone", clinic="Clinic"),
                           password="a long password", now=NOW)
        save_settings(db, data_folder, UiSettings(large_text=True))
        entries = AuditLog(db).entries()
    assert [e.action for e in entries] == ["patient.added", "identity.pinned",
                                          "clinician.registered", "settings.saved"]
    assert patient.id in entries[0].detail
    assert all("Zofia" not in e.detail and "Quill" not in e.detail for e in entries)
    assert load_settings(data_folder.settings).large_text is True


def test_autosaves_are_audited_once_per_stretch_of_editing(data_folder: DataFolder) -> None:
    pack = builtin_pack("intrathecal-pump")
    with open_store(data_folder.database) as db:
        sign_in_db(db)
        consult = consults.start_consult(db, sample_patient(), sample_clinician(), pack, NOW)
        for seconds in range(0, 300, 3):  # five minutes of typing: a save every 3 s
            consult.lifestyle.goals = f"Walk {seconds}"
            consults.save_draft(db, consult, now=NOW + timedelta(seconds=seconds),
                                step="lifestyle")
        assert actions(db, consult.id) == ["consult.started", "consult.saved"]
        consult.history.comorbidities = "Asthma"  # another part: a new entry, naming it
        consults.save_draft(db, consult, now=NOW + timedelta(seconds=301))
        later = NOW + consults.SAVE_AUDIT_GAP + timedelta(minutes=5)
        consults.save_draft(db, consult, now=later, step="decision")  # nothing changed
        consult.lifestyle.goals = "Walk 297 steps"
        consults.save_draft(db, consult, now=later, step="decision")
        saves = [e.detail for e in AuditLog(db).entries(consult.id) if e.action == "consult.saved"]
        assert saves == ["lifestyle", "history", "lifestyle"]  # the parts, never their values
        assert consults.get_consult(db, consult.id).lifestyle.goals == "Walk 297 steps"
        assert consults.last_step(db, consult.id) == "decision"


def test_an_unknown_stored_step_is_not_offered(data_folder: DataFolder) -> None:
    pack = builtin_pack("intrathecal-pump")
    with open_store(data_folder.database) as db:
        sign_in_db(db)
        consult = consults.start_consult(db, sample_patient(), sample_clinician(), pack, NOW)
        consults.save_draft(db, consult, now=NOW, step="a-step-that-was-removed")
        assert consults.last_step(db, consult.id) == ""
