"""`consult-aid packs`: list, --check FILE, --audit ID."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.content import builtin_packs_dir

PUMP = builtin_packs_dir() / "intrathecal-pump.toml"
FIRST_EDITION = builtin_packs_dir() / "released" / "intrathecal-pump-1.0.0.toml"


def run(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path), "packs", *args])


def test_packs_lists_builtin_and_clinic_packs(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "packs").mkdir(parents=True)
    (tmp_path / "packs" / "ours.toml").write_text(
        PUMP.read_text(encoding="utf-8").replace('version = "2.0.0"', 'version = "2.2.0"'),
        encoding="utf-8")
    (tmp_path / "packs" / "broken.toml").write_text('id = "broken"\n[oops', encoding="utf-8")
    assert run(tmp_path) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0] + " " + line.split()[2]: line.split() for line in out.splitlines()
             if line and line.split()[0] in {"intrathecal-pump", "spinal-cord-stimulator",
                                              "broken"}
             and not line.split()[-1].endswith("-1.0.0.toml")}  # released/: earlier editions
    assert lines["intrathecal-pump built-in"][1:4] == ["2.0.0", "built-in", "superseded"]
    assert lines["intrathecal-pump clinic"][1:4] == ["2.2.0", "clinic", "current"]
    assert lines["spinal-cord-stimulator built-in"][3] == "current"
    assert lines["broken clinic"][3] == "invalid"
    assert "packs --check FILE" in out


def test_check_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--check", str(PUMP)) == 0
    out = capsys.readouterr().out
    assert "valid: intrathecal-pump 2.0.0" in out
    assert "12 of 12 criteria met" in out


def test_check_invalid_file_prints_every_problem(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    text = FIRST_EDITION.read_text(encoding="utf-8")
    text = text.replace("count = 23, timeframe", "count = 1023, timeframe")
    text = text.replace('references = ["neuman-2013"]', 'references = ["nobody-2013"]')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    assert run(tmp_path, "--check", str(bad)) == 2
    out = capsys.readouterr().out
    assert "invalid, 3 problems" in out
    assert f"{bad}: options[0].risks[0].frequency.count: 1023 in 1,000 is over 100%" in out
    assert f"{bad}: options[0].risks[4].references[0]: unknown reference 'nobody-2013'" in out
    assert f"{bad}: references[4]: reference 'neuman-2013' is never cited" in out


def test_check_broken_syntax(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "syntax.toml"
    bad.write_text('id = "x"\ntitle = = "y"\n', encoding="utf-8")
    assert run(tmp_path, "--check", str(bad)) == 2
    assert f"{bad}: line 2, column" in capsys.readouterr().out


def test_audit_prints_the_ipdas_report(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--audit", "spinal-cord-stimulator") == 0
    out = capsys.readouterr().out
    assert "Qualifying criteria: 6 of 6 met" in out
    assert "Certifying criteria: 6 of 6 met" in out
    assert "[pass] balanced detail" in out


def test_audit_of_a_clinic_pack_that_fails(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "packs").mkdir(parents=True)
    text = PUMP.read_text(encoding="utf-8").replace('version = "2.0.0"', 'version = "2.1.0"')
    text = re.sub(r'funding = """.*?"""', 'funding = "Paid for by the clinic."', text,
                  count=1, flags=re.DOTALL)
    (tmp_path / "packs" / "ours.toml").write_text(text, encoding="utf-8")
    assert run(tmp_path, "--audit", "intrathecal-pump") == 1
    out = capsys.readouterr().out
    assert "intrathecal-pump 2.1.0" in out
    assert "[FAIL] funding: no funding statement" in out


def test_audit_unknown_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--audit", "no-such-pack") == 4
    assert "no procedure pack with id 'no-such-pack'" in capsys.readouterr().err
