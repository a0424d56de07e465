"""Trusted import and honest verify (issue 13): a signed consult or addendum comes in as signed
only with its signed PDF, signed by this clinic or by a certificate the clinic trusted; a
stranger's key with the clinic's very name in it is refused, and ``verify`` calls it an
unknown signer."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from consult_aid.domain import ConsultStatus
from consult_aid.storage import open_database
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from tests.e2e.cli_run import run

from .conftest import DemoRun, init_account

PASSWORD = "consult-aid-demo"
DEMO_CERT = Path("identity", "accounts", "srivera", "certificate.pem")  # its clinician's own


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_AID_PASSWORD", PASSWORD)


def export(data: Path, consult_id: str, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, text = run(capsys, "--data-dir", str(data), "export", consult_id, "--json",
                     "--out", str(out))
    assert code == 0, text
    return out


def only_consult(data: Path) -> str:
    with open_database(data / "consult-aid.sqlite3") as db:
        (summary,) = ConsultRepository(db).summaries()
    return summary.id


@pytest.fixture
def forger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> DemoRun:
    """Someone else's data folder: the same demo, the same clinician and clinic names in its
    self-made certificate, but its own key."""
    data, out = tmp_path / "forger", tmp_path / "forger-out"
    code, text = run(capsys, "--data-dir", str(data), "demo", "--out", str(out))
    assert code == 0, text
    return DemoRun(data, out, text, only_consult(data))


def test_a_forged_signed_consult_is_refused_and_verify_names_an_unknown_signer(
        demo_copy: DemoRun, forger: DemoRun, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    forged = export(forger.data, forger.consult_id, tmp_path / "forged" / "c.json", capsys)
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "import", str(forged))
    assert code == 2
    assert "does not trust" in text and "Dr. Sam Rivera" in text  # the claim, named as one
    with open_database(demo_copy.data / "consult-aid.sqlite3") as db:
        assert not ConsultRepository(db).exists(forger.consult_id)

    code, text = run(capsys, "--data-dir", str(demo_copy.data), "verify",
                     str(forged.with_suffix(".pdf")))
    assert code == 3
    assert "BUT BY A SIGNER THIS CLINIC DOES NOT KNOW" in text
    assert "Unchanged: the signature is intact" in text  # the file itself is intact
    assert "this clinic's own" not in text and "signed by this clinic" not in text
    assert "no consult in this data folder's archive has this exact file" in text


def test_a_trusted_certificates_consult_imports_and_removing_trust_stops_new_imports(
        demo_copy: DemoRun, forger: DemoRun, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The 'forger' here is a partner clinic whose certificate was handed over in person."""
    data = str(demo_copy.data)
    partner_cert = forger.data / DEMO_CERT
    code, text = run(capsys, "--data-dir", data, "trust", "add", str(partner_cert))
    assert code == 0, text
    fingerprint = text.split("SHA-256: ")[1].split()[0]
    code, text = run(capsys, "--data-dir", data, "trust", "list")
    assert code == 0 and fingerprint in text and "trusted" in text and "own (this clinic" in text
    code, text = run(capsys, "--data-dir", data, "trust", "add", str(partner_cert))
    assert code == 1 and "trusted already" in text

    exported = export(forger.data, forger.consult_id, tmp_path / "in" / "c.json", capsys)
    code, text = run(capsys, "--data-dir", data, "import", str(exported))
    assert code == 0, text and "signed" in text
    code, text = run(capsys, "--data-dir", data, "verify", str(exported.with_suffix(".pdf")))
    assert code == 0 and "signed by a certificate this clinic trusts" in text

    code, text = run(capsys, "--data-dir", data, "trust", "remove", fingerprint[:12])
    assert code == 0, text
    code, text = run(capsys, "--data-dir", data, "verify", str(exported.with_suffix(".pdf")))
    assert code == 3
    with open_database(demo_copy.data / "consult-aid.sqlite3") as db:
        actions = [e.action for e in AuditLog(db).entries()]
        assert actions.count("trust.added") == 1 and actions.count("trust.removed") == 1
    # the clinic's own certificate cannot be untrusted
    with open_database(demo_copy.data / "consult-aid.sqlite3") as db:
        own = db.query_one("SELECT fingerprint FROM certificates WHERE role = 'own'")
    assert own is not None
    code, text = run(capsys, "--data-dir", data, "trust", "remove", own[0])
    assert code == 1 and "stays pinned" in text
    code, text = run(capsys, "--data-dir", data, "check")
    assert code == 0, text


