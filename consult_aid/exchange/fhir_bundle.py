"""A signed consult as an HL7 FHIR R4 (4.0.1) Bundle of type "collection", as plain JSON data.

No FHIR library at run time: the Bundle is built from dicts and lists that ``json.dumps``
writes as they are (the tests validate it with ``fhir.resources``). What goes where, and why,
is in docs/fhir-export.md. Every entry has a ``urn:uuid:`` fullUrl derived from the consult
(the same consult exports with the same ids), and entries refer to each other by it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consult_aid.domain import Addendum, Consult, Decider, DecisionChoice, Sex, SignerRole
from consult_aid.domain.labels import DECISION_LABELS, SCOPE_LABELS

FHIR_VERSION = "4.0.1"

# Identifier systems of this program: a clinic's MRNs, consults and documents have no global
# registry, so they are named by URNs of Consult Aid's own (documented in docs/fhir-export.md).
MRN_SYSTEM = "urn:consult-aid:mrn"
CONSULT_ID_SYSTEM = "urn:consult-aid:consult-id"
ADDENDUM_ID_SYSTEM = "urn:consult-aid:addendum-id"
CLINICIAN_REGISTRATION_SYSTEM = "urn:consult-aid:clinician-registration"
SHA256_SYSTEM = "urn:consult-aid:sha256"

LOINC = "http://loinc.org"
PATIENT_CONSENT = {"system": LOINC, "code": "59284-0", "display": "Patient Consent"}
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
XHTML = "http://www.w3.org/1999/xhtml"

# ASTM E1762-95 signature types (FHIR R4 value set signature-type) for the pad signatures.
_SIGNATURE_TYPES: dict[SignerRole, tuple[str, str]] = {
    SignerRole.PATIENT: ("1.2.840.10065.1.12.1.7", "Consent Signature"),
    SignerRole.REPRESENTATIVE: ("1.2.840.10065.1.12.1.7", "Consent Signature"),
    SignerRole.CLINICIAN: ("1.2.840.10065.1.12.1.1", "Author's Signature"),
    SignerRole.INTERPRETER: ("1.2.840.10065.1.12.1.12", "Interpreter Signature"),
    SignerRole.WITNESS: ("1.2.840.10065.1.12.1.11", "Consent Witness Signature"),
}

# Consent.status and Consent.provision.type for each decision (docs/fhir-export.md says why).
_CONSENT_STATE: dict[DecisionChoice | None, tuple[str, str | None]] = {
    DecisionChoice.GO_AHEAD_TRIAL: ("active", "permit"),
    DecisionChoice.DECLINE: ("rejected", "deny"),
    DecisionChoice.NOT_NOW: ("proposed", None),
    DecisionChoice.MORE_INFORMATION: ("proposed", None),
    None: ("proposed", None),
}
NOT_DECIDED = "Not yet decided"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:consult-aid:fhir")


@dataclass(frozen=True, slots=True)
class SignedPdf:
    """One archived, signed PDF of the consult: the summary, or an addendum's."""

    data: bytes
    created: datetime  # when it was signed (the summary) or written (an addendum)
    title: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(parts))}"


def _ref(full_url: str, display: str = "") -> dict[str, str]:
    ref = {"reference": full_url}
    if display:
        ref["display"] = display
    return ref


def _instant(moment: datetime) -> str:
    """A FHIR instant/dateTime: seconds (or finer) and a time zone (the caller's are aware)."""
    if moment.utcoffset() is None:
        raise ValueError("a FHIR instant needs a time zone")
    return moment.isoformat()


