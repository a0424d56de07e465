"""Every command signs in (issue 14): through the real ``consult-aid`` entry point, on real data
folders (a copy of the demo's), with the audit trail read back from the SQLite file.

- each command that reads or writes consults is refused without an account, with an unknown
  one and with a wrong password: one clear line, a non-zero exit, nothing shown, and the
  failed sign-in on the audit trail;
- an assistant is refused signing, the audit trail and adding accounts, each refusal recorded
  under the assistant's name;
- the actor is the account that signed in, never a name from the environment;
- the demo makes its own account and signs as it, with that account's own certificate.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from consult_aid.cli.accounts import NEW_PASSWORD_FILE_VAR
from consult_aid.cli.auth import PASSWORD_FILE_VAR, PASSWORD_VAR, USER_VAR
from consult_aid.services.demo import DEMO_PASSWORD, DEMO_USER
from consult_aid.storage.audit import AuditEntry, AuditLog
from consult_aid.storage.database import open_database
from tests.e2e.cli_run import run

from .conftest import DemoRun

ROOT = str(Path(__file__).resolve().parents[2])
DB = "consult-aid.sqlite3"
DEMO_IDENTITY = Path("identity", "accounts", DEMO_USER)
PATIENT = "Helen Marsh"  # the demo's fictional patient: never shown to a refused command
ASSISTANT_PW = "seven green kettles boiling"
ASSISTANT_OWN_PW = "my own quiet lighthouse"

Argv = Callable[[DemoRun, Path], list[str]]

# Every command that reads or writes a data folder's consults (``check`` below: it signs in
# without writing).
COMMANDS: dict[str, Argv] = {
    "list": lambda d, t: ["list"],
    "search": lambda d, t: ["search", "Marsh"],
    "export --json": lambda d, t: ["export", d.consult_id, "--json"],
    "export --fhir": lambda d, t: ["export", d.consult_id, "--fhir", str(t / "b.json")],
    "import": lambda d, t: ["import", str(t / "exported.json")],
    "addendum": lambda d, t: ["addendum", d.consult_id, "--text", "Trial booked."],
    "verify": lambda d, t: ["verify", str(d.summary)],
    "insights": lambda d, t: ["insights"],
    "trust list": lambda d, t: ["trust", "list"],
    "trust add": lambda d, t: ["trust", "add", str(d.data / DEMO_IDENTITY / "certificate.pem")],
    "trust remove": lambda d, t: ["trust", "remove", "0" * 64],
    "backup": lambda d, t: ["backup", str(t / "backups")],
    "restore": lambda d, t: ["restore", str(t / "no-backup")],
    "audit": lambda d, t: ["audit"],
    "accounts list": lambda d, t: ["accounts", "list"],
}


def entries(data: Path) -> list[AuditEntry]:
    with open_database(data / DB) as db:
        return AuditLog(db).entries()


def password_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def one_line(text: str) -> str:
    assert "Traceback" not in text and "did not expect" not in text, text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("consult-aid: "), text
    return lines[0]


@pytest.fixture
def exported(demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The demo consult's JSON and PDF, for ``import`` (exported while signed in)."""
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "export",
                     demo_copy.consult_id, "--json", "--out", str(tmp_path / "exported.json"))
    assert code == 0, text
    return tmp_path / "exported.json"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_consult_command_refuses_without_an_account_or_with_a_wrong_password(
        name: str, demo_copy: DemoRun, exported: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data-dir", str(demo_copy.data), *COMMANDS[name](demo_copy, tmp_path)]
    before = len(entries(demo_copy.data))

    # no account named, and no terminal to ask on: bad input, exit 2, nothing recorded
    monkeypatch.delenv(USER_VAR)
    code, text = run(capsys, *argv)
    line = one_line(text)
    assert code == 2 and USER_VAR in line and PATIENT not in text
    assert len(entries(demo_copy.data)) == before

    # an account that does not exist: refused like a wrong password, and recorded
    monkeypatch.setenv(USER_VAR, "dr_nobody")
    code, text = run(capsys, *argv)
    assert code == 1 and "user name or the password is not right" in one_line(text)
    assert PATIENT not in text
    last = entries(demo_copy.data)[-1]
    assert (last.action, last.actor, last.detail) == (
        "sign-in.failed", "(no such account)", "unknown or inactive account")

    # the demo's account with a wrong password: refused, recorded under that account
    monkeypatch.setenv(USER_VAR, DEMO_USER)
    monkeypatch.setenv(PASSWORD_VAR, "not the demo password")
    code, text = run(capsys, *argv)
    assert code == 1 and "user name or the password is not right" in one_line(text)
    assert PATIENT not in text
    new = entries(demo_copy.data)[before:]
    assert [(e.action, e.actor) for e in new] == [("sign-in.failed", "(no such account)"),
                                                  ("sign-in.failed", DEMO_USER)]
    assert new[-1].detail == "wrong password (1 in a row)"
    assert "not the demo password" not in "".join(e.detail for e in new)
    assert not (tmp_path / "b.json").exists() and not (tmp_path / "backups").exists()


def test_check_signs_in_without_writing(demo_copy: DemoRun, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`check` never writes (a backup folder is checked in place): a wrong password is refused
    all the same, and not recorded."""
    data = ["--data-dir", str(demo_copy.data)]
    before = entries(demo_copy.data)
    monkeypatch.setenv(PASSWORD_VAR, "not the demo password")
    code, text = run(capsys, *data, "check")
    assert code == 1 and "not right" in one_line(text)
    monkeypatch.setenv(PASSWORD_VAR, DEMO_PASSWORD)
    code, text = run(capsys, *data, "check")
    assert code == 0 and text.startswith("OK: 1 consults"), text
    assert entries(demo_copy.data) == before


def test_an_assistant_may_not_sign_read_the_audit_or_add_accounts(
        demo_copy: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(demo_copy.data)]
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR,
                       str(password_file(tmp_path, "new", ASSISTANT_PW)))
    code, text = run(capsys, *data, "accounts", "add", "jlee", "--name", "Jo Lee",
                     "--roles", "assistant")
    assert code == 0, text
    # the password an administrator set is changed before anything else
    monkeypatch.setenv(USER_VAR, "jlee")
    monkeypatch.setenv(PASSWORD_VAR, ASSISTANT_PW)
    code, text = run(capsys, *data, "list")
    assert code == 1 and "choose your own first" in one_line(text) and PATIENT not in text
    monkeypatch.setenv(NEW_PASSWORD_FILE_VAR,
                       str(password_file(tmp_path, "own", ASSISTANT_OWN_PW)))
    code, text = run(capsys, *data, "accounts", "password")
    assert code == 0, text
    monkeypatch.delenv(PASSWORD_VAR)
    monkeypatch.setenv(PASSWORD_FILE_VAR, str(password_file(tmp_path, "pw", ASSISTANT_OWN_PW)))

    # viewing is allowed
    code, text = run(capsys, *data, "list")
    assert code == 0 and demo_copy.consult_id in text
    before = len(entries(demo_copy.data))
    refusals = {
        "addendum": (["addendum", demo_copy.consult_id, "--text", "Trial booked."],
                     "may not sign", "sign"),
        "audit": (["audit"], "may not read the audit trail", "read the audit trail"),
        "accounts add": (["accounts", "add", "mallory", "--name", "M", "--roles",
                          "administrator"], "may not manage accounts", "manage accounts"),
    }
    for argv, message, _ in refusals.values():
        code, text = run(capsys, *data, *argv)
        line = one_line(text)
        assert code == 1 and message in line and "assistant" in line.lower(), line
    new = entries(demo_copy.data)[before:]
    refused = [(e.actor, e.detail) for e in new if e.action == "refused"]
    assert refused == [("jlee", detail) for _, _, detail in refusals.values()]
    assert all(e.actor == "jlee" for e in new)  # every entry: the sign-ins and refusals
    assert [e.action for e in new].count("sign-in") == 3
    # nothing was signed and no account was added
    assert not any(e.action in {"consult.amended", "account.created"} for e in new)
    code, text = run(capsys, *data, "list")
    assert "amended" not in text


def test_the_actor_is_the_account_that_signed_in_never_the_environment(
        demo_copy: DemoRun) -> None:
    before = len(entries(demo_copy.data))
    env = {**os.environ, "PYTHONPATH": ROOT, "USER": "dr_nobody", "LOGNAME": "dr_nobody",
           "USERNAME": "dr_nobody"}
    done = subprocess.run([sys.executable, "-m", "consult_aid", "--data-dir",
                           str(demo_copy.data), "list"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert demo_copy.consult_id in done.stdout
    new = entries(demo_copy.data)[before:]
    assert [e.action for e in new][:1] == ["sign-in"] and len(new) >= 2
    assert {e.actor for e in new} == {DEMO_USER}
    assert all("dr_nobody" not in f"{e.actor} {e.detail}" for e in entries(demo_copy.data))


def test_the_demo_makes_its_account_and_signs_as_it(
        demo_run: DemoRun, demo_copy: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    printed = demo_run.printed
    assert f"Created the demo account {DEMO_USER} (Dr. Sam Rivera)" in printed
    assert f"Demo account: user {DEMO_USER}, password {DEMO_PASSWORD}" in printed
    # the demo's own trail, as the demo's account reads it
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "audit")
    assert code == 0, text
    rows = [line.split() for line in text.splitlines()]
    by_action = {row[3]: row[2] for row in rows if len(row) > 3}
    assert by_action["account.created"] == DEMO_USER
    assert by_action["sign-in"] == DEMO_USER
    assert by_action["identity.made"] == DEMO_USER
    assert by_action["consult.signed"] == DEMO_USER
    assert {row[2] for row in rows if len(row) > 3} == {DEMO_USER}
    (signed,) = [e for e in entries(demo_copy.data) if e.action == "consult.signed"]
    assert signed.consult_id == demo_run.consult_id


def test_the_demo_pdf_is_signed_with_the_demo_accounts_own_certificate(
        demo_run: DemoRun) -> None:
    cert_file = demo_run.data / DEMO_IDENTITY / "certificate.pem"
    assert cert_file.is_file() and (demo_run.data / DEMO_IDENTITY / "identity.p12").is_file()
    assert not (demo_run.data / "identity" / "certificate.pem").exists()  # no folder identity
    own = x509.load_pem_x509_certificate(cert_file.read_bytes())
    (sig,) = PdfFileReader(io.BytesIO(demo_run.summary.read_bytes())).embedded_signatures
    assert sig.signer_cert.dump() == own.public_bytes(serialization.Encoding.DER)
    assert "Dr. Sam Rivera" in sig.signer_cert.subject.human_friendly
    fingerprint = hashlib.sha256(sig.signer_cert.dump()).hexdigest()
    with open_database(demo_run.data / DB) as db:
        pinned = db.query("SELECT fingerprint FROM certificates WHERE role = 'own'")
    assert [r[0] for r in pinned] == [fingerprint]
    (signed,) = [e for e in entries(demo_run.data) if e.action == "consult.signed"]
    assert f"certificate {fingerprint}" in signed.detail and signed.actor == DEMO_USER


def test_a_second_demo_on_the_same_folder_signs_in_again(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = len(entries(demo_copy.data))
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "demo", "--out",
                     str(tmp_path / "again"))
    assert code == 0, text
    assert "Created" not in text  # the same account and identity, used again
    new = entries(demo_copy.data)[before:]
    assert [e.action for e in new if e.action in {"sign-in", "consult.signed"}] == [
        "sign-in", "consult.signed"]
    assert {e.actor for e in new} == {DEMO_USER}


ACCESS = [  # (command, the entry it leaves after its sign-in, on the demo consult or none)
    (lambda d, t: ["list"], "consults.listed", False),
    (lambda d, t: ["search", "Marsh"], "consults.searched", False),
    (lambda d, t: ["export", d.consult_id, "--json", "--out", str(t / "c.json")],
     "consult.exported", True),
    (lambda d, t: ["export", d.consult_id, "--fhir", str(t / "b.json")], "consult.exported",
     True),
    (lambda d, t: ["verify", str(d.summary)], "document.verified", True),
    (lambda d, t: ["backup", str(t / "backups")], "data.backed_up", False),
]


@pytest.mark.parametrize(("argv", "action", "about_consult"), ACCESS,
                         ids=["list", "search", "export json", "export fhir", "verify",
                              "backup"])
def test_each_access_from_the_command_line_leaves_its_entry_under_the_account(
        argv: Argv, action: str, about_consult: bool, demo_copy: DemoRun, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = len(entries(demo_copy.data))
    code, text = run(capsys, "--data-dir", str(demo_copy.data), *argv(demo_copy, tmp_path))
    assert code == 0, text
    new = entries(demo_copy.data)[before:]
    assert [e.action for e in new] == ["sign-in", action]
    assert {e.actor for e in new} == {DEMO_USER}
    assert new[1].consult_id == (demo_copy.consult_id if about_consult else None)
    assert PATIENT not in new[1].detail and "Marsh" not in new[1].detail
