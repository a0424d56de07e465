"""Read the fingerprints a Consult Aid PDF carries in its document keywords.

A signed summary names the record it was rendered from (``consult-aid-record-sha256:``); a
signed addendum names the addendum it was rendered from (``consult-aid-addendum-sha256:``),
which covers the consult it amends. Inside the signed bytes, so a JSON form can be held
against the PDF it claims to belong to.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils.reader import PdfFileReader

RECORD_KEYWORD = "consult-aid-record-sha256:"
ADDENDUM_KEYWORD = "consult-aid-addendum-sha256:"


def keyword_value(pdf: bytes, prefix: str) -> str | None:
    """The value after ``prefix`` in the PDF's keywords, or None when it carries none."""
    try:
        trailer = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view
        info = trailer.get("/Info")
        if info is not None:
            info = info.get_object()  # an indirect reference in the trailer
        keywords = str(info.get("/Keywords", "")) if info is not None else ""
    except Exception:  # untrusted input: an unreadable PDF names nothing
        return None
    for word in keywords.split(","):
        word = word.strip()
        if word.startswith(prefix):
            return word[len(prefix):]
    return None


def record_fingerprint_in(pdf: bytes) -> str | None:
    """The record fingerprint a signed summary names, or None."""
    return keyword_value(pdf, RECORD_KEYWORD)


def addendum_fingerprint_in(pdf: bytes) -> str | None:
    """The addendum fingerprint a signed addendum names, or None (older addenda name none)."""
    return keyword_value(pdf, ADDENDUM_KEYWORD)