def _narrative(lines: Sequence[str]) -> dict[str, str]:
    """Human-readable text; "additional": it says more than the coded elements do."""
    body = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    return {"status": "additional", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def attachment(pdf: SignedPdf, *, with_data: bool = True) -> dict[str, Any]:
    """An R4 Attachment of the PDF: its bytes (base64), size, and hash — base64 of the SHA-1,
    which is what R4 defines Attachment.hash to be (the SHA-256 goes in identifiers)."""
    att: dict[str, Any] = {"contentType": "application/pdf"}
    if with_data:
        att["data"] = base64.b64encode(pdf.data).decode("ascii")
    att["size"] = len(pdf.data)
    sha1 = hashlib.sha1(pdf.data, usedforsecurity=False).digest()  # R4 defines the hash so
    att["hash"] = base64.b64encode(sha1).decode("ascii")
    att["title"] = pdf.title
    att["creation"] = _instant(pdf.created)
    return att


def sha256_identifier(pdf: SignedPdf) -> dict[str, str]:
    return {"system": SHA256_SYSTEM, "value": pdf.sha256}


def decision_words(consult: Consult) -> list[str]:
    """The decision as the summary words it (labels shared with the window and the PDF)."""
    d = consult.decision
    words = [f"Decision: {DECISION_LABELS[d.choice] if d.choice else NOT_DECIDED}"]
    if d.option_id:
        words.append(f"Option: {d.option_id}")
    if d.scope is not None:
        words.append(f"Scope: {SCOPE_LABELS[d.scope]}")
    if d.medicine:
        words.append(f"Planned medicine: {d.medicine}")
    if d.follow_up is not None:
        words.append(f"Follow-up: {d.follow_up.isoformat()}")
    return words


def build_bundle(consult: Consult, summary: SignedPdf,
                 addenda: Sequence[tuple[Addendum, SignedPdf]], *,
                 now: datetime) -> dict[str, Any]:
    """The Bundle for a signed (or amended) ``consult``: Patient, Practitioner, the clinic's
    Organization (when named), a RelatedPerson for a deciding representative, the Consent, a
    DocumentReference per signed PDF, and a Provenance. ``consult.signed_at`` must be set."""
    if consult.signed_at is None:
        raise ValueError("build_bundle() needs a signed consult")
    cid = consult.id
    patient_url = _urn("patient", consult.patient.id or cid)
    practitioner_url = _urn("practitioner", consult.clinician.id or cid)
    clinic = consult.clinician.clinic.strip()
    org_url = _urn("organization", clinic) if clinic else ""
    consent_url = _urn(cid, "consent")
    summary_url = _urn(cid, "document", summary.sha256)

    entries: list[tuple[str, dict[str, Any]]] = [
        (patient_url, _patient(consult)),
        (practitioner_url, _practitioner(consult)),
    ]
    if org_url:
        entries.append((org_url, _organization(consult)))
    decider_ref = _ref(patient_url, consult.patient.name)
    rep = consult.participants.representative
    rep_url = ""
    if consult.participants.decider is Decider.REPRESENTATIVE and rep is not None:
        rep_url = _urn(cid, "representative")
        entries.append((rep_url, _related_person(rep.name, rep.relationship, patient_url)))
        decider_ref = _ref(rep_url, rep.name)

    entries.append((consent_url, _consent(consult, summary, patient_url, decider_ref, org_url)))
    entries.append((summary_url, _document_reference(
        summary, type_=[PATIENT_CONSENT], type_text="Informed-decision consult summary",
        identifiers=[{"system": CONSULT_ID_SYSTEM, "value": cid}],
        patient_url=patient_url, author=_ref(practitioner_url, consult.clinician.name),
        org_url=org_url, consent_url=consent_url)))
    entries.append((_urn(cid, "provenance"), _provenance(
        consult, [consent_url, summary_url], practitioner_url, org_url,
        {SignerRole.PATIENT: patient_url, SignerRole.REPRESENTATIVE: rep_url,
         SignerRole.CLINICIAN: practitioner_url})))
    for addendum, pdf in addenda:
        url = _urn(cid, "document", pdf.sha256)
        author = (_ref(practitioner_url, consult.clinician.name)
                  if addendum.author.strip() == consult.clinician.name.strip()
                  else {"display": addendum.author})
        doc = _document_reference(
            pdf, type_=[], type_text="Addendum to the informed-decision consult summary",
            identifiers=[{"system": ADDENDUM_ID_SYSTEM, "value": addendum.id}] if addendum.id
            else [], patient_url=patient_url, author=author, org_url=org_url,
            consent_url=consent_url)
        doc["relatesTo"] = [{"code": "appends", "target": _ref(summary_url)}]
        entries.append((url, doc))
        entries.append((_urn(cid, "provenance", pdf.sha256),
                        _addendum_provenance(url, pdf, author, org_url)))

    return {
        "resourceType": "Bundle",
        # this export's own identifier (the consult's is on the Consent and the summary)
        "identifier": {"system": "urn:ietf:rfc:3986",
                       "value": _urn(cid, "bundle", _instant(now))},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": url, "resource": _with_id(resource, url)}
                  for url, resource in entries],
    }


def _with_id(resource: dict[str, Any], full_url: str) -> dict[str, Any]:
    """The resource with its id (the fullUrl's UUID, so the two never disagree) after its type."""
    return {"resourceType": resource["resourceType"], "id": full_url.removeprefix("urn:uuid:"),
            **{k: v for k, v in resource.items() if k != "resourceType"}}


def _patient(consult: Consult) -> dict[str, Any]:
    p = consult.patient
    res: dict[str, Any] = {"resourceType": "Patient"}
    if p.mrn.strip():
        res["identifier"] = [{
            "use": "usual",
            "type": {"coding": [{"system": V2_IDENTIFIER_TYPE, "code": "MR",
                                 "display": "Medical record number"}]},
            "system": MRN_SYSTEM, "value": p.mrn.strip()}]
    res["name"] = [{"text": p.name}]
    if p.sex is not Sex.UNKNOWN:
        res["gender"] = p.sex.value  # R4 administrative-gender: male | female | other
    res["birthDate"] = p.date_of_birth.isoformat()
    return res


def _practitioner(consult: Consult) -> dict[str, Any]:
    c = consult.clinician
    res: dict[str, Any] = {"resourceType": "Practitioner"}
    if c.registration.strip():
        res["identifier"] = [{"type": {"text": "Registration number"},
                              "system": CLINICIAN_REGISTRATION_SYSTEM,
                              "value": c.registration.strip()}]
    res["name"] = [{"text": c.name}]
    if c.credentials.strip():
        res["qualification"] = [{"code": {"text": c.credentials.strip()}}]
    return res


