"""``consult-aid accounts`` and ``consult-aid audit`` as a script runs them: the first
administrator, an assistant who may not read the audit or add accounts, wrong passwords that
slow down and are recorded, and the trail read back and exported as CSV — all on a real data
folder, through ``main``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from consult_aid.cli.accounts import NEW_PASSWORD_FILE_VAR
from consult_aid.cli.auth import PASSWORD_FILE_VAR, PASSWORD_VAR, USER_VAR
from tests.e2e.cli_run import run

ADMIN_PW = "a long walk by the river"
ASSIST_PW = "seven green kettles boiling"
OWN_PW = "my own quiet lighthouse"


def password_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """A data folder whose first account the command line made: its archive in the folder's
    SQLite file, and (``CONSULT_AID_DATABASE``) on a clinic's PostgreSQL server."""
    data = tmp_path / "data"
    for var in (USER_VAR, PASSWORD_VAR, PASSWORD_FILE_VAR, NEW_PASSWORD_FILE_VAR):
        monkeypatch.delenv(var, raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv("CONSULT_AID_DATABASE", request.getfixturevalue("pg_url"))
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "new", ADMIN_PW)))
    code, text = run(capsys, "--data-dir", str(data), "accounts", "init", "srivera",
                     "--name", "Dr. Sam Rivera")
    assert code == 0, text
    assert "srivera (Dr. Sam Rivera), administrator, clinician" in text
    return data


def as_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user: str, password: str) -> None:
    monkeypatch.setenv(USER_VAR, user)
    monkeypatch.setenv(PASSWORD_FILE_VAR, str(password_file(tmp_path, f"pw-{user}", password)))


def test_accounts_and_audit_from_the_command_line(folder: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = ["--data-dir", str(folder)]
    # a second "first" account is refused
    code, text = run(capsys, *data, "accounts", "init", "intruder", "--name", "Someone")
    assert code != 0 and "already has accounts" in text
    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "n2", ASSIST_PW)))
    code, text = run(capsys, *data, "accounts", "add", "jlee", "--name", "Jo Lee",
                     "--roles", "assistant")
    assert code == 0, text
    code, text = run(capsys, *data, "accounts", "list")
    assert code == 0 and "jlee" in text and "Assistant  (must change password)" in text

    # the assistant first chooses their own password: until then every command is refused
    as_user(monkeypatch, tmp_path, "jlee", ASSIST_PW)
    code, text = run(capsys, *data, "list")
    assert code != 0 and "consult-aid accounts password" in text
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "n3", OWN_PW)))
    code, text = run(capsys, *data, "accounts", "password")
    assert code == 0, text
    # the assistant may not read the audit nor add accounts, and the refusals are recorded
    as_user(monkeypatch, tmp_path, "jlee", OWN_PW)
    code, text = run(capsys, *data, "audit")
    assert code != 0 and "may not read the audit trail" in text
    code, text = run(capsys, *data, "accounts", "add", "mallory", "--name", "M",
                     "--roles", "administrator")
    assert code != 0 and "may not manage accounts" in text
    # USER names nobody: the account is who signed in with its password
    monkeypatch.setenv("USER", "srivera")
    as_user(monkeypatch, tmp_path, "srivera", "not the password at all")
    code, text = run(capsys, *data, "audit")
    assert code != 0 and "not right" in text and "Traceback" not in text

    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)
    code, text = run(capsys, *data, "audit", "--user", "jlee")
    assert code == 0, text
    lines = text.splitlines()
    assert any("jlee" in ln and "refused" in ln and "manage accounts" in ln for ln in lines)
    assert any("jlee" in ln and "refused" in ln and "read the audit trail" in ln
               for ln in lines)
    assert any("jlee" in ln and "sign-in " in ln + " " for ln in lines)
    code, text = run(capsys, *data, "audit", "--action", "sign-in.failed")
    assert code == 0 and "srivera" in text and "wrong password (1 in a row)" in text
    assert "not the password" not in text

    out = tmp_path / "trail.csv"
    code, text = run(capsys, *data, "audit", "--csv", str(out))
    assert code == 0, text
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "at", "account", "action", "consult", "detail"]
    assert {"account.created", "sign-in", "sign-in.failed", "refused", "audit.read"} <= \
        {r[3] for r in rows[1:]}
    assert out.stat().st_mode & 0o077 == 0
    code, text = run(capsys, *data, "audit", "--csv", str(out))
    assert code != 0 and "exists already" in text


