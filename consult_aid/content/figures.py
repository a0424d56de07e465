"""A pack figure as words and as a picture, from one place, so the two always agree.

Trevena et al. 2013 (risk communication): name the group the figure comes from, keep one
denominator, use whole numbers, show a range as its two ends, and let the picture show what the
sentence says. The window's icon array and the PDF's both draw an :class:`IconPicture`.
"""

from __future__ import annotations

from dataclasses import dataclass

from consult_aid.content.model import Frequency, Option

GRID_COLUMNS = {100: 10, 1000: 40}  # 10 x 10 people, or 40 x 25


def _whole(value: float) -> int:
    return round(value)


@dataclass(frozen=True, slots=True)
class IconPicture:
    """``denominator`` people in ``columns`` columns, filled row by row from the top left:
    the first ``low`` in full colour (the low end of the range), then up to ``count`` (the
    best estimate) in a middle tone, then up to ``high`` (the high end) in a light tone.
    Without a range ``low == count == high``. All whole people."""

    denominator: int
    columns: int
    low: int
    count: int
    high: int
    unit: str = "people"

    @property
    def rows(self) -> int:
        return self.denominator // self.columns

    @property
    def has_range(self) -> bool:
        return self.low != self.count or self.high != self.count

    def caption(self) -> str:
        """'23 of these 1,000 people (between 8 and 61)': the sentence's numbers."""
        text = f"{self.count:,} of these {self.denominator:,} {self.unit}"
        if self.has_range:
            text += f" (between {self.low:,} and {self.high:,})"
        return text


def picture(frequency: Frequency) -> IconPicture | None:
    """The picture of ``frequency``, or None when its denominator has no grid."""
    columns = GRID_COLUMNS.get(frequency.denominator)
    if columns is None:
        return None
    count = _whole(frequency.count)
    low = count if frequency.low is None else min(_whole(frequency.low), count)
    high = count if frequency.high is None else max(_whole(frequency.high), count)
    top = frequency.denominator
    return IconPicture(top, columns, min(low, top), min(count, top), min(high, top),
                       getattr(frequency, "unit", "people"))


def sentence(frequency: Frequency, *, short: bool = False) -> str:
    """'23 in 1,000 people while the tube was in (between 8 and 61 in 1,000)'; ``short``
    leaves the denominator out of the range: '(between 8 and 61)'."""
    count = _whole(frequency.count)
    unit = getattr(frequency, "unit", "people")
    text = f"{count:,} in {frequency.denominator:,} {unit} {frequency.timeframe}".strip()
    if frequency.low is not None and frequency.high is not None:
        text += f" (between {_whole(frequency.low):,} and {_whole(frequency.high):,}"
        text += ")" if short else f" in {frequency.denominator:,})"
    rest = getattr(frequency, "rest", "").strip()
    if rest:  # framed both ways: the others, in the same denominator
        text += f"; the other {frequency.denominator - count:,} {rest}"
    return text


def group_sentence(frequency: Frequency) -> str:
    """'In studies of people with cancer pain …' — who the figure comes from ('' if unnamed)."""
    group = getattr(frequency, "group", "").strip()
    if not group:
        return ""
    return f"From studies of {group}."


KEY_NUMBERS = "Key numbers"  # the comparison row of each option's key figures


def key_lines(option: Option, diagnosis_id: str = "") -> list[str]:
    """'Infection: 23 in 1,000 people while the tube was in' for each key figure of
    ``option`` that applies to ``diagnosis_id``: the comparison table's numbers, worded as the
    items themselves word them."""
    return [f"{i.title}: {sentence(i.frequency, short=True)}"
            for i in option.key_items(diagnosis_id) if i.frequency is not None]
