"""The documents the window shows and prints besides the signed record: an unsigned preview of
the summary and the procedure's patient handout. Rendering only; nothing is stored."""

from __future__ import annotations

from consult_aid.content.model import Pack
from consult_aid.domain import Clinician, Consult
from consult_aid.report.handout import render_handout
from consult_aid.report.layout import Paper
from consult_aid.report.summary import render_summary


def summary_preview(consult: Consult, pack: Pack, paper: Paper | str = Paper.A4) -> bytes:
    """The summary as it would be signed now, unsigned (a draft stays a draft)."""
    return render_summary(consult, pack, paper=paper)


def patient_handout(pack: Pack, clinician: Clinician, paper: Paper | str = Paper.A4) -> bytes:
    """The pack's patient handout with the clinic's name and phone."""
    return render_handout(pack, clinic=clinician.clinic, clinic_phone=clinician.clinic_phone,
                          paper=paper)
