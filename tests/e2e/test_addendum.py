"""A signed consult is amended by a signed addendum; the signed summary never changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.domain import ConsultStatus
from consult_aid.storage import open_database
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from tests.pdfcheck import flat_text

from .conftest import DemoRun


@pytest.fixture
def signed_demo(demo_copy: DemoRun, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A data folder of its own holding the signed demo consult (see conftest.demo_run)."""
    monkeypatch.setenv("CONSULT_AID_PASSWORD", "consult-aid-demo")
    with open_database(demo_copy.data / "consult-aid.sqlite3") as db:
        (summary,) = ConsultRepository(db).summaries()
    assert summary.id == demo_copy.consult_id and summary.status is ConsultStatus.SIGNED
    return demo_copy.data, summary.id


def test_an_addendum_is_signed_archived_and_amends_the_consult(signed_demo, tmp_path: Path,
                                                               capsys) -> None:
    data, consult_id = signed_demo
    with open_database(data / "consult-aid.sqlite3") as db:
        summary_before = ConsultRepository(db).document(consult_id)
    copy = tmp_path / "addendum.pdf"
    note = "Patient phoned on 2 Dec: <b>trial</b> moved to 16 Dec & she asks about driving."
    assert main(["--data-dir", str(data), "addendum", consult_id, "--text", note,
                 "--out", str(copy)]) == 0
    assert "signed and archived" in capsys.readouterr().out
    with open_database(data / "consult-aid.sqlite3") as db:
        repo = ConsultRepository(db)
        consult = repo.get(consult_id)
        assert consult.status is ConsultStatus.AMENDED
        assert [a.text for a in consult.addenda] == [note]
        assert repo.document(consult_id) == summary_before  # the summary never changes
        assert repo.document(consult_id, kind="addendum") == copy.read_bytes()
        assert consult.addenda[0].document_sha256
        assert "consult.amended" in [e.action for e in AuditLog(db).entries(consult_id)]
    text = flat_text(copy.read_bytes())
    assert "<b>trial</b> moved to 16 Dec & she asks about driving." in text
    assert consult_id in text
    assert main(["--data-dir", str(data), "verify", str(copy)]) == 0
    assert not (data / "archive").exists()  # the database holds the one archived copy


def test_an_empty_addendum_is_refused(signed_demo, tmp_path: Path, capsys) -> None:
    data, consult_id = signed_demo
    assert main(["--data-dir", str(data), "addendum", consult_id, "--text", "  "]) == 2
    assert "addendum.text" in capsys.readouterr().err
    with open_database(data / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).get(consult_id).status is ConsultStatus.SIGNED


def test_a_wrong_password_stores_nothing(signed_demo, monkeypatch, capsys) -> None:
    data, consult_id = signed_demo
    monkeypatch.setenv("CONSULT_AID_PASSWORD", "not-the-password")
    assert main(["--data-dir", str(data), "addendum", consult_id, "--text", "note"]) != 0
    assert "password" in capsys.readouterr().err.lower()
    with open_database(data / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).get(consult_id).addenda == []
