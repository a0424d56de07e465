"""Reading the audit trail: each filter, newest first, CSV that a spreadsheet cannot run, only
for an administrator, and the reading itself audited."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import (
    NotAllowedError,
    create_account,
    create_first_administrator,
)
from consult_aid.services.audit_trail import AuditFilter, export_trail, read_trail, trail_csv
from consult_aid.services.store import Store
from consult_aid.storage.audit import AuditLog

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(db: Store) -> Account:
    account = create_first_administrator(db, "srivera", "Dr. Sam Rivera",
                                         "a long walk by the river", now=T0)
    log = AuditLog(db)
    # a known trail: two accounts, two consults, three days, one time zone west of UTC
    log.record("consult.opened", consult_id="c1", actor="srivera", at=T0 + timedelta(days=1))
    log.record("consult.opened", consult_id="c2", actor="jlee", at=T0 + timedelta(days=1))
    log.record("consult.edited", consult_id="c1", detail="fields=history.allergies",
               actor="jlee", at=T0 + timedelta(days=2))
    log.record("consult.signed", consult_id="c1", actor="srivera",
               at=datetime(2026, 11, 23, 20, 0, tzinfo=timezone(timedelta(hours=-5))))
    log.record("sign-in.failed", detail="=HYPERLINK(\"http://x\")", actor="jlee",
               at=T0 + timedelta(days=2))
    return account


def actions(entries: list) -> list[str]:  # type: ignore[type-arg]
    return [e.action for e in entries]


def test_each_filter_selects_what_it_says(db: Store, admin: Account,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the dates below are days on a clock at UTC
    time.tzset()
    now = T0 + timedelta(days=5)
    assert [e.consult_id for e in read_trail(db, admin, AuditFilter(consult_id="c1"), now=now)] \
        == ["c1", "c1", "c1"]
    jlee = read_trail(db, admin, AuditFilter(actor="JLee"), now=now)
    assert actions(jlee) == ["sign-in.failed", "consult.edited", "consult.opened"]  # newest first
    assert actions(read_trail(db, admin, AuditFilter(action="sign-in"), now=now)) == \
        ["sign-in.failed"]
    assert actions(read_trail(db, admin, AuditFilter(action="consult.signed"), now=now)) == \
        ["consult.signed"]
    # 20:00 at UTC-5 on the 23rd is 01:00 UTC on the 24th: compared as instants
    day = read_trail(db, admin, AuditFilter(since=date(2026, 11, 24), until=date(2026, 11, 24),
                                            action="consult"), now=now)
    assert actions(day) == ["consult.signed"]
    both = read_trail(db, admin, AuditFilter(actor="jlee", consult_id="c1"), now=now)
    assert actions(both) == ["consult.edited"]
    # reading is itself on the trail, with the filter but no result
    last = AuditLog(db).entries()[-1]
    assert (last.actor, last.action, last.detail) == ("srivera", "audit.read",
                                                      "actor=jlee; consult=c1")


def test_only_an_administrator_reads_it(db: Store, admin: Account) -> None:
    clinician = create_account(db, admin, "mkhan", "Dr. Mina Khan", frozenset({Role.CLINICIAN}),
                               "blue harbour at dawn", now=T0)
    with pytest.raises(NotAllowedError):
        read_trail(db, clinician, AuditFilter(), now=T0)
    with pytest.raises(NotAllowedError):
        export_trail(db, clinician, AuditFilter(), now=T0)
    assert AuditLog(db).entries()[-1].action == "refused"


def test_csv_is_whole_and_cannot_run_a_formula(db: Store, admin: Account) -> None:
    text = export_trail(db, admin, AuditFilter(actor="jlee"), now=T0 + timedelta(days=5))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "at", "account", "action", "consult", "detail"]
    assert len(rows) == 4
    assert rows[1][5] == "'=HYPERLINK(\"http://x\")"
    assert rows[2][5] == "fields=history.allergies"
    assert AuditLog(db).entries()[-1].detail == "3 entries; actor=jlee"
    assert trail_csv([]) == "id,at,account,action,consult,detail\r\n"
