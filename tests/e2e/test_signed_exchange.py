"""A signed consult travels as JSON + its signed PDF, and is refused when the PDF was changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository

from .conftest import DemoRun, init_account


@pytest.fixture
def clinic(demo_copy: DemoRun) -> Path:
    """A clinic's data folder of its own, holding the signed demo consult."""
    return demo_copy.data


def signed_export(clinic: Path, tmp_path: Path, capsys) -> tuple[Path, str]:
    with open_database(clinic / "consult-aid.sqlite3") as db:
        (summary,) = ConsultRepository(db).summaries()
    out = tmp_path / "exported" / "consult.json"
    assert main(["--data-dir", str(clinic), "export", summary.id, "--json",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    return out, summary.id


def trust(elsewhere: Path, clinic: Path, capsys) -> None:
    """The receiving clinic trusts the sending clinic's certificate (given to it in person)."""
    assert main(["--data-dir", str(elsewhere), "trust", "add",
                 str(clinic / "identity" / "accounts" / "srivera" / "certificate.pem")]) == 0
    capsys.readouterr()


def test_a_signed_consult_moves_to_another_clinic_unchanged(
        clinic: Path, tmp_path: Path, capsys) -> None:
    exported, consult_id = signed_export(clinic, tmp_path, capsys)
    assert exported.with_suffix(".pdf").exists()
    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)  # the receiving clinic's own first account
    # not before the receiving clinic trusts the sender's certificate
    assert main(["--data-dir", str(elsewhere), "import", str(exported)]) == 2
    assert "does not trust" in capsys.readouterr().err
    trust(elsewhere, clinic, capsys)
    assert main(["--data-dir", str(elsewhere), "import", str(exported)]) == 0
    assert "signed" in capsys.readouterr().out
    again = tmp_path / "again.json"
    assert main(["--data-dir", str(elsewhere), "export", consult_id, "--json",
                 "--out", str(again)]) == 0
    assert again.read_bytes() == exported.read_bytes()
    assert again.with_suffix(".pdf").read_bytes() == exported.with_suffix(".pdf").read_bytes()
    with open_database(elsewhere / "consult-aid.sqlite3") as db:
        consult = ConsultRepository(db).get(consult_id)
        assert consult.is_locked and consult.signatures


def test_a_changed_pdf_is_refused_and_nothing_is_stored(
        clinic: Path, tmp_path: Path, capsys) -> None:
    exported, _ = signed_export(clinic, tmp_path, capsys)
    pdf = exported.with_suffix(".pdf")
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)  # the receiving clinic's own first account
    assert main(["--data-dir", str(elsewhere), "import", str(exported)]) == 2
    assert "pdf_sha256" in capsys.readouterr().err
    # the JSON edited to match the changed PDF: the signature check still refuses it
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["consult"]["pdf_sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    exported.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert main(["--data-dir", str(elsewhere), "import", str(exported)]) == 2
    assert "does not verify" in capsys.readouterr().err
    with open_database(elsewhere / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).count() == 0


def test_a_signed_consult_without_its_pdf_is_refused(
        clinic: Path, tmp_path: Path, capsys) -> None:
    exported, _ = signed_export(clinic, tmp_path, capsys)
    exported.with_suffix(".pdf").unlink()
    init_account(tmp_path / "x")
    assert main(["--data-dir", str(tmp_path / "x"), "import", str(exported)]) == 2
    assert "signed PDF is needed" in capsys.readouterr().err


def test_an_edited_json_with_the_genuine_pdf_is_refused(
        clinic: Path, tmp_path: Path, capsys) -> None:
    exported, _ = signed_export(clinic, tmp_path, capsys)
    document = json.loads(exported.read_text(encoding="utf-8"))
    document["consult"]["patient"]["name"] = "Someone Else"
    document["consult"]["decision"]["choice"] = "decline"
    exported.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    init_account(elsewhere)  # the receiving clinic's own first account
    trust(elsewhere, clinic, capsys)
    assert main(["--data-dir", str(elsewhere), "import", str(exported)]) == 2
    assert "does not match the record the PDF was signed with" in capsys.readouterr().err
    with open_database(elsewhere / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).count() == 0
