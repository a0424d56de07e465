"""PAdES signing and verification: a signed PDF verifies; any change after signing is caught."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter
from reportlab.pdfgen.canvas import Canvas

from consult_aid.report.fonts import register_fonts
from consult_aid.signing.identity import UnlockedIdentity, create_identity
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import Verdict, verify_pdf

PASSWORD = "correct horse battery"


def plain_pdf(text: str = "Consult summary page") -> bytes:
    fonts = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, initialFontName=fonts.regular)
    canvas.setFont(fonts.regular, 14)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.drawString(72, 720, "second page")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def unlocked(tmp_path_factory: pytest.TempPathFactory) -> UnlockedIdentity:
    folder = tmp_path_factory.mktemp("identity")
    identity = create_identity(folder, name="Dr. Amara Okafor", clinic="Riverside Pain Clinic",
                               password=PASSWORD)
    return identity.unlock(PASSWORD)


@pytest.fixture(scope="module")
def signed(unlocked: UnlockedIdentity) -> bytes:
    return sign_pdf(plain_pdf(), unlocked, reason="test", location="Riverside Pain Clinic")


def test_a_signed_pdf_validates_with_pyhanko_directly(signed: bytes) -> None:
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert]))
    assert status.bottom_line
    assert status.intact and status.valid
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert sig.docmdp_level is not None  # a certification signature: no later change allowed


def test_verify_reports_who_and_when(signed: bytes) -> None:
    result = verify_pdf(signed)
    assert result.verdict is Verdict.VALID, result.problems
    (sig,) = result.signatures
    assert sig.signer == "Dr. Amara Okafor, Riverside Pain Clinic"
    assert sig.self_issued and sig.covers_entire_file and sig.intact
    assert sig.signed_at is not None and sig.signed_at.utcoffset() is not None
    assert sig.timestamped_at is None  # B-B: no timestamp authority was given


def test_a_flipped_byte_is_caught(signed: bytes) -> None:
    data = bytearray(signed)
    start = data.index(b"stream", data.index(b"/Contents")) + 40  # inside a page's content
    data[start] ^= 0x01
    result = verify_pdf(bytes(data))
    assert result.verdict is Verdict.INVALID
    assert any("changed after signing" in p for p in result.problems)


def test_an_appended_incremental_update_is_caught(signed: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/ConsultAidNote"] = generic.TextStringObject("added later")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert result.verdict is Verdict.INVALID
    assert any("changed after the last signature" in p for p in result.problems)


def test_a_changed_page_in_an_incremental_update_is_caught(signed: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    forged = writer.add_object(generic.StreamObject(
        stream_data=b"q 1 1 1 rg 0 0 600 800 re f Q BT 72 700 Td (FORGED) Tj ET"))
    writer.add_stream_to_page(0, forged)
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert result.verdict is Verdict.INVALID


def test_a_page_changed_by_rewriting_the_file_is_caught(signed: bytes) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(signed))
    writer.pages[0].merge_page(PdfWriter(clone_from=io.BytesIO(plain_pdf("FORGED"))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    assert verify_pdf(out.getvalue()).verdict is Verdict.INVALID


def test_junk_appended_after_the_signature_is_caught(signed: bytes) -> None:
    assert verify_pdf(signed + b"\n% a comment added later\n").verdict is Verdict.INVALID


def test_an_unsigned_pdf_is_invalid_and_a_non_pdf_unreadable() -> None:
    unsigned = verify_pdf(plain_pdf())
    assert unsigned.verdict is Verdict.INVALID
    assert unsigned.problems == ("The PDF has no digital signature.",)
    assert verify_pdf(b"This is a text file, not a PDF.\n").verdict is Verdict.UNREADABLE
    assert verify_pdf(b"%PDF-1.4\n garbage without structure").verdict is Verdict.UNREADABLE
    assert verify_pdf(b"").verdict is Verdict.UNREADABLE


def test_a_copy_elsewhere_verifies_the_same(signed: bytes, tmp_path: Path) -> None:
    copy = tmp_path / "sent-by-email" / "copy.pdf"
    copy.parent.mkdir()
    copy.write_bytes(signed)
    assert verify_pdf(copy.read_bytes()).verdict is Verdict.VALID


def test_signing_twice_gives_two_distinct_valid_files(unlocked: UnlockedIdentity) -> None:
    one = sign_pdf(plain_pdf(), unlocked, reason="a")
    two = sign_pdf(plain_pdf(), unlocked, reason="a")
    assert one != two
    assert verify_pdf(one).ok and verify_pdf(two).ok
