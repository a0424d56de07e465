"""The documents the window shows and prints besides the signed record: an unsigned preview of
the summary and the procedure's patient handout. Rendering only; nothing is stored."""

from __future__ import annotations

from datetime import datetime

from consult_aid.content.model import Pack
from consult_aid.domain import Clinician, Consult, HandoutGiven
from consult_aid.domain.step_rules import chosen_option
from consult_aid.report.handout import ClinicContacts, HandoutPlan, render_handout
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary


def summary_preview(consult: Consult, pack: Pack, paper: Paper | str = Paper.A4) -> bytes:
    """The summary as it would be signed now, unsigned (a draft stays a draft)."""
    return render_summary(consult, pack, paper=paper)


def patient_handout(pack: Pack, clinician: Clinician, paper: Paper | str = Paper.A4,
                    plan: HandoutPlan | None = None, *, carer: bool = False) -> bytes:
    """The pack's patient handout with the clinic's name and numbers (and the emergency
    number), personalised with ``plan`` when given."""
    contacts = ClinicContacts(
        clinic=clinician.clinic,
        day_phone=clinician.clinic_phone,
        out_of_hours_phone=str(getattr(clinician, "out_of_hours_phone", "") or ""),
        emergency_number=str(getattr(clinician, "emergency_number", "") or ""),
        cost_note=str(getattr(clinician, "cost_note", "") or ""),
    )
    return render_handout(pack, contacts, plan, paper=paper, carer=carer)


def handout_plan(consult: Consult, pack: Pack) -> HandoutPlan:
    """What the handout says about this patient's plan, from the consult."""
    option = chosen_option(consult, pack)
    d = consult.decision
    return HandoutPlan(patient_name=consult.patient.name,
                       procedure=option.name if option is not None else pack.title,
                       medicine=d.medicine, next_steps=d.next_steps, follow_up=d.follow_up,
                       diagnosis_id=consult.condition.diagnosis_id)


def consult_handout(consult: Consult, pack: Pack, paper: Paper | str = Paper.A4, *,
                    carer: bool = False) -> bytes:
    """The handout for this consult's patient (or, with ``carer``, the carers' sheet): the
    clinic's numbers and the patient's plan."""
    return patient_handout(pack, consult.clinician, paper, handout_plan(consult, pack),
                           carer=carer)


def record_handout_given(consult: Consult, pack: Pack, now: datetime, *,
                         printed: bool = True, carer: bool = False) -> bool:
    """Note in a draft that the pack's handout (its title and version) was given at ``now``;
    False, and nothing changed, for a signed consult (its record is never edited)."""
    if consult.is_locked:
        return False
    handout = pack.carer_handout if carer and pack.carer_handout is not None else pack.handout
    consult.handouts_given.append(HandoutGiven(pack_id=pack.id, title=handout.title,
                                               version=pack.version, given_at=now,
                                               printed=printed))
    return True
