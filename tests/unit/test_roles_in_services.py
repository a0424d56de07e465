"""Roles are enforced in the services themselves (issue 14): calling a service directly, with
an assistant or with no one signed in, is refused and audited; every access leaves one audit
entry under the signed-in account, never a name from the environment."""

from __future__ import annotations

import contextlib
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from consult_aid.datadir import DataFolder
from consult_aid.domain import DecisionChoice, TeachBack
from consult_aid.domain.accounts import Account, Permission, Role
from consult_aid.services import access, consults
from consult_aid.services.accounts import NotAllowedError
from consult_aid.services.audit_trail import AuditFilter, read_trail
from consult_aid.services.backup import make_backup
from consult_aid.services.clinic import register_clinician, update_clinician
from consult_aid.services.fhir import export_fhir
from consult_aid.services.identities import signer_identity
from consult_aid.services.restore import restore_backup
from consult_aid.services.signing import sign_and_archive
from consult_aid.services.store import Store, open_store
from consult_aid.services.trust import trust_certificate
from consult_aid.storage.audit import NOT_SIGNED_IN, AuditLog
from consult_aid.storage.server import ServerAddress
from tests.builders import NOW, sample_clinician, sample_patient
from tests.pdfcheck import builtin_pack, demo_consult, demo_pack
from tests.pg_server import fresh_database
from tests.signed_in import TEST_PASSWORD, add_account, sign_in_db

ASSISTANT = frozenset({Role.ASSISTANT})
SIGN_AT = datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=-5)))  # the demo's


@pytest.fixture
def store(archive_location: Path):  # type: ignore[no-untyped-def]
    with open_store(archive_location) as db:
        yield db


@pytest.fixture
def data_folder(tmp_path: Path, archive_location: Path | ServerAddress) -> DataFolder:
    """The test's data folder, keeping its consults where ``store`` does."""
    folder = DataFolder(tmp_path / "data").ensure()
    if isinstance(archive_location, ServerAddress):
        return DataFolder(folder.root, archive_location)
    return folder


def entries(db: Store) -> list[tuple[str, str, str | None]]:
    return [(e.actor, e.action, e.consult_id) for e in AuditLog(db).entries()]


def test_no_one_signed_in_is_refused_everywhere_and_each_refusal_is_audited(
        store: Store) -> None:
    pack = builtin_pack("intrathecal-pump")
    calls = [
        lambda: consults.start_consult(store, sample_patient(), sample_clinician(), pack, NOW),
        lambda: consults.summaries(store),
        lambda: consults.search(store, "Oster"),
        lambda: consults.archive_page(store, text="mu"),
        lambda: consults.get_consult(store, "c0ffee00000000000000000000000001"),
        lambda: consults.import_json(store, "{}"),
    ]
    for call in calls:
        with pytest.raises(NotAllowedError, match="No one is signed in"):
            call()
    refused = [e for e in AuditLog(store).entries() if e.action == "refused"]
    assert len(refused) == len(calls)
    assert {e.actor for e in refused} == {NOT_SIGNED_IN}
    assert store.query_one("SELECT COUNT(*) FROM consults") == (0,)


