"""The demo never writes into the real data folder unless ``--data-dir`` names it, and its own
folder can be removed (``consult-aid demo --remove``), and only that folder.

HOME and XDG_DATA_HOME point into the test's folder, so the real per-user folder of whoever
runs the tests is never touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.datadir import DEMO_MARKER, ENV_VAR, demo_folder, resolve
from consult_aid.services.consults import save_draft
from consult_aid.services.store import open_store
from tests.builders import NOW, sample_consult
from tests.signed_in import sign_in_db


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_the_demo_uses_a_folder_of_its_own_and_says_which(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real, demo = resolve(None).root, demo_folder().root
    assert str(real).startswith(str(tmp_path)) and demo == real.with_name(real.name + "-demo")
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Demo data folder: {demo} (not your data folder; `consult-aid demo "
                          "--remove` deletes it)\n")
    assert not real.exists()  # the real data folder was not even created
    assert (demo / DEMO_MARKER).is_file()
    assert (demo / "identity" / "accounts" / "srivera" / "certificate.pem").is_file()
    assert main(["--data-dir", str(demo), "list"]) == 0
    assert "Helen Marsh" in capsys.readouterr().out


def test_with_consult_aid_home_set_the_demo_goes_beside_that_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """$CONSULT_AID_HOME may be the clinic's real folder, set for everyone: not a request."""
    clinic = tmp_path / "clinic-data"
    monkeypatch.setenv(ENV_VAR, str(clinic))
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    assert not clinic.exists()
    assert (tmp_path / "clinic-data-demo" / DEMO_MARKER).is_file()
    assert f"Demo data folder: {tmp_path / 'clinic-data-demo'}" in capsys.readouterr().out


def test_data_dir_naming_a_folder_is_explicit(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    chosen = tmp_path / "chosen"
    assert main(["--data-dir", str(chosen), "demo", "--out", str(tmp_path / "out")]) == 0
    assert (chosen / "identity" / "accounts" / "srivera" / "certificate.pem").is_file()
    assert not (chosen / DEMO_MARKER).exists()  # not the demo's own: --remove will refuse it
    assert "Demo data folder" not in capsys.readouterr().out
    assert not demo_folder().root.exists()


def test_the_demo_folder_can_be_removed_and_only_it(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    demo = demo_folder().root
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    assert main(["demo", "--remove"]) == 0
    assert capsys.readouterr().out == (
        f"Removed the demo data folder {demo} (the demo signing identity, the demo consults "
        "and their signed PDFs).\n")
    assert not demo.exists()
    assert demo.parent.exists()  # nothing beside it went
    assert main(["demo", "--remove"]) == 0
    assert capsys.readouterr().out == (f"There is no demo data folder at {demo}: nothing was "
                                       "removed.\n")


def test_a_folder_the_demo_did_not_make_is_neither_used_nor_removed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = demo_folder().root
    demo.mkdir(parents=True)
    (demo / "notes.txt").write_text("mine")
    assert main(["demo", "--remove"]) == 2
    assert capsys.readouterr().err == (f"consult-aid: {demo} was not made by `consult-aid "
                                       f"demo` (it has no {DEMO_MARKER} file): nothing was "
                                       "removed\n")
    assert main(["demo", "--out", str(tmp_path / "out")]) == 2
    assert f"{demo} holds files, but `consult-aid demo` did not make it" in \
        capsys.readouterr().err
    assert sorted(p.name for p in demo.iterdir()) == ["notes.txt"]
    # an explicitly chosen folder is not the demo's either
    chosen = tmp_path / "chosen"
    assert main(["--data-dir", str(chosen), "demo", "--out", str(tmp_path / "out")]) == 0
    assert main(["--data-dir", str(chosen), "demo", "--remove"]) == 2
    assert chosen.is_dir()


def test_a_demo_folder_that_now_holds_real_consults_is_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = demo_folder().root
    assert main(["demo", "--out", str(tmp_path / "out")]) == 0
    with open_store(demo / "consult-aid.sqlite3") as db:
        sign_in_db(db)
        save_draft(db, sample_consult(), now=NOW)
    capsys.readouterr()
    assert main(["demo", "--remove"]) == 2
    assert "now holds 1 consult(s) of patients other than the demo patient: nothing was " \
           "removed" in capsys.readouterr().err
    assert (demo / "consult-aid.sqlite3").is_file()


def test_help_says_where_the_demo_writes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "never the real one unless --data-dir names it" in text
    assert "--remove" in text
