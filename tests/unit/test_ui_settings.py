"""The window's settings file keeps the paper size chosen in the settings page."""

from __future__ import annotations

import json
from pathlib import Path

from consult_aid.services.settings import UiSettings, load_settings, write_settings


def test_paper_size_is_kept_and_a_bad_value_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert load_settings(path).paper == ""  # none chosen: the computer's locale decides
    write_settings(path, UiSettings(large_text=True, paper="letter"))
    loaded = load_settings(path)
    assert (loaded.large_text, loaded.paper) == (True, "letter")
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["ui"]["paper"] = "a3"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert load_settings(path).paper == ""
