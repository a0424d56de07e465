"""Read the signed record's fingerprint that a summary PDF carries in its document keywords."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.reader import PdfFileReader

RECORD_KEYWORD = "consult-aid-record-sha256:"


def record_fingerprint_in(pdf: bytes) -> str | None:
    """The fingerprint named in the PDF's keywords, or None when it carries none."""
    try:
        trailer = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view
        info = trailer.get("/Info")
        if info is not None:
            info = info.get_object()  # an indirect reference in the trailer
        keywords = str(info.get("/Keywords", "")) if info is not None else ""
    except Exception:
        return None
    for word in keywords.split(","):
        word = word.strip()
        if word.startswith(RECORD_KEYWORD):
            return word[len(RECORD_KEYWORD):]
    return None
