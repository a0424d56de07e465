"""What the patient understood of each benefit and risk (AHRQ teach-back, "chunk and check")."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from consult_aid.domain import limits as lim
from consult_aid.domain.limits import line, prose


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

    item_id: str = field(metadata=line("benefit or risk id", lim.PACK_ID))
    discussed: bool = False
    level: TeachBack | None = None
    patient_words: str = field(default="", metadata=prose("patient's words", lim.WORDS))
    re_explained: bool = False

    @property
    def is_open(self) -> bool:
        return not (self.discussed and self.level is TeachBack.UNDERSTOOD)


@dataclass(frozen=True, slots=True)
class TeachBackTally:
    """What was recorded for the pack's benefits and risks, counted without overclaiming.

    Every item falls in exactly one of ``own_words`` (understood, with the patient's words
    recorded), ``understood_no_words`` (marked understood, no words recorded) and ``open``
    (not discussed, or not yet understood); ``re_explained`` counts items explained again,
    whichever group they ended in.
    """

    total: int
    own_words: int
    understood_no_words: int
    open: int
    re_explained: int

    def sentence(self) -> str:
        """'Of 25 benefits and risks: 9 explained back in the patient's own words, …'."""
        parts = [f"{self.own_words} explained back in the patient's own words (recorded)",
                 f"{self.understood_no_words} marked understood, without the patient's words "
                 "recorded",
                 f"{self.open} still open"]
        text = f"Of {self.total} benefits and risks: " + "; ".join(parts) + "."
        if self.re_explained:
            text += (f" {self.re_explained} of them "
                     f"{'was' if self.re_explained == 1 else 'were'} explained again and "
                     "checked.")
        return text


def tally(records: list[Understanding | None]) -> TeachBackTally:
    """Count one record (or None: never touched) per benefit or risk of the pack."""
    own = no_words = still_open = again = 0
    for record in records:
        if record is None or record.is_open:
            still_open += 1
        elif record.patient_words.strip():
            own += 1
        else:
            no_words += 1
        if record is not None and record.re_explained:
            again += 1
    return TeachBackTally(len(records), own, no_words, still_open, again)