def _organization(consult: Consult) -> dict[str, Any]:
    c = consult.clinician
    res: dict[str, Any] = {"resourceType": "Organization", "name": c.clinic.strip()}
    if c.clinic_phone.strip():
        res["telecom"] = [{"system": "phone", "value": c.clinic_phone.strip(), "use": "work"}]
    return res


def _related_person(name: str, relationship: str, patient_url: str) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "RelatedPerson", "patient": _ref(patient_url)}
    if relationship.strip():
        res["relationship"] = [{"text": relationship.strip()}]
    res["name"] = [{"text": name}]
    return res


def _consent(consult: Consult, summary: SignedPdf, patient_url: str,
             decider: dict[str, str], org_url: str) -> dict[str, Any]:
    assert consult.signed_at is not None
    status, provision_type = _CONSENT_STATE[consult.decision.choice]
    procedure = f"{consult.pack.id} {consult.pack.version}"
    if consult.decision.option_id:
        procedure += f", option {consult.decision.option_id}"
    provision: dict[str, Any] = {}
    if provision_type is not None:
        provision["type"] = provision_type
    provision["code"] = [{"text": procedure}]
    res: dict[str, Any] = {
        "resourceType": "Consent",
        "text": _narrative(decision_words(consult)),
        "identifier": [{"system": CONSULT_ID_SYSTEM, "value": consult.id}],
        "status": status,
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment",
                              "display": "Treatment"}]},
        "category": [{"coding": [PATIENT_CONSENT]}],
        "patient": _ref(patient_url),
        "dateTime": _instant(consult.signed_at),
        "performer": [decider],
    }
    if org_url:
        res["organization"] = [_ref(org_url)]
    res["sourceAttachment"] = attachment(summary)
    # ppc-1: a Consent names a policy or a policy rule; this one is the clinic's own
    res["policyRule"] = {"text": "Informed consent after a documented informed-decision "
                                 "consult (the signed summary is the source)"}
    res["provision"] = provision
    return res


def _document_reference(pdf: SignedPdf, *, type_: list[dict[str, str]], type_text: str,
                        identifiers: list[dict[str, str]], patient_url: str,
                        author: dict[str, str], org_url: str,
                        consent_url: str) -> dict[str, Any]:
    doc_type: dict[str, Any] = {"coding": type_} if type_ else {}
    doc_type["text"] = type_text
    res: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [sha256_identifier(pdf), *identifiers],
        "status": "current",
        "docStatus": "final",
        "type": doc_type,
        "subject": _ref(patient_url),
        "date": _instant(pdf.created),
        "author": [author],
    }
    if org_url:
        res["custodian"] = _ref(org_url)
    res["description"] = pdf.title
    res["content"] = [{"attachment": attachment(pdf)}]
    res["context"] = {"related": [_ref(consent_url)]}
    return res


def _agent(code: str, display: str, who: dict[str, str],
           org_url: str = "") -> dict[str, Any]:
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": PROVENANCE_AGENT_TYPE, "code": code,
                             "display": display}]},
        "who": who}
    if org_url:
        agent["onBehalfOf"] = _ref(org_url)
    return agent


def _provenance(consult: Consult, targets: list[str], practitioner_url: str, org_url: str,
                signers: dict[SignerRole, str]) -> dict[str, Any]:
    """Who made and signed the record, and when: the clinician as author and attester (the
    clinic's signature on the PDF), each pad signature with its time (no signature data)."""
    assert consult.signed_at is not None
    who = _ref(practitioner_url, consult.clinician.name)
    signatures = []
    for sig in sorted(consult.signatures, key=lambda s: s.role.order):
        code, display = _SIGNATURE_TYPES[sig.role]
        url = signers.get(sig.role, "")
        signer = _ref(url, sig.printed_name) if url else {"display": sig.printed_name}
        signatures.append({"type": [{"system": SIGNATURE_TYPE, "code": code,
                                     "display": display}],
                           "when": _instant(sig.signed_at), "who": signer})
    res: dict[str, Any] = {
        "resourceType": "Provenance",
        "target": [_ref(t) for t in targets],
        "recorded": _instant(consult.signed_at),
        "agent": [_agent("author", "Author", who, org_url),
                  _agent("attester", "Attester", who, org_url)],
    }
    if signatures:
        res["signature"] = signatures
    return res


def _addendum_provenance(doc_url: str, pdf: SignedPdf, author: dict[str, str],
                         org_url: str) -> dict[str, Any]:
    """An addendum's own Provenance: written and signed later than the record it appends."""
    agents = [_agent("author", "Author", author, org_url)]
    if org_url:  # the addendum PDF carries the clinic's signature
        agents.append(_agent("attester", "Attester", _ref(org_url)))
    return {"resourceType": "Provenance", "target": [_ref(doc_url)],
            "recorded": _instant(pdf.created), "agent": agents}


__all__ = ["FHIR_VERSION", "MRN_SYSTEM", "SHA256_SYSTEM", "SignedPdf", "attachment",
           "build_bundle", "decision_words"]
