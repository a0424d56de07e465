"""Accounts on a real SQLite file: the first administrator, roles enforced in the services,
argon2id hashes, growing delays and a lockout after wrong passwords — all audited under the
account, never under a name from the environment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consult_aid.domain.accounts import Account, Permission, Role
from consult_aid.domain.consult import RecordLockedError
from consult_aid.domain.passwords import LOCKOUT_AFTER, delay_after, password_problem
from consult_aid.errors import InputError
from consult_aid.services import accounts
from consult_aid.services.accounts import (
    NotAllowedError,
    SignInRefusedError,
    create_account,
    create_first_administrator,
    reset_password,
    set_active,
    set_roles,
    sign_in,
)
from consult_aid.services.store import Store, open_store
from consult_aid.storage.audit import AuditLog
from tests.unit.accounts_data import ADMIN_PW, T0

ASSIST_PW = "seven green kettles boiling"



def last_entries(db: Store, n: int) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in AuditLog(db).entries()[-n:]]


def test_first_account_is_administrator_and_clinician_and_only_once(db: Store,
                                                                     admin: Account) -> None:
    assert admin.roles == {Role.ADMINISTRATOR, Role.CLINICIAN}
    assert admin.may(Permission.SIGN) and admin.may(Permission.MANAGE_ACCOUNTS)
    hashed = db.query_one("SELECT password_hash FROM accounts")
    assert hashed is not None and hashed[0].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert ADMIN_PW not in hashed[0]
    with pytest.raises(NotAllowedError):
        create_first_administrator(db, "intruder", "Someone", "another long passphrase",
                                   now=T0)
    assert last_entries(db, 1) == [("srivera", "account.created",
                                    "roles=administrator,clinician; first account")]


def test_sign_in_names_the_account_and_is_audited(db: Store, admin: Account,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "dr_nobody")
    monkeypatch.setenv("LOGNAME", "dr_nobody")
    account = sign_in(db, "SRivera ", ADMIN_PW, now=T0)
    assert account.username == "srivera"
    assert last_entries(db, 1) == [("srivera", "sign-in", "")]
    assert all(e.actor != "dr_nobody" for e in AuditLog(db).entries())


def test_an_assistant_cannot_sign_read_the_audit_or_change_accounts(db: Store,
                                                                    admin: Account) -> None:
    assistant = create_account(db, admin, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}),
                               ASSIST_PW, now=T0)
    assert assistant.must_change_password
    for permission in (Permission.SIGN, Permission.READ_AUDIT, Permission.MANAGE_ACCOUNTS,
                       Permission.RUN_CONSULT):
        assert not assistant.may(permission)
        with pytest.raises(NotAllowedError, match="assistant"):
            accounts.require(assistant, permission, db=db)
    assert assistant.may(Permission.PREPARE_CONSULT)
    # the services themselves refuse, whoever calls them
    with pytest.raises(NotAllowedError):
        create_account(db, assistant, "mallory", "Mallory", frozenset({Role.ADMINISTRATOR}),
                       "i am the admin now honestly", now=T0)
    with pytest.raises(NotAllowedError):
        reset_password(db, assistant, "srivera", "a password she chose herself", now=T0)
    with pytest.raises(NotAllowedError):
        accounts.list_accounts(db, assistant)
    refused = [e for e in AuditLog(db).entries() if e.action == "refused"]
    assert [(e.actor, e.detail) for e in refused] == [
        ("jlee", "sign"), ("jlee", "read the audit trail"), ("jlee", "manage accounts"),
        ("jlee", "run a consult"), ("jlee", "manage accounts"), ("jlee", "manage accounts"),
        ("jlee", "manage accounts")]
    assert db.query_one("SELECT count(*) FROM accounts")[0] == 2  # type: ignore[index]


def test_wrong_passwords_slow_down_then_lock_out_and_are_audited(db: Store,
                                                                 admin: Account) -> None:
    now = T0
    for attempt in range(1, LOCKOUT_AFTER + 1):
        with pytest.raises(SignInRefusedError) as refused:
            sign_in(db, "srivera", "not the password at all", now=now)
        if attempt < LOCKOUT_AFTER:
            assert refused.value.wait_seconds == delay_after(attempt)
            if delay_after(attempt):
                # the right password too early is refused: the delay is real
                with pytest.raises(SignInRefusedError, match="Wait"):
                    sign_in(db, "srivera", ADMIN_PW, now=now)
        now += timedelta(seconds=delay_after(attempt))
    assert "locked" in str(refused.value)
    assert [delay_after(n) for n in range(1, 10)] == [0, 0, 1, 2, 4, 8, 16, 30, 30]
    # locked: the right password does not open it before the lockout ends
    with pytest.raises(SignInRefusedError, match="locked"):
        sign_in(db, "srivera", ADMIN_PW, now=now + timedelta(minutes=14))
    assert sign_in(db, "srivera", ADMIN_PW, now=now + timedelta(minutes=16)).username == \
        "srivera"
    failed = [e for e in AuditLog(db).entries() if e.action == "sign-in.failed"]
    assert all(e.actor == "srivera" for e in failed)
    assert [e.detail for e in failed][:2] == ["wrong password (1 in a row)",
                                              "wrong password (2 in a row)"]
    assert sum("wrong password" in e.detail for e in failed) == LOCKOUT_AFTER
    assert all(ADMIN_PW not in e.detail and "not the password" not in e.detail
               for e in AuditLog(db).entries())


def test_an_unknown_name_reads_like_a_wrong_password(db: Store, admin: Account) -> None:
    with pytest.raises(SignInRefusedError) as unknown:
        sign_in(db, "nobody", ADMIN_PW, now=T0)
    with pytest.raises(SignInRefusedError) as wrong:
        sign_in(db, "srivera", "not the password at all", now=T0)
    assert str(unknown.value) == str(wrong.value)
    assert last_entries(db, 2)[0] == ("(no such account)", "sign-in.failed",
                                      "unknown or inactive account")


def test_an_administrator_reset_ends_a_lockout_and_asks_for_a_new_password(
        db: Store, admin: Account) -> None:
    create_account(db, admin, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}), ASSIST_PW, now=T0)
    for n in range(LOCKOUT_AFTER):
        with pytest.raises(SignInRefusedError):
            sign_in(db, "jlee", "guessing and guessing", now=T0 + timedelta(minutes=n))
    with pytest.raises(SignInRefusedError, match="locked"):
        sign_in(db, "jlee", ASSIST_PW, now=T0 + timedelta(minutes=11))
    reset_password(db, admin, "jlee", "a fresh start for jo", now=T0 + timedelta(minutes=11))
    account = sign_in(db, "jlee", "a fresh start for jo", now=T0 + timedelta(minutes=12))
    assert account.must_change_password
    accounts.change_own_password(db, account, "a fresh start for jo", "my own new sentence",
                                 now=T0 + timedelta(minutes=13))
    assert not sign_in(db, "jlee", "my own new sentence",
                       now=T0 + timedelta(minutes=14)).must_change_password
    assert ("srivera", "account.password-reset", "jlee") in last_entries(db, 10)


def test_password_strength() -> None:
    assert password_problem("short1!", "srivera") is not None
    assert password_problem("password1234", "srivera") is not None
    assert password_problem("Password1234!", "srivera") is not None
    assert password_problem("abcdefghijklmn", "srivera") is not None
    assert password_problem("aaaaaaaaaaaaaaaa", "srivera") is not None
    assert password_problem("srivera-is-here-2026", "srivera", "Dr. Sam Rivera") is not None
    assert password_problem("rivera the great one", "srivera", "Dr. Sam Rivera") is not None
    assert password_problem("x" * 257) is not None
    assert password_problem("a long walk by the river", "srivera", "Dr. Sam Rivera") is None
    with pytest.raises(InputError, match="12 characters"):
        create_first_administrator(Store.__new__(Store), "srivera", "Dr. Sam Rivera",
                                   "too short", now=T0)


def test_the_last_administrator_stays(db: Store, admin: Account) -> None:
    with pytest.raises(NotAllowedError, match="deactivate your own"):
        set_active(db, admin, "srivera", False, now=T0)
    with pytest.raises(NotAllowedError, match="last active administrator"):
        set_roles(db, admin, "srivera", frozenset({Role.CLINICIAN}), now=T0)
    create_account(db, admin, "admin2", "Pat Admin", frozenset({Role.ADMINISTRATOR}),
                   "second in command today", now=T0)
    set_roles(db, admin, "srivera", frozenset({Role.CLINICIAN}), now=T0)
    with pytest.raises(SignInRefusedError):
        set_active(db, sign_in(db, "admin2", "second in command today", now=T0), "srivera",
                   False, now=T0)
        sign_in(db, "srivera", ADMIN_PW, now=T0)


def test_accounts_are_never_deleted_nor_renamed(db: Store, admin: Account) -> None:
    with pytest.raises(RecordLockedError, match="stays on record"), db.transaction() as con:
        con.execute("DELETE FROM accounts")
    with pytest.raises(RecordLockedError, match="keeps its user name"), db.transaction() as con:
        con.execute("UPDATE accounts SET username = 'someone'")


def test_on_a_read_only_database_sign_in_checks_the_same_and_writes_nothing(
        db: Store, admin: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    paused: list[float] = []  # nothing can be counted there: each wrong password waits
    monkeypatch.setattr(accounts.time, "sleep", paused.append)
    before = db.query_one("SELECT count(*), max(id) FROM audit_log")
    with open_store(db.where, read_only=True) as ro:
        with pytest.raises(SignInRefusedError, match="not right"):
            sign_in(ro, "srivera", "not the password at all", now=T0)
        with pytest.raises(SignInRefusedError, match="not right"):
            sign_in(ro, "nobody", ADMIN_PW, now=T0)
        assert sign_in(ro, "srivera", ADMIN_PW, now=T0) == admin
    assert paused == [accounts.READ_ONLY_FAILURE_PAUSE] * 2  # wrong password, unknown name
    assert db.query_one("SELECT count(*), max(id) FROM audit_log") == before
    stored = db.query_one("SELECT failed_attempts FROM accounts WHERE username = 'srivera'")
    assert stored == (0,)
