"""What of a draft can be stored while the clinician is still typing.

Storage refuses a draft that breaks a rule (a pain score of 12, a future date of birth). Rather
than lose every other change, :func:`savable_copy` puts each field with a problem back to its
last stored value; the window keeps showing the clinician's input with the message beside it,
and the field is stored once it is corrected.
"""

from __future__ import annotations

import copy
import re

from consult_aid.domain.consult import Consult

MAX_REVERTS = 8
_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


def savable_copy(current: Consult, last_saved: Consult) -> tuple[Consult, list[str]]:
    """A copy of ``current`` that the store accepts, and the fields held back."""
    snapshot = copy.deepcopy(current)
    held: list[str] = []
    for _ in range(MAX_REVERTS):
        problems = snapshot.problems()
        if not problems:
            return snapshot, held
        for problem in problems:
            if not _revert(snapshot, last_saved, problem.field):
                _revert(snapshot, last_saved, problem.field.split(".")[0].split("[")[0])
            held.append(problem.field)
    return snapshot, held


def _revert(target: object, source: object, path: str) -> bool:
    """Copy the value at dotted ``path`` (``signatures[0].strokes``) from source to target."""
    steps = path.split(".")
    try:
        for step in steps[:-1]:
            target, source = _child(target, step), _child(source, step)
        match = _STEP.fullmatch(steps[-1])
        if match is None:
            return False
        name, index = match.group(1), match.group(2)
        if index is None:
            setattr(target, name, copy.deepcopy(getattr(source, name)))
        else:
            getattr(target, name)[int(index)] = copy.deepcopy(getattr(source, name)[int(index)])
    except (AttributeError, IndexError, TypeError):
        return False
    return True


def _child(obj: object, step: str) -> object:
    match = _STEP.fullmatch(step)
    if match is None:
        raise AttributeError(step)
    value = getattr(obj, match.group(1))
    if value is None:
        raise AttributeError(step)
    return value if match.group(2) is None else value[int(match.group(2))]
