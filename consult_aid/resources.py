"""Locate the files under the project's ``resources/`` folder (clinical content, fonts, schema)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    path = RESOURCES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource missing from the installation: {'/'.join(parts)}")
    return path
