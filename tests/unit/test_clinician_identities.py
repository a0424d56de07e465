"""Each clinician's own signing identity: made at first need under their name and pinned;
re-locked when they change their password; retired (kept, still pinned) after an
administrator's reset; a folder's identity from before accounts taken over without loss. Two
clinicians sign, and each PDF names its own signer."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account, Role
from consult_aid.services.accounts import NotAllowedError, create_account
from consult_aid.services.identities import (
    account_identity,
    adopt_folder_identity,
    clinician_identity,
    identity_folder,
    relock_identity,
    retire_if_unopenable,
)
from consult_aid.services.store import Store
from consult_aid.services.trust import own_certificates
from consult_aid.signing.identity import WrongPasswordError, create_identity
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage.audit import AuditLog
from tests.unit.accounts_data import ADMIN_PW, T0

KHAN_PW = "blue harbour at dawn"


def a_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "A consult summary")
    canvas.save()
    return out.getvalue()


@pytest.fixture
def data(tmp_path: Path) -> DataFolder:
    return DataFolder(tmp_path / "data").ensure()


@pytest.fixture
def khan(db: Store, admin: Account) -> Account:
    return create_account(db, admin, "mkhan", "Dr Mina Khan", frozenset({Role.CLINICIAN}),
                          KHAN_PW, now=T0)


def test_two_clinicians_sign_as_themselves(db: Store, data: DataFolder, admin: Account,
                                           khan: Account) -> None:
    rivera_id = clinician_identity(db, data, admin, ADMIN_PW, clinic="Riverside", now=T0)
    khan_id = clinician_identity(db, data, khan, KHAN_PW, clinic="Riverside", now=T0)
    assert rivera_id.fingerprint != khan_id.fingerprint
    assert clinician_identity(db, data, khan, KHAN_PW, clinic="Riverside", now=T0) \
        .fingerprint == khan_id.fingerprint  # made once
    assert {c.fingerprint for c in own_certificates(db)} == {rivera_id.fingerprint,
                                                            khan_id.fingerprint}
    for identity, password, name in ((rivera_id, ADMIN_PW, "Dr. Sam Rivera"),
                                     (khan_id, KHAN_PW, "Dr Mina Khan")):
        signed = sign_pdf(a_pdf(), identity.unlock(password), reason="test", location="test")
        verification = verify_pdf(signed)
        (report,) = verification.signatures
        assert report.intact and report.signer.startswith(name)
        assert report.fingerprint == identity.fingerprint
    with pytest.raises(WrongPasswordError):
        khan_id.unlock(ADMIN_PW)  # each key opens with its own clinician's password only
    made = [(e.actor, e.action) for e in AuditLog(db).entries() if e.action == "identity.made"]
    assert made == [("srivera", "identity.made"), ("mkhan", "identity.made")]


def test_an_assistant_gets_no_signing_identity(db: Store, data: DataFolder,
                                               admin: Account) -> None:
    assistant = create_account(db, admin, "jlee", "Jo Lee", frozenset({Role.ASSISTANT}),
                               "seven green kettles boiling", now=T0)
    with pytest.raises(NotAllowedError):
        clinician_identity(db, data, assistant, "seven green kettles boiling", clinic="R",
                           now=T0)
    assert not identity_folder(data, assistant).exists()


def test_password_change_relocks_and_a_reset_retires(db: Store, data: DataFolder,
                                                     khan: Account) -> None:
    first = clinician_identity(db, data, khan, KHAN_PW, clinic="Riverside", now=T0)
    relock_identity(data, khan, old=KHAN_PW, new="a brand new sentence")
    first.unlock("a brand new sentence")
    with pytest.raises(WrongPasswordError):
        account_identity(data, khan).unlock(KHAN_PW)  # type: ignore[union-attr]
    # an administrator's reset: the key cannot be opened with the new password
    assert not retire_if_unopenable(db, data, khan, "a brand new sentence", now=T0)
    assert retire_if_unopenable(db, data, khan, "the reset password here",
                                now=T0 + timedelta(days=1))
    assert account_identity(data, khan) is None
    retired = list(identity_folder(data, khan).parent.glob("mkhan.retired-*"))
    assert len(retired) == 1 and (retired[0] / "identity.p12").is_file()
    second = clinician_identity(db, data, khan, "the reset password here", clinic="Riverside",
                                now=T0 + timedelta(days=1))
    assert second.fingerprint != first.fingerprint
    # the old certificate stays pinned: what it signed still counts as the clinic's
    assert first.fingerprint in {c.fingerprint for c in own_certificates(db)}


def test_a_folder_identity_from_before_accounts_is_taken_over(db: Store, data: DataFolder,
                                                              admin: Account) -> None:
    old = create_identity(data.identity, name="Dr. Sam Rivera", clinic="Riverside",
                          password="the old folder password")
    with pytest.raises(WrongPasswordError):
        adopt_folder_identity(db, data, admin, folder_password="a wrong guess here",
                              password=ADMIN_PW, now=T0)
    assert account_identity(data, admin) is None  # nothing changed
    adopted = adopt_folder_identity(db, data, admin, folder_password="the old folder password",
                                    password=ADMIN_PW, now=T0)
    assert adopted.fingerprint == old.fingerprint
    adopted.unlock(ADMIN_PW)
    old.unlock("the old folder password")  # the folder's copy is still there, as it was
    assert AuditLog(db).entries()[-1].action == "identity.adopted"


def test_a_clinicians_key_folder_is_owner_only(db: Store, data: DataFolder,
                                               admin: Account) -> None:
    import os
    import stat

    old = os.umask(0o022)  # the usual umask: a folder made without care would be 0755
    try:
        identity = clinician_identity(db, data, admin, ADMIN_PW, clinic="Riverside", now=T0)
    finally:
        os.umask(old)
    for folder in (identity.folder, identity.folder.parent):  # <user>/ and accounts/
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
