"""The pack ids a consult names must be ids of its pack.

A consult records answers by the pack's ids: candidacy checklist items, benefits and risks
(teach-back), red flags discussed, the condition step's measures. The window only ever writes
ids of the pack it shows; a consult's JSON form may name anything. An id its pack does not
have would be an answer to a question nobody asked, kept in the record and counted nowhere, so
a consult read from outside is held against its pack (the exact version it records).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from consult_aid.domain.consult import Consult
from consult_aid.domain.validation import Problem


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


class PackIds(Protocol):
    """What this check needs from a pack (content's ``Pack`` provides it)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def checklist(self) -> Sequence[_HasId]: ...

    @property
    def red_flags(self) -> Sequence[_HasId]: ...

    @property
    def measures(self) -> Sequence[_HasId]: ...

    def items(self) -> Sequence[_HasId]: ...


def unknown_pack_ids(consult: Consult, pack: PackIds) -> list[Problem]:
    """One problem per kind of answer that names an id ``pack`` does not have (the first such
    id, named: it is the pack's vocabulary, not patient data)."""
    where = f"pack {pack.id} {pack.version}"
    checks: list[tuple[str, Iterable[str], Sequence[_HasId], str]] = [
        ("checklist", consult.checklist, pack.checklist, "candidacy checklist item"),
        ("understanding", consult.understanding, pack.items(), "benefit or risk"),
        ("red_flags_discussed", consult.red_flags_discussed, pack.red_flags, "red flag"),
        ("condition.measures", consult.condition.measures, pack.measures, "measure"),
    ]
    problems: list[Problem] = []
    for field, named, known, what in checks:
        ids = {entry.id for entry in known}
        unknown = next((key for key in named if key not in ids), None)
        if unknown is not None:
            problems.append(Problem(f"{field}.{unknown}",
                                    f"'{unknown}' is not a {what} of {where}."))
    for key, record in consult.understanding.items():
        if record.item_id != key:
            problems.append(Problem(f"understanding.{key}.item_id",
                                    "The record is filed under another benefit or risk than "
                                    "the one it names."))
            break
    return problems
