"""The review step's overview writes numbers as the record does ("60 mg", never "60.0")."""

from __future__ import annotations

from consult_aid.domain.overview import overview
from tests.pdfcheck import demo_consult, demo_pack


def test_the_opioid_dose_reads_as_in_the_record() -> None:
    consult = demo_consult()
    consult.condition.opioid_mme_per_day = 60.0
    rows = {label: value for section in overview(consult, demo_pack())
            for label, value in section.rows}
    assert rows["Opioid dose"] == "60 mg oral morphine equivalent a day"
    consult.condition.opioid_mme_per_day = 37.5
    rows = {label: value for section in overview(consult, demo_pack())
            for label, value in section.rows}
    assert rows["Opioid dose"] == "37.5 mg oral morphine equivalent a day"
