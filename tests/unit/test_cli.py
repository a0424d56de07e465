"""The command line: help, version, data folder resolution, list and search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consult_aid import __version__
from consult_aid.cli import build_parser, main
from consult_aid.cli.auth import PASSWORD_FILE_VAR, PASSWORD_VAR, USER_VAR
from consult_aid.cli.gui import NO_DISPLAY_MESSAGE, display_available
from consult_aid.datadir import ENV_VAR, resolve
from consult_aid.exchange.consult_json import consult_to_json
from tests.builders import sample_consult, sample_patient
from tests.signed_in import TEST_PASSWORD, signed_database

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.fixture
def signed_in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with its first account (drtest), which the commands sign in as."""
    data = tmp_path / "data"
    data.mkdir()
    with signed_database(data / "consult-aid.sqlite3"):
        pass
    monkeypatch.setenv(USER_VAR, "drtest")
    monkeypatch.setenv(PASSWORD_VAR, TEST_PASSWORD)
    monkeypatch.delenv(PASSWORD_FILE_VAR, raising=False)
    return data


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"consult-aid {__version__}"


def test_every_subcommand_has_help(capsys) -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"run", "list", "search", "import", "export"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert f"usage: consult-aid {name}" in capsys.readouterr().out


def test_the_option_wins_over_the_environment(tmp_path: Path) -> None:
    env = {ENV_VAR: str(tmp_path / "from-env")}
    assert resolve(None, env).root == (tmp_path / "from-env").resolve()
    assert resolve(str(tmp_path / "from-option"), env).root == (tmp_path / "from-option").resolve()
    default = resolve(None, {}).root
    assert "ConsultAid" in str(default) or "consultaid" in str(default).lower()


def test_the_data_folder_is_private(tmp_path: Path, capsys) -> None:
    root = tmp_path / "new" / "data"
    # a new folder has no account yet: the command says how to make the first one
    assert main(["--data-dir", str(root), "list"]) == 2
    assert "no accounts yet" in capsys.readouterr().err
    for folder in (root, root / "logs", root / "packs", root / "identity"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    assert (root / "consult-aid.sqlite3").exists()


def test_environment_variable_selects_the_data_folder(tmp_path: Path) -> None:
    env = {**os.environ, ENV_VAR: str(tmp_path / "envdata"), "PYTHONPATH": ROOT}
    done = subprocess.run([sys.executable, "-m", "consult_aid", "list"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "consult-aid accounts init" in done.stderr, done.stderr
    assert (tmp_path / "envdata" / "consult-aid.sqlite3").exists()


def test_list_and_search_show_id_patient_date_procedure_status(
        tmp_path: Path, signed_in_folder: Path, capsys) -> None:
    data = signed_in_folder
    assert main(["--data-dir", str(data), "list"]) == 0
    assert "No consults found." in capsys.readouterr().out
    for i, name in enumerate(["Łukasz Øster-Müller", "José Núñez"]):
        c = sample_consult(f"{i:032d}", patient=sample_patient(name, f"MRN-{i}"))
        source = tmp_path / f"{i}.json"
        source.write_text(consult_to_json(c), encoding="utf-8")
        assert main(["--data-dir", str(data), "import", str(source)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "PATIENT", "DATE", "PROCEDURE", "STATUS"]
    assert len(out) == 3
    assert "Łukasz Øster-Müller" in out[1] + out[2]
    assert all("2026-11-25" in line and "intrathecal-pump 1.0.0" in line and "draft" in line
               for line in out[1:])
    assert main(["--data-dir", str(data), "search", "nunez"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "José Núñez" in out[1]


def test_exporting_an_unknown_consult_is_a_clear_error(signed_in_folder: Path,
                                                       capsys) -> None:
    assert main(["--data-dir", str(signed_in_folder), "export", "nope", "--json"]) == 4
    assert "No consult with id nope" in capsys.readouterr().err


def test_without_a_display_the_run_command_explains_itself(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}}
    env["PYTHONPATH"] = ROOT
    done = subprocess.run([sys.executable, "-m", "consult_aid", "--data-dir", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == NO_DISPLAY_MESSAGE
    assert "Traceback" not in done.stderr
    assert "consult-aid demo --out" in NO_DISPLAY_MESSAGE


def test_display_detection() -> None:
    assert not display_available({}, platform="linux")
    assert display_available({"DISPLAY": ":0"}, platform="linux")
    assert display_available({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux")
    assert display_available({}, platform="win32")
    assert display_available({}, platform="darwin")
