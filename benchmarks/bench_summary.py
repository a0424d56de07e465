"""Render + sign time of the demo summary, against a bare reportlab page built in the same run.

Baseline: one A4 page with one line of text in the same embedded font, built with a plain
reportlab canvas into memory: the floor any PDF the program writes pays. Signing uses the
demo clinician's EC P-256 identity (unlocked once, outside the timing: unlocking runs the
PBKDF2 key derivation, measured on its own line; later unlocks in the same session reuse the
key and only check the password, also on its own line).
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportlab.pdfgen.canvas import Canvas
from timing import measure, report

from consult_aid.content import load_catalog
from consult_aid.report.fonts import register_fonts
from consult_aid.report.handout import ClinicContacts, render_handout
from consult_aid.report.summary import render_summary
from consult_aid.services.demo import demo_consult
from consult_aid.signing.identity import create_identity, forget_unlocked
from consult_aid.signing.pades import sign_pdf
from consult_aid.signing.verify import verify_pdf
from tests.pdfcheck import signed_state

PASSWORD = "benchmark-password"


def main() -> None:
    fonts = register_fonts()
    consult, pack = demo_consult(load_catalog(None))
    consult = signed_state(consult)
    identity = create_identity(Path(tempfile.mkdtemp(prefix="bench-summary-")),
                               name=consult.clinician.name, clinic=consult.clinician.clinic,
                               password=PASSWORD)
    unlocked = identity.unlock(PASSWORD)

    def bare_page() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, initialFontName=fonts.regular)
        canvas.setFont(fonts.regular, 12)
        canvas.drawString(72, 720, "Consult summary")
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    pdf = render_summary(consult, pack)
    signed = sign_pdf(pdf, unlocked, reason="benchmark")

    base = measure(bare_page, repeat=30)
    report("baseline: bare reportlab page", base)
    report("render demo summary", measure(lambda: render_summary(consult, pack), repeat=10),
           base)
    report("sign demo summary (PAdES B-B, EC P-256)",
           measure(lambda: sign_pdf(pdf, unlocked, reason="benchmark"), repeat=20), base)
    report("render + sign demo summary",
           measure(lambda: sign_pdf(render_summary(consult, pack), unlocked,
                                    reason="benchmark"), repeat=10), base)
    report("verify signed demo summary", measure(lambda: verify_pdf(signed), repeat=20), base)

    def unlock_afresh() -> object:
        forget_unlocked()  # what the first signature of a session pays
        return identity.unlock(PASSWORD)

    report("unlock signing identity (PBKDF2)", measure(unlock_afresh, repeat=5, warmup=1), base)
    report("unlock again in the session (password checked)",
           measure(lambda: identity.unlock(PASSWORD), repeat=20), base)
    report("render handout", measure(lambda: render_handout(
        pack, ClinicContacts("Demo Pain Clinic", "+1 555 0100", "+1 555 0199", "911")),
        repeat=10), base)
    print(f"demo summary: {len(signed):,} bytes signed ({len(pdf):,} unsigned), "
          f"{pdf.count(b'/Type /Page') - pdf.count(b'/Type /Pages')} pages", flush=True)


if __name__ == "__main__":
    main()
