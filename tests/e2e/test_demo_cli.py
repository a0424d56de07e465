"""End to end through the command line: demo, verify (here and elsewhere), render."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.cli.documents import DEMO_PASSWORD
from consult_aid.exchange import consult_to_json
from tests.pdfcheck import demo_consult, flat_text, page_texts, signature_ink

from .conftest import DemoRun, init_account


def test_demo_produces_a_signed_summary_and_handouts_that_verify(
        demo_run: DemoRun, demo_copy: DemoRun, capsys: pytest.CaptureFixture[str]) -> None:
    summary, printed = demo_run.summary, demo_run.printed
    assert str(summary) in printed
    handouts = sorted(p.name for p in summary.parent.glob("handout-*.pdf"))
    assert handouts == ["handout-intrathecal-baclofen-carers.pdf",
                        "handout-intrathecal-baclofen.pdf", "handout-intrathecal-pump.pdf",
                        "handout-spinal-cord-stimulator.pdf"]
    for name in handouts:
        assert name in printed
    carers = flat_text((summary.parent / "handout-intrathecal-baclofen-carers.pdf").read_bytes())
    assert "Caring for someone with a baclofen pump" in carers
    assert "Call emergency services now" in carers
    assert "Helen Marsh" in flat_text(summary.read_bytes())

    assert main(["--data-dir", str(demo_copy.data), "verify", str(demo_copy.summary)]) == 0
    out = capsys.readouterr().out
    assert "VALID: signed by this clinic, unchanged since" in out
    assert "covers the entire file" in out
    assert "Signer, as its certificate claims: Dr. Sam Rivera, Demo Pain Clinic; the " \
           "certificate is self-issued" in out
    assert "Document: a signed consult summary" in out
    assert "matches the archived summary of consult" in out
    assert "this clinic's own signing certificate (pinned" in out


def test_a_copy_verifies_elsewhere_and_a_changed_copy_does_not(
        demo_run: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signed = demo_run.summary.read_bytes()
    copy = tmp_path / "elsewhere" / "copy.pdf"
    copy.parent.mkdir()
    copy.write_bytes(signed)
    other = tmp_path / "other-data"
    # intact, but elsewhere nobody knows the signer: exit 3, never "valid" or "the clinic"
    assert main(["--data-dir", str(other), "verify", str(copy)]) == 3
    out = capsys.readouterr().out
    assert "SIGNATURE INTACT, BUT BY A SIGNER THIS CLINIC DOES NOT KNOW" in out
    assert "NOT a certificate this clinic knows" in out and "by this clinic" not in out
    assert "no archive to compare" in out
    # once that clinic (its administrator signed in) trusts the demo certificate, the same
    # copy is valid
    init_account(other)
    assert main(["--data-dir", str(other), "trust", "add",
                 str(demo_run.data / "identity" / "accounts" / "srivera" /
                     "certificate.pem")]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(other), "verify", str(copy)]) == 0
    assert "a certificate this clinic trusted explicitly" in capsys.readouterr().out
    copy.write_bytes(signed + b"\n%%EOF\n")
    assert main(["--data-dir", str(other), "verify", str(copy)]) == 1
    assert "INVALID" in capsys.readouterr().out
    copy.write_text("not a pdf")
    assert main(["--data-dir", str(other), "verify", str(copy)]) == 2
    assert main(["--data-dir", str(other), "verify", str(tmp_path / "missing.pdf")]) == 2


def test_a_second_demo_reuses_the_demo_identity(demo_copy: DemoRun, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data, printed = demo_copy.data, demo_copy.printed
    assert "Created a demo signing identity" in printed
    out2 = tmp_path / "out2"
    assert main(["--data-dir", str(data), "demo", "--out", str(out2)]) == 0
    assert "Created" not in capsys.readouterr().out
    assert main(["--data-dir", str(data), "list"]) == 0
    assert capsys.readouterr().out.count("signed") == 2


def test_render_never_signs_strokes_read_from_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else's strokes in a JSON file never become a record signed as if witnessed:
    `render` writes a draft (watermark, no signature ink, no digital signature) even where a
    signing identity and its password are at hand, and stores nothing."""
    from consult_aid.datadir import DataFolder
    from consult_aid.signing.identity import create_identity

    data = tmp_path / "data"
    create_identity(DataFolder(data).ensure().identity, name="Dr. Sam Rivera",
                    clinic="Demo Pain Clinic", password=DEMO_PASSWORD)
    init_account(data)  # the clinician, signed in with the password at hand
    source = tmp_path / "consult.json"
    consult = demo_consult()
    assert consult.signatures  # strokes from the file
    source.write_text(consult_to_json(consult), encoding="utf-8")
    pdf = tmp_path / "summary.pdf"

    assert main(["--data-dir", str(data), "render", str(source), "--out", str(pdf),
                 "--paper", "letter"]) == 0
    assert "Unsigned draft summary" in capsys.readouterr().out
    pages = page_texts(pdf.read_bytes())
    assert all("DRAFT — NOT SIGNED" in page for page in pages)
    assert "signed on the pad" not in flat_text(pdf.read_bytes())
    assert not signature_ink(pdf.read_bytes())
    assert main(["--data-dir", str(data), "verify", str(pdf)]) == 1  # no digital signature
    assert "Do not rely on this file" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "list"]) == 0
    assert "signed" not in capsys.readouterr().out


def test_render_reports_a_bad_json_file_by_field(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.json"
    source.write_text('{"format": "consult-aid/consult", "version": 1, "consult": {"id": 5}}')
    code = main(["--data-dir", str(tmp_path / "d"), "render", str(source), "--out",
                 str(tmp_path / "x.pdf"), "--unsigned"])
    assert code == 2
    assert "consult" in capsys.readouterr().err
