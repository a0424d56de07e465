"""What the patient understood of each benefit and risk (AHRQ teach-back, "chunk and check")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TeachBack(StrEnum):
    UNDERSTOOD = "understood"
    PARTLY = "partly"
    NOT_YET = "not_yet"

    @property
    def label(self) -> str:
        from consult_aid.domain.labels import TEACH_BACK_LABELS

        return TEACH_BACK_LABELS[self]


@dataclass(slots=True)
class Understanding:
    """One benefit or risk of the pack, as discussed with this patient.

    ``item_id`` is the pack's id for the benefit or risk. An item is *open* until it was
    discussed and the teach-back showed it understood: the consult keeps it visible until then.
    """

    item_id: str
    discussed: bool = False
    level: TeachBack | None = None
    patient_words: str = ""
    re_explained: bool = False

    @property
    def is_open(self) -> bool:
        return not (self.discussed and self.level is TeachBack.UNDERSTOOD)
