"""The documents the window shows and prints besides the signed record: an unsigned preview of
the summary and the procedure's patient handout. Rendering only; nothing is stored."""

from __future__ import annotations

from consult_aid.content.model import Pack
from consult_aid.domain import Clinician, Consult
from consult_aid.report.handout import ClinicContacts, HandoutPlan, render_handout
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary


def summary_preview(consult: Consult, pack: Pack, paper: Paper | str = Paper.A4) -> bytes:
    """The summary as it would be signed now, unsigned (a draft stays a draft)."""
    return render_summary(consult, pack, paper=paper)


def patient_handout(pack: Pack, clinician: Clinician, paper: Paper | str = Paper.A4,
                    plan: HandoutPlan | None = None) -> bytes:
    """The pack's patient handout with the clinic's name and numbers (and the emergency
    number), personalised with ``plan`` when given."""
    contacts = ClinicContacts(
        clinic=clinician.clinic,
        day_phone=clinician.clinic_phone,
        out_of_hours_phone=str(getattr(clinician, "out_of_hours_phone", "") or ""),
        emergency_number=str(getattr(clinician, "emergency_number", "") or ""),
    )
    return render_handout(pack, contacts, plan, paper=paper)
