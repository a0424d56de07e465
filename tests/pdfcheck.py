"""Reading produced PDFs back for tests: text, fonts, links, images (pypdf), and fixtures.

Fixtures here are plain functions: the demo consult from resources/demo and the built-in packs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from functools import cache

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from consult_aid.content import Pack, load_catalog
from consult_aid.domain import Consult, ConsultStatus
from consult_aid.services import demo

BASE_14 = {
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica",
    "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold",
    "Times-Italic", "Times-BoldItalic", "Symbol", "ZapfDingbats",
}


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


# Text of every page, by the PDF's SHA-256. pypdf takes seconds for a summary (it parses each
# font's ToUnicode map again for every form it draws), and tests read one PDF several times.
_PAGE_TEXTS: dict[str, tuple[str, ...]] = {}


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, extracted once per distinct PDF (a fresh list each call)."""
    key = hashlib.sha256(pdf).hexdigest()
    texts = _PAGE_TEXTS.get(key)
    if texts is None:
        texts = _PAGE_TEXTS[key] = tuple(page.extract_text() or "" for page in reader(pdf).pages)
    return list(texts)


def flat_text(pdf: bytes) -> str:
    """All text, whitespace collapsed to single spaces (lines wrap anywhere)."""
    return re.sub(r"\s+", " ", " ".join(page_texts(pdf)))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, embedded?) of every font used on any page, including the page preamble."""
    found: list[tuple[str, bool]] = []
    for page in reader(pdf).pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources else None
        if not font_dict:
            continue
        for ref in font_dict.get_object().values():
            font = ref.get_object()
            found.append((str(font.get("/BaseFont", "")).lstrip("/"), _embedded(font)))
    return found


def _embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def link_annotations(pdf: bytes) -> int:
    count = 0
    for page in reader(pdf).pages:
        for annot in page.get("/Annots", []) or []:
            if annot.get_object().get("/Subtype") == "/Link":
                count += 1
    return count


def image_xobjects(pdf: bytes) -> int:
    count = 0
    for page in reader(pdf).pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        for ref in (xobjects.get_object().values() if xobjects else []):
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


@cache
def builtin_pack(pack_id: str) -> Pack:
    return load_catalog(None).get(pack_id)


def demo_consult() -> Consult:
    """The demo consult (a fresh object each call), on the installed pump pack."""
    return demo.demo_consult(load_catalog(None))[0]


def demo_pack() -> Pack:
    return demo.demo_consult(load_catalog(None))[1]


def signed_state(consult: Consult) -> Consult:
    return dataclasses.replace(consult, status=ConsultStatus.SIGNED,
                               signed_at=consult.updated_at)


# the stroke colour of drawn signatures (SignatureDrawing's ink, 0.05 0.12 0.35)
SIGNATURE_INK = re.compile(rb"(?<![\d.])0?\.05 0?\.12 0?\.35 RG")


def signature_ink(pdf: bytes) -> int:
    """How many pages draw signature strokes (their ink colour in the page's content)."""
    count = 0
    for page in reader(pdf).pages:
        contents = page.get_contents()
        if contents is not None and SIGNATURE_INK.search(contents.get_data()):
            count += 1
    return count
