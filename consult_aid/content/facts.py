"""The consult facts a red flag may name, read from the domain so there is one list only."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from consult_aid.domain import Clinician, Consult, PackRef, Patient


@cache
def known_fact_keys() -> frozenset[str]:
    """Every key of ``Consult.facts()``, taken from a blank sample consult."""
    moment = datetime(2000, 1, 1, 9, 0)
    sample = Consult(
        id="sample",
        patient=Patient(name="Sample", date_of_birth=date(1970, 1, 1)),
        clinician=Clinician(name="Sample"),
        pack=PackRef(id="sample", version="0", content_hash=""),
        created_at=moment,
        updated_at=moment,
    )
    return frozenset(sample.facts())
