"""The screenshot script writes one 1280×800 picture of every step, and of the start-up
check's dialog, the read-only window, the backup reminder and the account pages."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from consult_aid.domain.steps import STEP_IDS
from consult_aid.ui import screenshots


def drawn(image: QImage) -> tuple[int, float]:
    """(distinct colours, share of pixels not of the most common colour): a page with text and
    controls has hundreds of colours (anti-aliased text) and much off the background."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = memoryview(bytes(rgb.constBits())[:rgb.sizeInBytes()]).cast("I")
    counts = Counter(pixels)
    return len(counts), 1 - counts.most_common(1)[0][1] / len(pixels)


# the account pages are shown as top-level widgets, which the offscreen platform warns about
@pytest.mark.qt_log_ignore("does not support propagateSizeHints")
def test_the_script_saves_every_step_at_1280_by_800(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    assert screenshots.main([str(out)]) == 0
    steps = sorted(out.glob("step-*.png"))
    assert len(steps) == len(STEP_IDS)
    shown: set[str] = set()
    for number, step_id in enumerate(STEP_IDS, start=1):
        path = out / f"step-{number}-{step_id.replace('_', '-')}.png"
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 800), path.name
        colours, off_background = drawn(image)
        assert colours > 300 and off_background > 0.2, (path.name, colours, off_background)
        shown.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(shown) == len(STEP_IDS)  # each picture shows its own step, not one page again
    for name in ("start-screen.png", "first-run-setup.png", "startup-check.png",
                 "read-only.png", "backup-reminder.png", "sign-in.png", "lock-screen.png",
                 "accounts.png", "audit.png"):
        colours, off_background = drawn(QImage(str(out / name)))
        assert colours > 300 and off_background > 0.1, (name, colours, off_background)
