"""prepare_to_sign: what the first signature of a session would wait for (imports, a cold
render) is done beforehand, once per pack and paper size, and nothing is signed or stored."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from consult_aid.domain import ConsultStatus
from consult_aid.report.paragraph import cache_size, clear_cache
from consult_aid.report.summary import render_summary
from consult_aid.services import signing
from consult_aid.services.signing import prepare_to_sign
from tests.pdfcheck import demo_consult, demo_pack

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 27, 10, 30, tzinfo=timezone(timedelta(hours=-5)))


@pytest.fixture
def nothing_prepared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signing, "_prepared", set())
    clear_cache()


@pytest.mark.usefixtures("nothing_prepared")
def test_preparing_renders_once_per_pack_and_paper_and_leaves_the_consult_alone() -> None:
    consult, pack = demo_consult(), demo_pack()
    before = copy.deepcopy(consult)
    assert prepare_to_sign(consult, pack) is True
    filled = cache_size()
    assert filled > 100  # the pack's parsed paragraphs, ready for the signature's render
    assert consult == before and consult.status is ConsultStatus.DRAFT
    assert prepare_to_sign(consult, pack) is False  # done already: nothing rendered again
    assert cache_size() == filled
    # what the signature renders later (signed now) finds almost every paragraph ready
    signed_now = dataclasses.replace(consult, status=ConsultStatus.SIGNED,
                                     signed_at=consult.updated_at + timedelta(minutes=3))
    render_summary(signed_now, pack)
    assert cache_size() - filled <= 0.05 * filled, (filled, cache_size())
    assert prepare_to_sign(consult, pack, "letter") is True  # another paper: other lines


SIGN_AFTER_PREPARING = """
import json, sys
from datetime import datetime
from pathlib import Path
from consult_aid.datadir import DataFolder
from consult_aid.services.signing import prepare_to_sign, sign_and_archive
from consult_aid.signing.identity import create_identity
from tests.pdfcheck import demo_consult, demo_pack
from tests.signed_in import signed_database

folder, now, prepare = DataFolder(Path(sys.argv[1])).ensure(), sys.argv[2], sys.argv[3]
consult, pack = demo_consult(), demo_pack()
identity = create_identity(folder.identity, name="Dr. Sam Rivera", clinic="Demo Pain Clinic",
                           password="clinic-password")
with signed_database(folder.database, display_name="Dr. Sam Rivera") as db:
    if prepare == "yes":
        prepare_to_sign(consult, pack)
    before = set(sys.modules)
    sign_and_archive(db, consult, pack, identity, "clinic-password",
                     datetime.fromisoformat(now))
# a codec found by name is a lookup of microseconds: not what a first Sign waits for
print(json.dumps(sorted(m for m in set(sys.modules) - before
                        if not m.startswith("encodings."))))
"""


def _modules_the_first_signature_imports(tmp_path: Path, *, prepare: bool) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SIGN_AFTER_PREPARING, str(tmp_path / ("p" if prepare else "c")),
         NOW.isoformat(), "yes" if prepare else "no"],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    imported: list[str] = json.loads(done.stdout.splitlines()[-1])
    return imported


def test_after_preparing_the_first_signature_imports_nothing(tmp_path: Path) -> None:
    """In a fresh process with the signing module imported: prepared, the first signature has
    no module left to import; not prepared, it imports the ones pyHanko loads only while it
    signs (the list prepare_to_sign imports is the one a signature needs)."""
    assert _modules_the_first_signature_imports(tmp_path, prepare=True) == []
    cold = _modules_the_first_signature_imports(tmp_path, prepare=False)
    assert set(signing.SIGNING_LATE_IMPORTS) <= set(cold), cold
