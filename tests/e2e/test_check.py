"""``consult-aid check`` finds what was done to a data folder behind the program's back: a clean
demo passes; each tampering below (done with sqlite3 directly, dropping the guard triggers as an
attacker with file access could) is named with its consult and a non-zero exit."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.database import open_database

from .conftest import DemoRun


def check(data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--data-dir", str(data), "check"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def tamper(data: Path, *sql: str) -> None:
    con = sqlite3.connect(data / "consult-aid.sqlite3")
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def test_a_clean_demo_folder_passes(demo_copy: DemoRun,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(demo_copy.data, capsys)
    assert code == 0, out
    assert out.startswith("OK: 1 consults and 1 signed summaries checked")


def test_an_edited_signed_record_is_found(demo_copy: DemoRun,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(demo_copy.data / "consult-aid.sqlite3")
    (body,) = con.execute("SELECT body FROM consults WHERE id = ?",
                          (demo_copy.consult_id,)).fetchone()
    con.close()
    record = json.loads(body)
    record["consult"]["decision"]["choice"] = "decline"
    tamper(demo_copy.data, "DROP TRIGGER consults_signed_are_immutable",
           "DROP TRIGGER consult_search_update",  # it needs the program's own fold function
           f"UPDATE consults SET body = '{json.dumps(record).replace(chr(39), chr(39) * 2)}' "
           f"WHERE id = '{demo_copy.consult_id}'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1
    assert f"consult {demo_copy.consult_id}: the stored record differs" in out


def test_a_signed_consult_set_back_to_draft_is_found(demo_copy: DemoRun,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    tamper(demo_copy.data, "DROP TRIGGER consults_signed_are_immutable",
           f"UPDATE consults SET status = 'draft' WHERE id = '{demo_copy.consult_id}'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "set back" in out and demo_copy.consult_id in out


def test_a_swapped_or_deleted_archived_pdf_is_found(demo_copy: DemoRun,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    tamper(demo_copy.data, "DROP TRIGGER documents_are_immutable",
           "UPDATE documents SET pdf = CAST('%PDF-1.7 not the signed file' AS BLOB) "
           "WHERE kind = 'summary'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1
    assert "SHA-256 differs" in out and "does not verify" in out
    tamper(demo_copy.data, "DROP TRIGGER documents_are_kept", "DELETE FROM documents")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "archived summary is missing" in out


def test_random_bytes_or_an_emptied_database_are_found(demo_copy: DemoRun,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    path = demo_copy.data / "consult-aid.sqlite3"
    # 4 KiB of noise over a page in use: the consults table's root page (noise over a free
    # page, or inside the full-text index's data, is not damage SQLite can see)
    with closing(sqlite3.connect(path)) as con:
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        (root,) = con.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'consults'"
                              ).fetchone()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(os.urandom(page_size))
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and out.startswith("database:")
    path.write_bytes(b"")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "empty (0 bytes)" in out
    assert path.stat().st_size == 0  # check never writes, not even an empty database


@pytest.mark.parametrize("place", ["accounts/srivera", "."],
                         ids=["the clinician's identity", "the folder's own place"])
def test_a_replaced_certificate_is_found(demo_copy: DemoRun, tmp_path: Path, place: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from consult_aid.signing.identity import CERT_FILE, KEY_FILE, create_identity

    stranger = tmp_path / "stranger"
    create_identity(stranger, name="Dr Stranger", clinic="Elsewhere", password="x" * 12)
    target = demo_copy.data / "identity" / place
    for name in (CERT_FILE, KEY_FILE):  # a whole identity put in the clinic's place
        (target / name).write_bytes((stranger / name).read_bytes())
    code, out = check(demo_copy.data, capsys)
    assert code == 1
    shown = "certificate.pem" if place == "." else f"{place}/certificate.pem"
    assert f"{shown} (certificate" in out
    assert "not one of the clinic's pinned signing certificates" in out
    # and the program refuses to run a command on the folder
    assert main(["--data-dir", str(demo_copy.data), "list"]) == 5
    assert "failed its start-up check" in capsys.readouterr().err


@pytest.mark.parametrize("change", [
    # edited, deleted, inserted and reordered audit entries, past the append-only triggers
    "UPDATE audit_log SET detail = 'nothing to see' WHERE id = (SELECT min(id) FROM audit_log)",
    "DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)",
    "INSERT INTO audit_log(id, at, actor, action, consult_id, detail, hash) SELECT min(id) - 1,"
    " '2026-11-01T00:00:00+00:00', 'dr_nobody', 'consult.signed', NULL, '', hash FROM audit_log",
    "UPDATE audit_log SET action = CASE id WHEN (SELECT min(id) FROM audit_log) THEN "
    "(SELECT action FROM audit_log ORDER BY id LIMIT 1 OFFSET 1) ELSE "
    "(SELECT action FROM audit_log ORDER BY id LIMIT 1) END WHERE id IN "
    "(SELECT id FROM audit_log ORDER BY id LIMIT 2)",
], ids=["edited", "deleted", "inserted", "reordered"])
def test_a_changed_audit_trail_is_found(demo_copy: DemoRun, change: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with open_database(demo_copy.data / "consult-aid.sqlite3") as db:  # a second entry
        AuditLog(db).record("consult.exported", consult_id=demo_copy.consult_id,
                            detail="json")
    code, out = check(demo_copy.data, capsys)
    assert code == 0, out  # the chain as the program wrote it holds
    con = sqlite3.connect(demo_copy.data / "consult-aid.sqlite3")
    actions = [a for (a,) in con.execute("SELECT action FROM audit_log ORDER BY id")]
    con.close()
    assert len(actions) >= 2 and len(set(actions[:2])) == 2  # something to reorder
    tamper(demo_copy.data, "DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
           change)
    code, out = check(demo_copy.data, capsys)
    assert code == 1
    assert "audit trail: entry" in out and "does not follow from the one before" in out


def test_blanking_every_hash_does_not_hide_a_change(demo_copy: DemoRun,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Entries after the chain's start must be links: emptying their hashes is found too."""
    tamper(demo_copy.data, "DROP TRIGGER audit_log_no_update",
           "UPDATE audit_log SET hash = '', detail = 'rewritten'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "audit trail: entry" in out


@pytest.mark.parametrize(("change", "found"), [
    ("UPDATE consults SET pdf_sha256 = 'x' || substr(pdf_sha256, 2)",
     "the archive's columns (pack, signing time or PDF hash) differ from the signed record"),
    ("UPDATE consults SET signed_at = '2020-01-01T00:00:00+00:00'",
     "the archive's columns (pack, signing time or PDF hash) differ from the signed record"),
    ("UPDATE consults SET pack_version = '9.9.9'",
     "the archive's columns (pack, signing time or PDF hash) differ from the signed record"),
    ("UPDATE consults SET status = 'amended'", "is 'amended' but has no addenda"),
], ids=["pdf-hash-column", "signed-at-column", "pack-column", "status-amended"])
def test_a_changed_archive_column_is_found(demo_copy: DemoRun, change: str, found: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    tamper(demo_copy.data, "DROP TRIGGER consults_signed_are_immutable",
           "DROP TRIGGER consult_search_update", change)
    code, out = check(demo_copy.data, capsys)
    assert code == 1
    assert f"consult {demo_copy.consult_id}: {found}" in out


def test_a_changed_or_stripped_addendum_is_found(demo_copy: DemoRun,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONSULT_AID_PASSWORD", "consult-aid-demo")
    assert main(["--data-dir", str(demo_copy.data), "addendum", demo_copy.consult_id,
                 "--text", "Trial booked for 16 December."]) == 0
    code, out = check(demo_copy.data, capsys)
    assert code == 0, out
    tamper(demo_copy.data, "DROP TRIGGER addenda_are_immutable",
           "UPDATE addenda SET text = 'Patient withdrew consent.'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "the stored addendum differs from the one its signed PDF names" in out
    tamper(demo_copy.data, "PRAGMA foreign_keys = OFF", "DROP TRIGGER documents_are_kept",
           "DELETE FROM documents WHERE kind = 'addendum'")
    code, out = check(demo_copy.data, capsys)
    assert code == 1 and "has no signed PDF" in out


def test_an_empty_file_is_a_database_being_made_until_the_folder_has_had_one(
        tmp_path: Path) -> None:
    from consult_aid.services.check import quick_check
    from consult_aid.services.store import DATABASE_MARKER

    db = tmp_path / "consult-aid.sqlite3"
    db.write_bytes(b"")  # another program is creating it this moment: not damage
    assert quick_check(db).ok
    (tmp_path / DATABASE_MARKER).write_text("2026-11-28T10:00:00+00:00\n")
    report = quick_check(db)  # the folder had a database: an empty file is one emptied
    assert not report.ok and "empty (0 bytes)" in report.findings[0].line()
