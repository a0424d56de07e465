"""Drawn signatures: strokes of points with pressure, and who signed, when, and what it means."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from consult_aid.domain import limits as lim
from consult_aid.domain.limits import items, line, span
from consult_aid.domain.validation import Problem


class SignerRole(StrEnum):
    PATIENT = "patient"
    REPRESENTATIVE = "representative"
    CLINICIAN = "clinician"
    INTERPRETER = "interpreter"
    WITNESS = "witness"

    @property
    def order(self) -> int:
        """Where this signer's signature stands in the record: the person deciding first,
        then interpreter and witness, the clinician last."""
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        from consult_aid.domain.labels import SIGNER_ROLE_LABELS

        return SIGNER_ROLE_LABELS[self]

    @property
    def meaning(self) -> str:
        """The default meaning of this signature (21 CFR 11.50: shown with every signature)."""
        return _MEANINGS[self]


_ORDER = ("patient", "representative", "interpreter", "witness", "clinician")

_MEANINGS = {
    SignerRole.PATIENT: "I took part in this discussion. My questions were answered and this "
                        "summary records the decision I made.",
    SignerRole.REPRESENTATIVE: "I am the patient's legally authorised representative. I took part "
                               "in this discussion and this summary records the decision I made "
                               "for the patient.",
    SignerRole.CLINICIAN: "I discussed the options, benefits, risks and alternatives with the "
                          "patient and checked their understanding as recorded here.",
    SignerRole.INTERPRETER: "I interpreted this discussion completely and accurately in the "
                            "language named here.",
    SignerRole.WITNESS: "I saw the discussion and the signatures recorded here.",
}


@dataclass(frozen=True, slots=True)
class Point:
    """A sampled pen position in signature-pad units (0..1000 wide, 0..300 high)."""

    x: float = field(metadata=span("pen's position across the pad", 0.0, 1000.0))
    y: float = field(metadata=span("pen's position down the pad", 0.0, 300.0))
    pressure: float = field(default=0.5, metadata=span("pen pressure", 0.0, 1.0))

    def __copy__(self) -> Point:
        return self  # immutable: a copy of a consult shares its points (issue 16: autosave)

    def __deepcopy__(self, memo: dict[int, object]) -> Point:
        return self


@dataclass(frozen=True, slots=True)
class Stroke:
    points: tuple[Point, ...] = field(metadata=items("points in one stroke", lim.MAX_POINTS))

    def __copy__(self) -> Stroke:
        return self  # immutable, its points too: shared by copies of a consult

    def __deepcopy__(self, memo: dict[int, object]) -> Stroke:
        return self


PAD_WIDTH = 1000.0  # the pad's units; Point's limits say the same
PAD_HEIGHT = 300.0


@dataclass(slots=True)
class Signature:
    role: SignerRole
    printed_name: str = field(metadata=line("signer's printed name", lim.NAME))
    signed_at: datetime
    meaning: str = field(metadata=line("signature's meaning", lim.MEANING))
    strokes: tuple[Stroke, ...] = field(default_factory=tuple, metadata=items(
        "strokes", lim.MAX_STROKES, total=("points", lim.MAX_POINTS, "points in the signature")))

    def problems(self, prefix: str = "signature") -> list[Problem]:
        p: list[Problem] = []
        if not self.printed_name.strip():
            p.append(Problem(f"{prefix}.printed_name", "Enter the signer's printed name."))
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            p.append(Problem(f"{prefix}.signed_at", "The signing time needs a time zone."))
        if self.meaning != self.role.meaning:
            p.append(Problem(f"{prefix}.meaning",
                             f"The meaning of the {self.role.value}'s signature must be the "
                             "program's own text for that role."))
        if not self.strokes or sum(len(s.points) for s in self.strokes) < 2:
            p.append(Problem(f"{prefix}.strokes", f"The {self.role.value} has not signed yet."))
        return p