def test_a_forged_addendum_is_refused(demo_copy: DemoRun, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's forgery: a genuine export with an addendum typed into its JSON."""
    exported = export(demo_copy.data, demo_copy.consult_id, tmp_path / "x" / "c.json", capsys)
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["consult"]["status"] = "amended"
    document["consult"]["addenda"] = [{"written_at": "1999-01-01T09:00:00+00:00",
                                       "author": "Dr. Sam Rivera",
                                       "text": "Patient withdrew consent."}]
    exported.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)
    assert run(capsys, "--data-dir", str(elsewhere), "trust", "add",
               str(demo_copy.data / DEMO_CERT))[0] == 0
    code, text = run(capsys, "--data-dir", str(elsewhere), "import", str(exported))
    assert code == 2
    assert "consult.addenda[0]: the addendum's signed PDF is missing" in text
    with open_database(elsewhere / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).count() == 0


def test_an_amended_consult_travels_with_its_addendum_pdfs_and_checks_clean(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(demo_copy.data)
    code, text = run(capsys, "--data-dir", data, "addendum", demo_copy.consult_id,
                     "--text", "Trial booked for 16 December.")
    assert code == 0, text
    exported = export(demo_copy.data, demo_copy.consult_id, tmp_path / "x" / "c.json", capsys)
    (addendum_pdf,) = exported.parent.glob("c.addendum-*.pdf")
    code, text = run(capsys, "--data-dir", data, "verify", str(addendum_pdf))
    assert code == 0 and "Document: an addendum to a signed consult" in text
    assert "matches the archived addendum to consult" in text

    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)
    assert run(capsys, "--data-dir", str(elsewhere), "trust", "add",
               str(demo_copy.data / DEMO_CERT))[0] == 0
    code, text = run(capsys, "--data-dir", str(elsewhere), "import", str(exported))
    assert code == 0, text
    with open_database(elsewhere / "consult-aid.sqlite3") as db:
        consult = ConsultRepository(db).get(demo_copy.consult_id)
        assert consult.status is ConsultStatus.AMENDED
        (addendum,) = consult.addenda
        assert addendum.text == "Trial booked for 16 December."
        assert ConsultRepository(db).document_by_sha256(
            consult.id, addendum.document_sha256) == addendum_pdf.read_bytes()
    # a clean folder passes check after a demo, an addendum and an import
    for folder in (demo_copy.data, elsewhere):
        code, text = run(capsys, "--data-dir", str(folder), "check")
        assert code == 0, text


def test_an_addendum_text_changed_in_the_json_is_refused(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(demo_copy.data)
    assert run(capsys, "--data-dir", data, "addendum", demo_copy.consult_id,
               "--text", "Trial booked for 16 December.")[0] == 0
    exported = export(demo_copy.data, demo_copy.consult_id, tmp_path / "x" / "c.json", capsys)
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["consult"]["addenda"][0]["text"] = "Patient withdrew consent."
    exported.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)
    assert run(capsys, "--data-dir", str(elsewhere), "trust", "add",
               str(demo_copy.data / DEMO_CERT))[0] == 0
    code, text = run(capsys, "--data-dir", str(elsewhere), "import", str(exported))
    assert code == 2
    assert "does not match the addendum its PDF was signed with" in text


def test_check_finds_an_addendum_without_its_pdf_and_a_trusted_certificate_slipped_in(
        demo_copy: DemoRun, forger: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(demo_copy.data / "consult-aid.sqlite3")
    pem = (forger.data / DEMO_CERT).read_text()
    with open_database(forger.data / "consult-aid.sqlite3") as db:
        (fingerprint,) = db.query_one("SELECT fingerprint FROM certificates")  # type: ignore[misc]
    con.execute("DROP TRIGGER IF EXISTS addenda_only_for_signed")
    con.execute("INSERT INTO certificates VALUES (?, 'trusted', 'Dr. Sam Rivera', ?, "
                "'2026-11-28T00:00:00+00:00', NULL)", (fingerprint, pem))
    con.execute("INSERT INTO addenda(id, consult_id, written_at, author, text, document_id) "
                "VALUES ('forged', ?, '1999-01-01T09:00:00+00:00', 'Dr. X', 'Withdrew.', NULL)",
                (demo_copy.consult_id,))
    con.commit()
    con.close()
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "check")
    assert code == 1
    assert f"consult {demo_copy.consult_id}, addendum forged: has no signed PDF" in text
    assert f"trusted certificate {fingerprint[:16]}… has no audit entry" in text
