"""Each clinician's own signing identity (issue 14, item 3): a key and certificate per account,
in ``identity/accounts/<user name>/`` of the data folder, the key locked by the account's own
password, the certificate naming the clinician and pinned as one of the clinic's own.

- Made at the clinician's first signature (:func:`clinician_identity`), or imported from a
  PKCS#12 file (:func:`import_clinician_identity`).
- Changing one's password re-locks the key with it (:func:`relock_identity`).
- An administrator's password reset cannot open the key (nobody else knows the old password):
  the clinician's next signature makes a new identity; the old certificate stays pinned, so
  what was signed with it still verifies as the clinic's (:func:`retire_if_unopenable`).
- A data folder from before accounts keeps its one identity: the first administrator-clinician
  takes it over with the folder's signing password (:func:`adopt_folder_identity`), so its
  records keep verifying and nothing is lost.

:func:`signer_identity` is what signing uses: the signed-in clinician's own identity.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from consult_aid.datadir import DataFolder
from consult_aid.domain.accounts import Account, Permission
from consult_aid.errors import InputError
from consult_aid.services.accounts import require
from consult_aid.signing.files import CERT_FILE, KEY_FILE, has_identity
from consult_aid.signing.identity import (
    SigningIdentity,
    change_password,
    create_identity,
    import_pkcs12,
    load_identity,
)
from consult_aid.signing.identity import (
    WrongPasswordError as WrongPasswordError,  # re-exported: what a wrong password raises
)
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import Database

ACCOUNTS_FOLDER = "accounts"
MADE = "identity.made"
ADOPTED = "identity.adopted"
RETIRED = "identity.retired"


def _private_folder(folder: Path) -> None:
    """``identity/accounts`` made (or made again) owner-only: the keys inside are encrypted,
    and still nobody else's to copy and attack offline."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)


def identity_folder(data: DataFolder, account: Account) -> Path:
    return data.identity / ACCOUNTS_FOLDER / account.username


def account_identity(data: DataFolder, account: Account) -> SigningIdentity | None:
    folder = identity_folder(data, account)
    return load_identity(folder) if has_identity(folder) else None


def clinician_identity(db: Database, data: DataFolder, account: Account, password: str, *,
                       clinic: str, now: datetime) -> SigningIdentity:
    """The clinician's identity, made (and pinned, audited) at their first signature."""
    from consult_aid.services.trust import pin_identity

    require(account, Permission.SIGN, db=db)
    existing = account_identity(data, account)
    if existing is not None:
        return existing
    _private_folder(identity_folder(data, account).parent)
    identity = create_identity(identity_folder(data, account), name=account.display_name,
                               clinic=clinic, password=password)
    pin_identity(db, identity, now=now, how=f"made for {account.username}")
    AuditLog(db).record(MADE, detail=f"certificate {identity.fingerprint}",
                        actor=account.username, at=now)
    return identity


def import_clinician_identity(db: Database, data: DataFolder, account: Account, p12: bytes, *,
                              file_password: str | None, password: str,
                              now: datetime) -> SigningIdentity:
    """A clinician's existing PKCS#12 identity, locked again by their account password."""
    from consult_aid.services.trust import pin_identity

    require(account, Permission.SIGN, db=db)
    if account_identity(data, account) is not None:
        raise InputError("You already have a signing identity here.")
    _private_folder(identity_folder(data, account).parent)
    identity = import_pkcs12(identity_folder(data, account), p12, file_password=file_password,
                             password=password)
    pin_identity(db, identity, now=now, how=f"imported by {account.username}")
    AuditLog(db).record(MADE, detail=f"imported; certificate {identity.fingerprint}",
                        actor=account.username, at=now)
    return identity


def relock_identity(data: DataFolder, account: Account, *, old: str, new: str) -> None:
    """After the clinician changed their password: their key locked by the new one."""
    folder = identity_folder(data, account)
    if has_identity(folder):
        change_password(folder, current=old, new=new)


def retire_if_unopenable(db: Database, data: DataFolder, account: Account, password: str, *,
                         now: datetime) -> bool:
    """After an administrator's reset, or a password changed in another room (which re-locked
    only that room's key), the key no longer opens with the account's password: set it aside
    (``retired-<time>``, kept; its certificate stays pinned) so the next signature makes a new
    one. True when it was retired."""
    identity = account_identity(data, account)
    if identity is None:
        return False
    try:
        identity.unlock(password)
        return False
    except WrongPasswordError:
        pass
    folder = identity_folder(data, account)
    aside = folder.with_name(f"{folder.name}.retired-{now:%Y%m%d-%H%M%S}")
    shutil.move(folder, aside)
    AuditLog(db).record(RETIRED, detail=f"certificate {identity.fingerprint} (it no longer "
                                        "opens with the account's password: reset, or "
                                        "changed in another room)",
                        actor=account.username, at=now)
    return True


def adopt_folder_identity(db: Database, data: DataFolder, account: Account, *,
                          folder_password: str, password: str, now: datetime) -> SigningIdentity:
    """The data folder's one identity (from before accounts) becomes ``account``'s, locked by
    their password. The folder's copy stays where it was, so nothing is lost if this fails."""
    require(account, Permission.SIGN, db=db)
    if not has_identity(data.identity):
        raise InputError("This data folder has no signing identity to take over.")
    if account_identity(data, account) is not None:
        raise InputError("You already have a signing identity here.")
    old = load_identity(data.identity)
    old.unlock(folder_password)  # WrongPasswordError: nothing changed
    target = identity_folder(data, account)
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in (KEY_FILE, CERT_FILE):
        shutil.copy2(data.identity / name, target / name)
    change_password(target, current=folder_password, new=password)
    identity = load_identity(target)
    AuditLog(db).record(ADOPTED, detail=f"certificate {identity.fingerprint}",
                        actor=account.username, at=now)
    return identity


def signer_identity(db: Database, data: DataFolder, account: Account, password: str, *,
                    now: datetime) -> SigningIdentity:
    """The identity ``account`` signs with, unlocked by ``password`` at signing: their own,
    made now at their first signature (a new one after an administrator's reset). A wrong
    password raises :class:`WrongPasswordError` and changes nothing."""
    from consult_aid.services.clinic import current_clinician

    require(account, Permission.SIGN, db=db)
    from consult_aid.services.accounts import confirm_password

    confirm_password(db, account, password, now=now, why="to sign")  # counted, recorded
    retire_if_unopenable(db, data, account, password, now=now)
    clinic = current_clinician(db)
    return clinician_identity(db, data, account, password,
                              clinic=clinic.clinic if clinic is not None else "", now=now)


def change_account_password(db: Database, data: DataFolder, actor: Account, old: str,
                            new: str, *, now: datetime) -> None:
    """Change one's own password, and re-lock one's signing key with it (a key that does not
    open with the old password — after a reset — is set aside first)."""
    from consult_aid.services.accounts import change_own_password

    change_own_password(db, actor, old, new, now=now)
    retire_if_unopenable(db, data, actor, old, now=now)
    relock_identity(data, actor, old=old, new=new)