def test_a_folder_from_before_accounts_keeps_its_identity_under_the_first_account(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Clinician
    from consult_aid.services.clinic import register_clinician
    from consult_aid.services.store import open_store
    from consult_aid.signing.identity import load_identity
    from tests.builders import NOW

    folder_pw = "the old signing password"
    data = DataFolder(tmp_path / "data").ensure()
    with open_store(data.database) as db:  # set up as before accounts: one folder identity
        register_clinician(db, data, Clinician(name="Dr. Sam Rivera", clinic="Demo Clinic"),
                           password=folder_pw, now=NOW)
    old = load_identity(data.identity).fingerprint
    for var in (USER_VAR, PASSWORD_VAR, PASSWORD_FILE_VAR):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "new", ADMIN_PW)))
    init = ["--data-dir", str(data.root), "accounts", "init", "srivera", "--name",
            "Dr. Sam Rivera", "--signing-password-file"]
    code, text = run(capsys, *init, str(password_file(tmp_path, "bad", "not the password")))
    assert code != 0 and "password" in text.lower()
    with open_store(data.database) as db:  # a wrong signing password: no account made
        assert db.query_one("SELECT count(*) FROM accounts") == (0,)
    code, text = run(capsys, *init, str(password_file(tmp_path, "old", folder_pw)))
    assert code == 0, text
    assert "signing identity is now this account's" in text
    mine = load_identity(data.identity / "accounts" / "srivera")
    assert mine.fingerprint == old  # the same certificate: what it signed stays the clinic's
    mine.unlock(ADMIN_PW)  # locked by the account's password now
    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)
    code, text = run(capsys, "--data-dir", str(data.root), "check")
    assert code == 0, text
    # a new password of one's own locks the signing key with it
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "own", OWN_PW)))
    code, text = run(capsys, "--data-dir", str(data.root), "accounts", "password")
    assert code == 0, text
    load_identity(data.identity / "accounts" / "srivera").unlock(OWN_PW)


def test_emergency_access_from_the_command_line_is_used_once_and_recorded(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from consult_aid.cli.accounts import EMERGENCY_CODE_FILE_VAR

    data = ["--data-dir", str(folder)]
    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)
    code, text = run(capsys, *data, "accounts", "emergency-code")
    assert code == 0, text
    emergency = text.strip().splitlines()[-1].strip()
    assert len(emergency.replace("-", "")) >= 24
    for var in (USER_VAR, PASSWORD_FILE_VAR):
        monkeypatch.delenv(var)
    monkeypatch.setenv(EMERGENCY_CODE_FILE_VAR,
                       str(password_file(tmp_path, "code", emergency)))
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR, str(password_file(tmp_path, "rescue", OWN_PW)))
    rescue = [*data, "accounts", "emergency", "srivera", "--by", "Jo Lee (practice manager)",
              "--reason", "Dr Rivera forgot the password while on leave"]
    code, text = run(capsys, *rescue)
    assert code == 0, text
    assert "must choose their own at the next sign-in" in text
    code, text = run(capsys, *rescue)  # the code is spent
    assert code != 0 and "not the clinic's current one" in text
    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)  # the old password is gone
    code, text = run(capsys, *data, "audit")
    assert code != 0 and "not right" in text
    as_user(monkeypatch, tmp_path, "srivera", OWN_PW)  # the new one: choose your own first
    code, text = run(capsys, *data, "audit")
    assert code != 0 and "choose your own first" in text


def test_a_clinician_imports_their_own_certificate(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    from consult_aid.cli.accounts import P12_PASSWORD_FILE_VAR
    from consult_aid.signing.identity import load_identity

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dr. Sam Rivera")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=700))
            .sign(key, hashes.SHA256()))
    p12 = tmp_path / "mine.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"mine", key, cert, None,
        serialization.BestAvailableEncryption(b"the file's own password")))
    as_user(monkeypatch, tmp_path, "srivera", ADMIN_PW)
    monkeypatch.setenv(P12_PASSWORD_FILE_VAR,
                       str(password_file(tmp_path, "p12pw", "the file's own password")))
    code, text = run(capsys, "--data-dir", str(folder), "accounts", "import-identity", str(p12))
    assert code == 0, text
    mine = load_identity(folder / "identity" / "accounts" / "srivera")
    assert mine.fingerprint == cert.fingerprint(hashes.SHA256()).hex()
    mine.unlock(ADMIN_PW)  # locked by the account's password now
    code, text = run(capsys, "--data-dir", str(folder), "accounts", "import-identity", str(p12))
    assert code != 0 and "already have a signing identity" in text
    code, text = run(capsys, "--data-dir", str(folder), "check")
    assert code == 0, text  # pinned as the clinic's own


def test_the_demo_never_adds_its_account_to_a_clinics_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from consult_aid.datadir import DataFolder
    from consult_aid.domain import Clinician
    from consult_aid.services.clinic import register_clinician
    from consult_aid.services.store import open_store
    from tests.builders import NOW

    data = DataFolder(tmp_path / "clinic").ensure()  # set up before accounts, none yet
    with open_store(data.database) as db:
        register_clinician(db, data, Clinician(name="Dr. Mina Khan", clinic="Riverside"),
                           password="the clinic's signing password", now=NOW)
    code, text = run(capsys, "--data-dir", str(data.root), "demo", "--out",
                     str(tmp_path / "out"))
    assert code != 0 and "belongs to a clinic" in text
    with open_store(data.database) as db:
        assert db.query_one("SELECT count(*) FROM accounts") == (0,)
