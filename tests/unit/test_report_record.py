"""The signed record as its three readers read it: page 1 is the decision record, the body is
short, figures and pictures agree, the teach-back line counts what was recorded, drafts cannot
pass for signed records, and only signatures this program saw drawn are vouched for."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

import pytest

from consult_aid.content.figures import picture
from consult_aid.datadir import DataFolder
from consult_aid.domain import (
    DecisionChoice,
    DecisionScope,
    Interpreter,
    SignerRole,
    TeachBack,
)
from consult_aid.domain.consult import NO_RECOMMENDATION
from consult_aid.domain.labels import DECISION_LABELS, SCOPE_LABELS
from consult_aid.domain.record import decision_record
from consult_aid.domain.step_rules import consult_items
from consult_aid.domain.validation import ValidationError
from consult_aid.errors import InputError
from consult_aid.exchange import consult_from_json, consult_to_json
from consult_aid.report.summary import render_summary
from consult_aid.report.summary_appendix import APPENDIX_TITLE
from consult_aid.services.consults import import_json
from consult_aid.services.signing import sign_and_archive
from consult_aid.signing.identity import create_identity
from consult_aid.storage.consults import ConsultRepository
from tests.pdfcheck import (
    demo_consult,
    demo_pack,
    page_texts,
    signature_ink,
    signed_state,
    squeeze,
)
from tests.signed_in import signed_database

PASSWORD = "clinic-password"


@pytest.fixture(scope="module")
def signed_pdf() -> bytes:
    return render_summary(signed_state(demo_consult()), demo_pack())


@pytest.fixture(scope="module")
def draft_pdf() -> bytes:
    return render_summary(demo_consult(), demo_pack())


def _page1(pdf: bytes) -> str:
    return squeeze(page_texts(pdf)[0])


def test_page_one_is_the_decision_record(signed_pdf: bytes) -> None:
    consult, pack = signed_state(demo_consult()), demo_pack()
    page = _page1(signed_pdf)
    d = consult.decision
    option = pack.option(d.option_id)
    # the decision in words, its scope, the medicine, the recommendation and its reason
    assert squeeze(f"{DECISION_LABELS[d.choice]}: {option.name}") in page
    assert d.scope is DecisionScope.TRIAL_ONLY
    assert squeeze(SCOPE_LABELS[d.scope]) in page
    assert squeeze(d.medicine) in page
    assert squeeze(pack.option(d.recommendation).name) in page
    assert squeeze(d.recommendation_reason) in page
    # who decided, what matters most, SURE, handouts given, next steps and follow-up
    assert "Decided by" in page and "The patient" in page
    assert squeeze(consult.values.what_matters_most) in page
    assert "4 of 4: no sign of decisional conflict" in page
    given = consult.handouts_given[0]
    assert squeeze(f"{given.title} (version {given.version})") in page
    for line in d.next_steps.splitlines():
        assert squeeze(line) in page
    assert "18 December 2026" in page
    # who, when, which pack; and when the clinic signed
    assert consult.patient.name in page and consult.patient.mrn in page
    assert "3 June 1958" in page and consult.clinician.name in page
    assert squeeze(f"pack {pack.id}, version {pack.version}") in page
    assert "Digitally signed and archived" in page


def test_page_one_holds_every_line_of_the_shared_record(signed_pdf: bytes) -> None:
    """The review step shows decision_record(); page 1 must hold every one of its lines."""
    record = decision_record(signed_state(demo_consult()), demo_pack())
    page = _page1(signed_pdf)
    for line in (*record.who, *record.decision):
        assert squeeze(line.label) in page, line.label
        for part in line.value.splitlines():
            assert squeeze(part) in page, part


def test_page_one_lists_what_was_left_open() -> None:
    consult, pack = demo_consult(), demo_pack()
    consult.decision.choice = DecisionChoice.MORE_INFORMATION
    item = pack.items()[4]
    consult.understanding_of(item.id).level = TeachBack.PARTLY
    consult.decision.recommendation = NO_RECOMMENDATION
    consult.decision.recommendation_reason = ""
    page = _page1(render_summary(signed_state(consult), pack))
    assert "Left open when the record was signed" in page
    assert squeeze(f"Not yet understood (partly): {item.title}.") in page
    assert "No recommendation" in page


def test_the_body_fits_in_four_pages_then_the_appendix(signed_pdf: bytes) -> None:
    pages = page_texts(signed_pdf)
    starts = [n for n, text in enumerate(pages, start=1) if APPENDIX_TITLE in text]
    assert len(starts) == 1
    # pages 1-6: the record and its body, for the 2.0.0 pack's 42 items that apply to the demo
    # patient's diagnosis (4 pages held the 25 items of version 1.0.0)
    assert starts[0] <= 7
    header_and_title = pages[starts[0] - 1].split(APPENDIX_TITLE)[0]
    assert "Pack" in header_and_title and len(header_and_title.splitlines()) <= 5  # page top
    body = "\n".join(pages[:starts[0] - 1])
    assert "Signatures" in body and "References" not in body


def test_every_picture_caption_has_its_sentences_numbers(signed_pdf: bytes) -> None:
    """Read back: each caption 'N of these D people (between L and H)' follows a sentence
    'N in D people … (between L and H in D)' with the same numbers; whole people only."""
    text = squeeze(" ".join(page_texts(signed_pdf)))
    appendix = text[text.index(APPENDIX_TITLE):]
    captions = re.findall(r"([\d,]+) of these ([\d,]+) (?:people|operations|pumps|devices)"
                          r"(?: \(between ([\d,]+) and ([\d,]+)\))?", appendix)
    pack = demo_pack()
    quantified = [i for i in consult_items(demo_consult(), pack) if i.frequency is not None
                  and picture(i.frequency) is not None]
    assert len(captions) == len(quantified) > 0
    for item, (count, denominator, low, high) in zip(quantified, captions, strict=True):
        f = item.frequency
        assert f is not None
        assert (int(count.replace(",", "")), int(denominator.replace(",", ""))) == (
            round(f.count), f.denominator), item.id
        sentence = f"{count} in {denominator} {f.unit}"
        assert sentence in appendix, item.id
        if low:
            assert f"(between {low} and {high} in {denominator})" in appendix, item.id
    assert not re.search(r"\d\.\d+ (in|of these) [\d,]+ people", text)


def test_every_figure_names_its_group(signed_pdf: bytes) -> None:
    text = squeeze(" ".join(page_texts(signed_pdf)))
    for item in consult_items(demo_consult(), demo_pack()):
        if item.frequency is not None:
            assert squeeze(item.frequency.group) in text, item.id


def test_the_teach_back_line_counts_what_was_recorded(signed_pdf: bytes) -> None:
    consult, pack = demo_consult(), demo_pack()
    records = [consult.understanding.get(i.id) for i in consult_items(consult, pack)]
    words = sum(1 for r in records if r and not r.is_open and r.patient_words.strip())
    no_words = sum(1 for r in records if r and not r.is_open and not r.patient_words.strip())
    still_open = sum(1 for r in records if r is None or r.is_open)
    page = _page1(signed_pdf)
    assert 0 < words < len(records)  # the demo records words for some items, not all
    assert (f"Of {len(records)} benefits and risks: {words} explained back in the patient's own "
            f"words") in page
    assert f"{no_words} marked understood, without the patient's words recorded" in page
    assert f"{still_open} still open" in page
    assert f"{len(records)} of {len(records)}" not in page


def test_a_draft_says_so_on_every_page_and_shows_no_signature(draft_pdf: bytes,
                                                               signed_pdf: bytes) -> None:
    pages = page_texts(draft_pdf)
    assert all("DRAFT — NOT SIGNED" in page for page in pages)
    text = squeeze(" ".join(pages))
    assert "signed on the pad" not in text and "Digitally signed and archived by" not in text
    assert "Not signed." in text
    assert signature_ink(draft_pdf) == 0
    assert signature_ink(signed_pdf) == 1
    assert not any("DRAFT — NOT SIGNED" in page for page in page_texts(signed_pdf))


def test_signatures_print_in_role_order_with_the_programs_meaning() -> None:
    consult, pack = demo_consult(), demo_pack()
    consult.participants.interpreter = Interpreter(name="Ana Ruiz", language="Spanish")
    first = consult.signatures[0]
    consult.signatures.append(dataclasses.replace(
        first, role=SignerRole.INTERPRETER, printed_name="Ana Ruiz",
        meaning=SignerRole.INTERPRETER.meaning))
    consult.signatures.reverse()  # file order: clinician first
    text = squeeze(" ".join(page_texts(render_summary(signed_state(consult), pack))))
    order = [text.index(f"· {role.label} · signed on the pad") for role in
             (SignerRole.PATIENT, SignerRole.INTERPRETER, SignerRole.WITNESS,
              SignerRole.CLINICIAN)]
    assert order == sorted(order)
    for role in (SignerRole.PATIENT, SignerRole.CLINICIAN):
        assert squeeze(role.meaning) in text


def test_a_meaning_other_than_the_programs_is_refused_at_the_boundary() -> None:
    text = consult_to_json(demo_consult()).replace(
        SignerRole.PATIENT.meaning, "I agree to anything.")
    with pytest.raises(InputError, match="meaning"):
        consult_from_json(text)


@pytest.fixture
def identity(data_folder: DataFolder):  # type: ignore[no-untyped-def]
    return create_identity(data_folder.identity, name="Dr. Sam Rivera",
                           clinic="Demo Pain Clinic", password=PASSWORD)


@pytest.mark.parametrize("shift", ["before the consult", "after signing"])
def test_a_pad_time_outside_the_consult_is_refused(data_folder: DataFolder, identity,
                                                   shift: str) -> None:
    consult, pack = demo_consult(), demo_pack()
    now = consult.created_at + timedelta(hours=2)
    patient = consult.signatures[0]
    patient.signed_at = (consult.created_at - timedelta(minutes=1) if shift.startswith("before")
                         else now + timedelta(days=3650))
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db, \
            pytest.raises(ValidationError) as caught:
        sign_and_archive(db, consult, pack, identity, PASSWORD, now)
    assert any(p.field.endswith("signed_at") for p in caught.value.problems)
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        assert not ConsultRepository(db).exists(consult.id)


def test_an_imported_draft_comes_in_without_its_pad_signatures(data_folder: DataFolder) -> None:
    consult = demo_consult()
    assert consult.signatures
    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        import_json(db, consult_to_json(consult))
        stored = ConsultRepository(db).get(consult.id)
    assert stored.signatures == []


def test_going_ahead_needs_scope_medicine_and_recommendation() -> None:
    from consult_aid.domain.steps import blocking_items

    consult, pack = demo_consult(), demo_pack()
    d = consult.decision
    d.scope, d.medicine, d.recommendation, d.recommendation_reason = None, "", "pump", ""
    fields = {o.field for o in blocking_items(consult, pack)}
    assert {"decision.scope", "decision.medicine",
            "decision.recommendation_reason"} <= fields
    consult.sure.support = False  # SURE 3 of 4: conflict must be addressed
    assert "decision.conflict_addressed" in {o.field for o in blocking_items(consult, pack)}


def test_the_record_never_claims_a_signing_time_for_a_draft() -> None:
    record = decision_record(demo_consult(), demo_pack())
    signed = {line.label: line.value for line in record.who}
    assert signed["Digitally signed and archived"].startswith("Not signed")
    when = datetime(2026, 11, 27, 11, 0, tzinfo=demo_consult().created_at.tzinfo)
    record = decision_record(dataclasses.replace(signed_state(demo_consult()), signed_at=when),
                             demo_pack())
    assert {line.label: line.value for line in record.who}[
        "Digitally signed and archived"] == "27 November 2026, 11:00 UTC−05:00"
