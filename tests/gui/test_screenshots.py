"""The screenshot script writes one 1280×800 picture of every step."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from consult_aid.services.review import STEP_IDS
from consult_aid.ui import screenshots


def test_the_script_saves_every_step_at_1280_by_800(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    assert screenshots.main([str(out)]) == 0
    steps = sorted(out.glob("step-*.png"))
    assert len(steps) == len(STEP_IDS)
    for number, step_id in enumerate(STEP_IDS, start=1):
        path = out / f"step-{number}-{step_id.replace('_', '-')}.png"
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800), path.name
        assert image.pixelColor(640, 400).isValid()
    assert (out / "start-screen.png").is_file()
    assert (out / "first-run-setup.png").is_file()
