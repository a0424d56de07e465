"""The released versions of the built-in packs: version, date and content hash of each.

``resources/releases.toml`` lists every release (``[[release]]`` with ``pack``,
``version``, ``date``, ``content_hash`` and ``changes``). A built-in pack whose content hash
is not the one released under its version has changed without a new version; the test suite
fails on it (:func:`unreleased`), so a consult's "pack 2.0.0" always means one text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

from consult_aid.content.catalog import CatalogEntry
from consult_aid.content.loader import version_key
from consult_aid.resources import resource_path


@dataclass(frozen=True, slots=True)
class Release:
    pack: str
    version: str
    date: date
    content_hash: str
    changes: tuple[str, ...]


def changelog_path() -> Path:
    return resource_path("releases.toml")


def load_releases(path: Path | None = None) -> list[Release]:
    data = tomllib.loads((path or changelog_path()).read_text(encoding="utf-8"))
    return [Release(str(r["pack"]), str(r["version"]), r["date"], str(r["content_hash"]),
                    tuple(r.get("changes", ()))) for r in data.get("release", [])]


def unreleased(entries: list[CatalogEntry], releases: list[Release]) -> list[str]:
    """What is wrong between the built-in pack files and the changelog, as sentences."""
    problems: list[str] = []
    by_key = {(r.pack, r.version): r for r in releases}
    if len(by_key) != len(releases):
        problems.append("a pack version is listed twice in the changelog")
    for e in entries:
        if e.source != "built-in":
            continue
        if e.pack is None:
            problems.append(f"{e.path.name} does not load: {e.problems[:1]}")
            continue
        release = by_key.get((e.pack.id, e.pack.version))
        if release is None:
            problems.append(f"{e.pack.id} {e.pack.version} has no changelog entry")
        elif release.content_hash != e.pack.content_hash:
            problems.append(f"{e.pack.id} {e.pack.version} changed after its release "
                            f"(content hash {e.pack.content_hash} is not the released "
                            f"{release.content_hash}); give it a new version and a changelog "
                            "entry")
        elif release.date != e.pack.published:
            problems.append(f"{e.pack.id} {e.pack.version}: published {e.pack.published} but "
                            f"released {release.date}")
    for pack in {r.pack for r in releases}:
        ordered = sorted((r for r in releases if r.pack == pack),
                         key=lambda r: version_key(r.version))
        for before, after in pairwise(ordered):
            if after.date < before.date:
                problems.append(f"{pack} {after.version} is dated before {before.version}")
    return problems
