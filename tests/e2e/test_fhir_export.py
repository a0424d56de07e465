"""Export to the EHR (issue 17, item 2): ``consult-aid export ID --fhir FILE.json`` writes an HL7
FHIR R4 Bundle that the ``fhir.resources`` library (R4, 4.0.1) accepts, whose attachments are
the archived signed PDFs byte for byte, with each addendum appending to the summary."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fhir.resources
import pytest
from fhir.resources.bundle import Bundle

from consult_aid.cli import main
from consult_aid.domain import ConsultStatus, Decider, DecisionChoice, Person
from consult_aid.exchange.fhir_bundle import MRN_SYSTEM, SHA256_SYSTEM, SignedPdf, build_bundle
from consult_aid.storage import open_database
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.consults import ConsultRepository
from tests.e2e.cli_run import run

from .conftest import DemoRun

PASSWORD = "consult-aid-demo"
DATABASE = "consult-aid.sqlite3"


@pytest.fixture(autouse=True)
def _password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_AID_PASSWORD", PASSWORD)


def export_fhir(data: Path, consult_id: str, out: Path,
                capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, text = run(capsys, "--data-dir", str(data), "export", consult_id, "--fhir", str(out))
    assert code == 0, text
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def resources(bundle: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e["fullUrl"], e["resource"]) for e in bundle["entry"]
            if e["resource"]["resourceType"] == kind]


def one(bundle: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    (found,) = resources(bundle, kind)
    return found


def references(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def sha1_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")


def test_the_fhir_library_is_r4() -> None:
    assert fhir.resources.__fhir_version__ == "4.0.1"


def test_export_writes_a_valid_r4_bundle_owner_only_and_audited(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ehr" / "bundle.json"
    bundle = export_fhir(demo_copy.data, demo_copy.consult_id, out, capsys)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    Bundle.parse_obj(bundle)  # the whole Bundle, every resource in it, by the R4 models
    assert bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for url, entry in zip(urls, bundle["entry"], strict=True):
        assert url == f"urn:uuid:{uuid.UUID(url.removeprefix('urn:uuid:'))}"
        assert entry["resource"]["id"] == url.removeprefix("urn:uuid:")
    assert set(references(bundle)) <= set(urls)  # every reference resolves inside the Bundle
    assert sorted(e["resource"]["resourceType"] for e in bundle["entry"]) == [
        "Consent", "DocumentReference", "Organization", "Patient", "Practitioner",
        "Provenance"]

    with open_database(demo_copy.data / DATABASE) as db:
        consult = ConsultRepository(db).get(demo_copy.consult_id)
        entries = AuditLog(db).entries(demo_copy.consult_id)
    assert [(e.action, e.detail) for e in entries][-1] == ("consult.exported", "fhir")

    patient_url, patient = one(bundle, "Patient")
    assert patient["name"] == [{"text": consult.patient.name}]
    assert patient["birthDate"] == consult.patient.date_of_birth.isoformat()
    assert patient["gender"] == consult.patient.sex.value
    assert patient["identifier"][0]["system"] == MRN_SYSTEM
    assert patient["identifier"][0]["value"] == consult.patient.mrn
    practitioner_url, practitioner = one(bundle, "Practitioner")
    assert practitioner["name"] == [{"text": consult.clinician.name}]
    org_url, organization = one(bundle, "Organization")
    assert organization["name"] == consult.clinician.clinic

    _, consent = one(bundle, "Consent")
    assert consent["status"] == "active"  # the demo patient chose to go ahead, and signed
    assert consent["provision"]["type"] == "permit"
    assert consent["scope"]["coding"][0]["code"] == "treatment"
    assert consent["category"][0]["coding"][0] == {
        "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
    assert consent["patient"] == {"reference": patient_url}
    assert consent["performer"][0]["reference"] == patient_url
    assert consent["organization"] == [{"reference": org_url}]
    assert consult.signed_at is not None
    assert datetime.fromisoformat(consent["dateTime"]) == consult.signed_at
    assert "Go ahead with a trial" in consent["text"]["div"]

    _, provenance = one(bundle, "Provenance")
    consent_url, _ = one(bundle, "Consent")
    (doc_url, _), = resources(bundle, "DocumentReference")
    assert provenance["target"] == [{"reference": consent_url}, {"reference": doc_url}]
    assert datetime.fromisoformat(provenance["recorded"]) == consult.signed_at
    assert {a["type"]["coding"][0]["code"] for a in provenance["agent"]} == {"author",
                                                                             "attester"}
    assert all(a["who"]["reference"] == practitioner_url for a in provenance["agent"])


def test_the_consents_attachment_is_the_archived_signed_pdf_byte_for_byte(
        demo_run: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Exporting writes an audit entry, so it runs on a copy of the demo's database file.
    data = tmp_path / "data"
    data.mkdir()
    (data / DATABASE).write_bytes((demo_run.data / DATABASE).read_bytes())
    bundle = export_fhir(data, demo_run.consult_id, tmp_path / "b.json", capsys)
    with open_database(data / DATABASE) as db:
        repo = ConsultRepository(db)
        archived = repo.document(demo_run.consult_id)
        (record,) = repo.documents(demo_run.consult_id)
    assert archived == demo_run.summary.read_bytes()  # the file the demo handed out

    _, consent = one(bundle, "Consent")
    attachment = consent["sourceAttachment"]
    assert base64.b64decode(attachment["data"], validate=True) == archived
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(archived) == record.size
    assert attachment["hash"] == sha1_b64(archived)  # R4: base64 of the SHA-1
    assert datetime.fromisoformat(attachment["creation"]) == record.created_at

    (_, doc), = resources(bundle, "DocumentReference")
    assert doc["status"] == "current"
    assert doc["content"][0]["attachment"] == attachment
    assert {"system": SHA256_SYSTEM, "value": hashlib.sha256(archived).hexdigest()} \
        in doc["identifier"]
    assert record.sha256 == hashlib.sha256(archived).hexdigest()


def test_an_addendum_appends_to_the_summary_with_its_own_archived_pdf(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "addendum",
                     demo_copy.consult_id, "--text", "Trial booked for 16 December.")
    assert code == 0, text
    bundle = export_fhir(demo_copy.data, demo_copy.consult_id, tmp_path / "b.json", capsys)
    Bundle.parse_obj(bundle)
    with open_database(demo_copy.data / DATABASE) as db:
        repo = ConsultRepository(db)
        consult = repo.get(demo_copy.consult_id)
        (addendum,) = consult.addenda
        addendum_pdf = repo.document_by_sha256(consult.id, addendum.document_sha256)
        summary_pdf = repo.document(consult.id)
    assert consult.status is ConsultStatus.AMENDED

    (summary_url, summary), (addendum_url, appended) = resources(bundle, "DocumentReference")
    assert base64.b64decode(summary["content"][0]["attachment"]["data"]) == summary_pdf
    assert "relatesTo" not in summary
    assert appended["relatesTo"] == [{"code": "appends", "target": {"reference": summary_url}}]
    attachment = appended["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"], validate=True) == addendum_pdf
    assert attachment["size"] == len(addendum_pdf)
    assert attachment["hash"] == sha1_b64(addendum_pdf)
    assert {"system": SHA256_SYSTEM, "value": addendum.document_sha256} in appended["identifier"]
    assert datetime.fromisoformat(appended["date"]) == addendum.written_at

    provenances = [p for _, p in resources(bundle, "Provenance")]
    (later,) = [p for p in provenances if p["target"] == [{"reference": addendum_url}]]
    assert datetime.fromisoformat(later["recorded"]) == addendum.written_at
    _, consent = one(bundle, "Consent")
    assert consent["status"] == "active"  # an addendum never changes the decision signed


def test_a_draft_is_refused_in_one_line_without_patient_data(
        demo_copy: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_database(demo_copy.data / DATABASE) as db:
        repo = ConsultRepository(db)
        signed = repo.get(demo_copy.consult_id)
        draft = dataclasses.replace(signed, id=uuid.uuid4().hex, status=ConsultStatus.DRAFT,
                                    signed_at=None, pdf_sha256="", signatures=[], addenda=[])
        repo.save_draft(draft)
    out = tmp_path / "draft.json"
    code, text = run(capsys, "--data-dir", str(demo_copy.data), "export", draft.id,
                     "--fhir", str(out))
    assert code != 0
    assert len(text.strip().splitlines()) == 1, text
    assert "draft" in text and "signed" in text
    assert signed.patient.name not in text and signed.patient.mrn not in text
    assert "Traceback" not in text
    assert not out.exists()
    with open_database(demo_copy.data / DATABASE) as db:
        assert not [e for e in AuditLog(db).entries(draft.id) if e.action == "consult.exported"]


def test_json_and_fhir_are_alternatives(demo_copy: DemoRun, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data, cid = str(demo_copy.data), demo_copy.consult_id
    with pytest.raises(SystemExit) as both:
        main(["--data-dir", data, "export", cid, "--json", "--fhir", str(tmp_path / "b.json")])
    assert both.value.code == 2
    with pytest.raises(SystemExit) as neither:
        main(["--data-dir", data, "export", cid])
    assert neither.value.code == 2
    capsys.readouterr()
    code, text = run(capsys, "--data-dir", data, "export", cid, "--fhir",
                     str(tmp_path / "b.json"), "--out", str(tmp_path / "c.json"))
    assert code == 2 and "--out" in text
    assert not (tmp_path / "b.json").exists()


@pytest.mark.parametrize(("choice", "status", "provision"), [
    (DecisionChoice.DECLINE, "rejected", "deny"),
    (DecisionChoice.NOT_NOW, "proposed", None),
    (DecisionChoice.MORE_INFORMATION, "proposed", None),
    (None, "proposed", None),
])
def test_each_decision_maps_to_a_consent_state(
        demo_run: DemoRun, choice: DecisionChoice | None, status: str,
        provision: str | None) -> None:
    with open_database(demo_run.data / DATABASE) as db:
        repo = ConsultRepository(db)
        consult = repo.get(demo_run.consult_id)
        pdf = repo.document(demo_run.consult_id)
    assert consult.signed_at is not None
    consult.decision = dataclasses.replace(consult.decision, choice=choice)
    bundle = build_bundle(consult, SignedPdf(pdf, consult.signed_at, "summary"), [],
                          now=datetime.now(UTC))
    Bundle.parse_obj(bundle)
    _, consent = one(bundle, "Consent")
    assert consent["status"] == status
    assert consent["provision"].get("type") == provision
    words = "Not yet decided" if choice is None else choice.label
    assert f"Decision: {words}" in consent["text"]["div"]


def test_a_representative_who_decides_is_the_consents_performer(demo_run: DemoRun) -> None:
    with open_database(demo_run.data / DATABASE) as db:
        repo = ConsultRepository(db)
        consult = repo.get(demo_run.consult_id)
        pdf = repo.document(demo_run.consult_id)
    assert consult.signed_at is not None
    consult.participants = dataclasses.replace(
        consult.participants, decider=Decider.REPRESENTATIVE,
        representative=Person("Ann <Marsh> & co", "daughter"))
    bundle = build_bundle(consult, SignedPdf(pdf, consult.signed_at, "summary"), [],
                          now=datetime.now(UTC))
    Bundle.parse_obj(bundle)
    rep_url, rep = one(bundle, "RelatedPerson")
    patient_url, _ = one(bundle, "Patient")
    assert rep["patient"] == {"reference": patient_url}
    assert rep["relationship"] == [{"text": "daughter"}]
    _, consent = one(bundle, "Consent")
    assert consent["performer"] == [{"reference": rep_url, "display": "Ann <Marsh> & co"}]