def test_an_assistant_prepares_the_intake_but_cannot_run_or_sign_the_consult(
        store: Store, data_folder: DataFolder) -> None:
    pack = builtin_pack("intrathecal-pump")
    sign_in_db(store, "jlee", "Jo Lee", ASSISTANT)
    consult = consults.start_consult(store, sample_patient(), sample_clinician(), pack, NOW)
    consult.history.comorbidities = "Asthma"
    consult.lifestyle.goals = "Garden again"
    assert consults.save_draft(store, consult, now=NOW + timedelta(seconds=5)) == [
        "history", "lifestyle"]
    consult.decision.choice = DecisionChoice.GO_AHEAD_TRIAL
    with pytest.raises(NotAllowedError, match="decision"):
        consults.save_draft(store, consult, now=NOW + timedelta(seconds=9))
    item = next(iter(pack.items())).id
    fresh = consults.get_consult(store, consult.id)
    assert fresh.decision.choice is None  # nothing of the refused save was written
    assert fresh.lifestyle.goals == "Garden again"
    fresh.understanding_of(item).level = TeachBack.UNDERSTOOD
    with pytest.raises(NotAllowedError, match="understanding"):
        consults.save_draft(store, fresh, now=NOW + timedelta(seconds=12))
    with pytest.raises(NotAllowedError, match="may not sign"):
        sign_and_archive(store, demo_consult(), demo_pack(), None, "x", NOW)  # type: ignore[arg-type]
    with pytest.raises(NotAllowedError, match="may not sign"):
        signer_identity(store, data_folder, store.account, TEST_PASSWORD, now=NOW)  # type: ignore[arg-type]
    admin = add_account(store, "admin2", "Ada Admin", frozenset({Role.ADMINISTRATOR}))
    with pytest.raises(NotAllowedError, match="read the audit trail"):
        read_trail(store, store.account, AuditFilter(), now=NOW)  # type: ignore[arg-type]
    with pytest.raises(NotAllowedError, match="manage trusted certificates"):
        trust_certificate(store, b"not even a certificate", now=NOW)
    with pytest.raises(NotAllowedError, match="change clinic settings"):
        update_clinician(store, sample_clinician(), now=NOW)
    refusals = [(e.actor, e.detail) for e in AuditLog(store).entries() if e.action == "refused"]
    assert refusals == [("jlee", "run a consult: decision"),
                        ("jlee", "run a consult: understanding")] + [("jlee", "sign")] * 2 + [
                        ("jlee", "read the audit trail"),
                                                ("jlee", "manage trusted certificates"),
                                                ("jlee", "change clinic settings")]
    assert admin.may(Permission.READ_AUDIT)


def test_after_a_refused_save_the_same_window_goes_on_saving_the_intake(store: Store) -> None:
    """A refused save is rolled back whole: the draft's row version this program remembers is
    the stored one, so the next save (the refused part taken back) is no "saved elsewhere"."""
    pack = builtin_pack("intrathecal-pump")
    sign_in_db(store, "jlee", "Jo Lee", ASSISTANT)
    consult = consults.start_consult(store, sample_patient(), sample_clinician(), pack, NOW)
    consult.decision.choice = DecisionChoice.GO_AHEAD_TRIAL
    with pytest.raises(NotAllowedError, match="decision"):
        consults.save_draft(store, consult, now=NOW + timedelta(seconds=5))
    consult.decision.choice = None
    consult.history.comorbidities = "Asthma"
    assert consults.save_draft(store, consult, now=NOW + timedelta(seconds=9)) == ["history"]
    assert consults.get_consult(store, consult.id).history.comorbidities == "Asthma"


