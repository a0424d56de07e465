"""sign_and_archive never stores a signed PDF that does not verify.

The signer is the real one (pyHanko, a real identity); a wrapper around it damages one byte of
the page content inside the signed byte range, as a faulty disk or signer bug would. The guard
in sign_and_archive is the code under test; the database is a real SQLite file on disk.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from consult_aid.datadir import DataFolder
from consult_aid.domain import ConsultStatus, PackRef
from consult_aid.errors import KnownError
from consult_aid.services import signing
from consult_aid.signing.identity import create_identity
from consult_aid.signing.verify import verify_pdf
from consult_aid.storage.consults import ConsultRepository
from tests.builders import fill_for_signing, sample_consult
from tests.pdfcheck import builtin_pack, reader
from tests.signed_in import signed_database

PASSWORD = "clinic-password"
NOW = datetime(2026, 11, 25, 15, 30, tzinfo=timezone(timedelta(hours=1)))  # after the consult


def _first_page_content_offset(pdf: bytes) -> int:
    """Offset of a byte inside the first page's content stream data (in the unsigned part)."""
    contents = reader(pdf).pages[0].get("/Contents")
    ref = contents[0] if isinstance(contents, list) else contents
    header = f"\n{ref.idnum} {ref.generation} obj".encode()
    start = pdf.index(header)
    data = pdf.index(b"stream", start) + len(b"stream")
    data += 2 if pdf[data:data + 2] == b"\r\n" else 1
    return data + 10


def test_a_signed_pdf_that_does_not_verify_is_not_stored(
        data_folder: DataFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = builtin_pack("intrathecal-pump")
    identity = create_identity(data_folder.identity, name="Dr. Sam Rivera",
                               clinic="Demo Pain Clinic", password=PASSWORD)
    consult = fill_for_signing(sample_consult(), pack, when=NOW)
    consult.pack = PackRef(pack.id, pack.version, pack.content_hash)

    real_sign_pdf = signing.sign_pdf
    produced: dict[str, bytes] = {}

    def damaging_signer(pdf: bytes, *args: object, **kwargs: object) -> bytes:
        genuine = real_sign_pdf(pdf, *args, **kwargs)
        offset = _first_page_content_offset(genuine)
        assert offset < len(pdf)  # in the original revision, which the signature covers
        damaged = bytearray(genuine)
        damaged[offset] ^= 0x01
        produced["genuine"], produced["damaged"] = genuine, bytes(damaged)
        return bytes(damaged)

    monkeypatch.setattr(signing, "sign_pdf", damaging_signer)

    with signed_database(data_folder.database, display_name="Dr. Sam Rivera") as db:
        ConsultRepository(db).save_draft(consult)
        with pytest.raises(KnownError) as caught:
            signing.sign_and_archive(db, consult, pack, identity, PASSWORD, NOW)

    assert produced, "the consult was refused before it was signed: the guard was not reached"
    assert "verif" in str(caught.value).lower()
    # the fault injection changed only that byte: the signer's own output verifies
    assert verify_pdf(produced["genuine"]).ok
    assert not verify_pdf(produced["damaged"]).ok

    con = sqlite3.connect(data_folder.database)  # the file on disk, read by a fresh connection
    try:
        status = con.execute("SELECT status, pdf_sha256 FROM consults WHERE id = ?",
                             (consult.id,)).fetchone()
        documents = con.execute("SELECT count(*) FROM documents WHERE consult_id = ?",
                                (consult.id,)).fetchone()[0]
        signed_audit = con.execute(
            "SELECT count(*) FROM audit_log WHERE consult_id = ? AND action = 'consult.signed'",
            (consult.id,)).fetchone()[0]
    finally:
        con.close()
    assert status is not None and status[0] == ConsultStatus.DRAFT.value
    assert not status[1]  # no PDF hash recorded
    assert documents == 0
    assert signed_audit == 0
