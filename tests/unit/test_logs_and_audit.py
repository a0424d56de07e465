"""Use cases are audited; the log file never carries patient data."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.exchange.consult_json import consult_to_json
from consult_aid.storage import open_database
from consult_aid.storage.audit import AuditLog
from tests.builders import sample_consult
from tests.signed_in import folder_for_commands


def test_import_and_export_are_audited_and_logs_hold_no_patient_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = folder_for_commands(tmp_path / "data", monkeypatch)
    consult = sample_consult()
    source = tmp_path / "consult.json"
    source.write_text(consult_to_json(consult), encoding="utf-8")
    # a bad file too: its error path must not log patient data either
    bad = tmp_path / "bad.json"
    bad.write_text(consult_to_json(consult).replace('"pain_now": 6', '"pain_now": 60'), "utf-8")

    assert main(["--data-dir", str(data), "import", str(source)]) == 0
    assert main(["--data-dir", str(data), "import", str(bad)]) == 2
    assert main(["--data-dir", str(data), "export", consult.id, "--json",
                 "--out", str(tmp_path / "out.json")]) == 0
    assert main(["--data-dir", str(data), "search", "Müller"]) == 0
    logging.getLogger("consult_aid").info("log line from the test")  # the file is live
    for handler in logging.getLogger("consult_aid").handlers:
        handler.flush()

    with open_database(data / "consult-aid.sqlite3") as db:
        actions = [(e.action, e.consult_id) for e in AuditLog(db).entries()]
    assert ("consult.imported", consult.id) in actions
    assert ("consult.exported", consult.id) in actions

    log_text = (data / "logs" / "consult-aid.log").read_text(encoding="utf-8")
    assert "log line from the test" in log_text
    for secret in (consult.patient.name, "Müller", consult.patient.mrn, "Apixaban",
                   consult.lifestyle.goals, consult.patient.contact.email):
        assert secret not in log_text