def test_every_access_leaves_one_entry_under_the_signed_in_account(
        store: Store, data_folder: DataFolder, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.setenv("USER", "dr_nobody")
    monkeypatch.setenv("LOGNAME", "dr_nobody")
    register_clinician(store, data_folder, sample_clinician(), password="a long password",
                       now=NOW)
    clinician = sign_in_db(store, "aokafor", sample_clinician().name, frozenset({Role.CLINICIAN}))
    pack = builtin_pack("intrathecal-pump")
    consult = consults.start_consult(store, sample_patient(), sample_clinician(), pack, NOW)
    consult.condition.diagnosis = "Failed back surgery syndrome"
    consults.save_draft(store, consult, now=NOW + timedelta(seconds=3))
    consults.get_consult(store, consult.id)
    consults.search(store, "oster")
    consults.summaries(store)
    access.record_previewed(store, consult.id)
    access.record_printed(store, consult.id, "handout")
    consults.export_json(store, consult.id)
    demo = demo_consult()
    identity = signer_identity(store, data_folder, clinician, TEST_PASSWORD, now=NOW)
    signed = sign_and_archive(store, demo, demo_pack(), identity, TEST_PASSWORD, SIGN_AT)
    export_fhir(store, demo.id, now=SIGN_AT)
    access.record_verified(store, "valid, this clinic's own", consult_id=demo.id)
    log = entries(store)
    tail = [(a, c) for _, a, c in log[log.index(("aokafor", "consult.started", consult.id)):]]
    assert tail == [
        ("consult.started", consult.id), ("consult.saved", consult.id),
        ("consult.opened", consult.id), ("consults.searched", None),
        ("consults.listed", None), ("consult.previewed", consult.id),
        ("consult.printed", consult.id), ("consult.exported", consult.id),
        ("identity.pinned", None), ("identity.made", None), ("consult.signed", demo.id),
        ("consult.exported", demo.id), ("document.verified", demo.id)]
    signed_entries = [e for e in log if (e[1] != "clinician.registered"
                      and e[1] != "identity.pinned") or e[0] == "aokafor"]
    assert all(actor == "aokafor" for actor, _, _ in signed_entries[1:])
    assert not any(actor == "dr_nobody" for actor, _, _ in log)
    saved = next(e for e in AuditLog(store).entries() if e.action == "consult.saved")
    assert saved.detail == "condition"  # the part changed, never its value
    assert signed.consult.clinician.name == sample_clinician().name
    # backup and restore name their account too
    backups = make_backup(data_folder, tmp_path / "backups", now=NOW + timedelta(hours=1),
                          actor=clinician)
    assert entries(store)[-1] == ("aokafor", "data.backed_up", None)
    admin = add_account(store, "admin2", "Ada Admin", frozenset({Role.ADMINISTRATOR}))
    with pytest.raises(NotAllowedError, match="may not restore"):
        restore_backup(data_folder, backups.folder, now=NOW, actor=clinician)
    assert entries(store)[-1] == ("aokafor", "refused", None)  # recorded in the folder
    store.close()
    with contextlib.ExitStack() as stack:
        if data_folder.server is not None:  # a server's archive is restored into an empty one
            fresh = stack.enter_context(fresh_database(request.getfixturevalue("pg_admin_url")))
            data_folder = DataFolder(data_folder.root, ServerAddress.parse(fresh))
        restore_backup(data_folder, backups.folder, now=NOW + timedelta(hours=2), actor=admin)
        with open_store(data_folder.archive) as after:  # the backup's trail, then the restore
            assert entries(after)[-2:] == [("aokafor", "document.verified", demo.id),
                                           ("admin2", "data.restored", None)]
    shutil.rmtree(backups.folder)


def test_bursts_of_reads_are_recorded_once_a_minute(store: Store) -> None:
    sign_in_db(store)
    for letters in ("mu", "mue", "muel", "muell"):
        consults.archive_page(store, text=letters)
    assert [a for _, a, _ in entries(store)].count("consults.searched") == 1
    store.execute_for_test = None  # type: ignore[attr-defined]


def test_a_clinician_who_did_not_prepare_the_consult_signs_it_in_their_own_name(
        store: Store, data_folder: DataFolder) -> None:
    register_clinician(store, data_folder, sample_clinician(), password="a long password",
                       now=NOW)
    other: Account = sign_in_db(store, "bchen", "Dr. Bo Chen",
                                frozenset({Role.CLINICIAN}))
    identity = signer_identity(store, data_folder, other, TEST_PASSWORD, now=NOW)
    result = sign_and_archive(store, demo_consult(), demo_pack(), identity, TEST_PASSWORD,
                              SIGN_AT)
    assert result.consult.clinician.name == "Dr. Bo Chen"
    assert result.consult.clinician.credentials == ""  # never the set-up clinician's
    assert result.signer == identity.subject and "Dr. Bo Chen" in identity.subject


def test_a_failed_export_or_signature_is_recorded_as_failed_never_as_done(
        store: Store, data_folder: DataFolder, tmp_path: Path) -> None:
    sign_in_db(store, display_name="Dr. Sam Rivera")
    pack = builtin_pack("intrathecal-pump")
    consult = consults.start_consult(store, sample_patient(), sample_clinician(), pack, NOW)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        consults.export_copy(store, consult.id, blocked)
    identity = signer_identity(store, data_folder, store.account, TEST_PASSWORD, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="password"):
        sign_and_archive(store, demo_consult(), demo_pack(), identity, "not the password",
                         SIGN_AT)
    log = [(e.action, e.detail) for e in AuditLog(store).entries()]
    actions = [a for a, _ in log]
    assert "consult.exported" not in actions
    assert [d for a, d in log if a == "consult.exported.failed"] == ["FileExistsError"]
    assert ("consult.signed.failed", "WrongPasswordError") in log
    assert "consult.signed" not in actions


def test_only_an_account_that_may_change_clinic_settings_changes_the_idle_lock(
        store: Store, data_folder: DataFolder) -> None:
    from consult_aid.errors import InputError
    from consult_aid.services.settings import UiSettings, load_settings, save_settings

    sign_in_db(store, "jlee", "Jo Lee", ASSISTANT)
    save_settings(store, data_folder, UiSettings(large_text=True))  # a preference: anyone
    with pytest.raises(NotAllowedError, match="change clinic settings"):
        save_settings(store, data_folder, UiSettings(large_text=True, idle_lock_minutes=30))
    assert load_settings(data_folder.settings).idle_lock_minutes == 5
    sign_in_db(store)  # an administrator
    with pytest.raises(InputError, match="between 1 and 60 minutes"):
        save_settings(store, data_folder, UiSettings(idle_lock_minutes=0))
    save_settings(store, data_folder, UiSettings(idle_lock_minutes=15))
    assert load_settings(data_folder.settings).idle_lock_minutes == 15


def test_an_assistants_consult_names_the_clinics_clinician_until_a_clinician_signs_it(
        store: Store, data_folder: DataFolder) -> None:
    from consult_aid.services.clinic import clinician_for, needs_setup
    from consult_aid.signing.files import has_identity

    sign_in_db(store, "srivera", "Dr. Sam Rivera")
    register_clinician(store, data_folder, sample_clinician(), password=None, now=NOW)
    assert not has_identity(data_folder.identity)  # no folder key: each clinician has theirs
    assert not needs_setup(store, data_folder)
    assistant = sign_in_db(store, "jlee", "Jo Lee", ASSISTANT)
    named = clinician_for(store, assistant)
    assert named.name == sample_clinician().name and named.name != "Jo Lee"
    other = add_account(store, "bchen", "Dr. Bo Chen", frozenset({Role.CLINICIAN}))
    mine = clinician_for(store, other)
    assert (mine.name, mine.credentials, mine.registration) == ("Dr. Bo Chen", "", "")
    assert mine.clinic == sample_clinician().clinic


def test_a_wrong_password_at_signing_is_counted_and_recorded_like_a_sign_in(
        store: Store, data_folder: DataFolder) -> None:
    from consult_aid.services.accounts import SignInRefusedError

    account = sign_in_db(store, display_name="Dr. Sam Rivera")
    with pytest.raises(SignInRefusedError, match="The password is not right"):
        signer_identity(store, data_folder, account, "not my password at all", now=NOW)
    assert store.query_one("SELECT failed_attempts FROM accounts WHERE username = 'drtest'") \
        == (1,)
    failed = [e.detail for e in AuditLog(store).entries() if e.action == "sign-in.failed"]
    assert failed == ["wrong password (1 in a row); to sign"]
    later = NOW + timedelta(minutes=1)  # past the delay: the right one resets the count
    signer_identity(store, data_folder, account, TEST_PASSWORD, now=later)
    assert store.query_one("SELECT failed_attempts FROM accounts WHERE username = 'drtest'") \
        == (0,)
    assert [e.action for e in AuditLog(store).entries()].count("sign-in") == 0
