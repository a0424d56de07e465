"""Emergency access: a one-time code restores one administrator account, is audited with who
and why, stays on show until acknowledged, and works only once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consult_aid.domain.accounts import Account, Role
from consult_aid.domain.consult import RecordLockedError
from consult_aid.domain.passwords import LOCKOUT_AFTER
from consult_aid.errors import InputError
from consult_aid.services.accounts import (
    NotAllowedError,
    SignInRefusedError,
    create_account,
    sign_in,
)
from consult_aid.services.emergency import (
    EmergencyAccessError,
    acknowledge,
    has_code,
    issue_code,
    unacknowledged,
    use_code,
)
from consult_aid.services.store import Store
from consult_aid.storage.audit import AuditLog
from tests.unit.accounts_data import ADMIN_PW, T0


def lock_out(db: Store) -> None:
    for n in range(LOCKOUT_AFTER):
        with pytest.raises(SignInRefusedError):
            sign_in(db, "srivera", "forgotten it entirely", now=T0 + timedelta(minutes=n))


def test_break_glass_restores_an_administrator_once_and_is_shown(db: Store,
                                                                 admin: Account) -> None:
    code = issue_code(db, admin, now=T0)
    assert len(code) == 29 and code.count("-") == 5
    stored = db.query_one("SELECT code_hash FROM emergency_codes")
    assert stored is not None and code not in stored[0] and stored[0].startswith("$argon2id$")
    lock_out(db)
    with pytest.raises(SignInRefusedError, match="locked"):
        sign_in(db, "srivera", ADMIN_PW, now=T0 + timedelta(minutes=11))
    # a wrong code: refused and recorded
    with pytest.raises(EmergencyAccessError):
        use_code(db, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", account="srivera",
                 new_password="a brand new sentence", used_by="Pat Manager",
                 reason="all administrators locked out", now=T0 + timedelta(minutes=12))
    # the right one, typed loosely (lower case, spaces)
    use_code(db, code.lower().replace("-", " "), account="srivera",
             new_password="a brand new sentence", used_by="Pat Manager",
             reason="all administrators locked out", now=T0 + timedelta(minutes=12))
    account = sign_in(db, "srivera", "a brand new sentence", now=T0 + timedelta(minutes=13))
    assert account.must_change_password
    (shown,) = unacknowledged(db)
    assert (shown.used_by, shown.reason, shown.account) == (
        "Pat Manager", "all administrators locked out", "srivera")
    assert not has_code(db)
    with pytest.raises(EmergencyAccessError):  # spent
        use_code(db, code, account="srivera", new_password="yet another sentence",
                 used_by="Pat Manager", reason="again", now=T0 + timedelta(minutes=14))
    entries = [(e.actor, e.action, e.detail) for e in AuditLog(db).entries()]
    assert ("(emergency access)", "emergency-access.failed", "by=Pat Manager") in entries
    assert ("(emergency access)", "emergency-access.used",
            "for=srivera; by=Pat Manager; reason=all administrators locked out") in entries
    acknowledge(db, account, shown.id, now=T0 + timedelta(minutes=15))
    assert unacknowledged(db) == []
    assert entries[-1][1] != "emergency-access.acknowledged"
    assert AuditLog(db).entries()[-1].action == "emergency-access.acknowledged"
    with pytest.raises(RecordLockedError, match="used once"), db.transaction() as con:
        con.execute("UPDATE emergency_codes SET used_at = NULL")


def test_it_opens_administrator_accounts_only_and_only_admins_make_codes(
        db: Store, admin: Account) -> None:
    clinician = create_account(db, admin, "mkhan", "Dr. Mina Khan",
                               frozenset({Role.CLINICIAN}), "blue harbour at dawn", now=T0)
    with pytest.raises(NotAllowedError):
        issue_code(db, clinician, now=T0)
    old = issue_code(db, admin, now=T0)
    code = issue_code(db, admin, now=T0)  # the newer one retires the older
    with pytest.raises(InputError, match="not one"):
        use_code(db, code, account="mkhan", new_password="taking over the clinic",
                 used_by="Mallory", reason="curious", now=T0)
    with pytest.raises(InputError, match="who you are"):
        use_code(db, code, account="srivera", new_password="taking over the clinic",
                 used_by=" ", reason="", now=T0)
    with pytest.raises(EmergencyAccessError):
        use_code(db, old, account="srivera", new_password="taking over the clinic",
                 used_by="Pat", reason="locked out", now=T0)
    assert has_code(db)
