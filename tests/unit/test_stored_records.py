"""A record stored by an earlier version stays readable when a later version tightens a limit
(never lose a consult): reading the database does not judge by today's input limits, while
saving and importing do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consult_aid.domain.limits import WORDS
from consult_aid.errors import InputError
from consult_aid.exchange.consult_json import consult_from_json, consult_to_json
from consult_aid.services.check import check_database
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult


def test_a_draft_over_a_new_limit_still_opens_and_check_passes(tmp_path: Path) -> None:
    path = tmp_path / "consult-aid.sqlite3"
    consult = sample_consult("c0ffee00000000000000000000000003")
    with open_database(path) as db:
        ConsultRepository(db).save_draft(consult)
        long_goals = "Swim in the lake with my grandchildren. " * 100  # 4,000 > WORDS
        assert len(long_goals) > WORDS
        document = json.loads(consult_to_json(consult))
        document["consult"]["lifestyle"]["goals"] = long_goals
        body = json.dumps(document, ensure_ascii=False)
        db.connection.execute("UPDATE consults SET body = ? WHERE id = ?", (body, consult.id))
        stored = ConsultRepository(db).get(consult.id)  # as an older version left it
    assert stored.lifestyle.goals == long_goals
    assert any(p.field == "lifestyle.goals" for p in stored.problems())  # to fix before saving
    with pytest.raises(InputError, match=r"lifestyle\.goals"):
        consult_from_json(body)  # a file with it is refused at the boundary
    assert check_database(path).ok
