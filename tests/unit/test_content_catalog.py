"""Clinic packs beside the built-in ones: overriding, superseded versions, invalid files."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.content import UnknownPackError, builtin_packs_dir, load_catalog
from consult_aid.datadir import DataFolder

PUMP = builtin_packs_dir() / "intrathecal-pump.toml"


def clinic_copy(folder: Path, name: str, version: str, title: str | None = None) -> Path:
    text = PUMP.read_text(encoding="utf-8").replace('version = "2.0.0"', f'version = "{version}"')
    if title:
        text = text.replace('title = "Pain pump (intrathecal drug delivery): trial and implant"',
                            f'title = "{title}"')
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_only(data_folder: DataFolder) -> None:
    catalog = load_catalog(data_folder.packs)
    assert [p.id for p in catalog.packs()] == ["intrathecal-baclofen", "intrathecal-pump",
                                               "spinal-cord-stimulator"]  # by title
    assert all(e.source == "built-in" for e in catalog.entries())
    status = {(e.pack_id, e.version): e.status for e in catalog.entries()}
    assert status == {("intrathecal-baclofen", "1.0.0"): "current",
                      ("intrathecal-pump", "2.0.0"): "current",
                      ("spinal-cord-stimulator", "2.0.0"): "current",
                      ("intrathecal-pump", "1.0.0"): "superseded",  # kept for old consults
                      ("spinal-cord-stimulator", "1.0.0"): "superseded"}


def test_missing_clinic_folder_is_fine(tmp_path: Path) -> None:
    assert len(load_catalog(tmp_path / "nowhere").packs()) == 3
    assert len(load_catalog(None).packs()) == 3


def test_clinic_pack_with_higher_version_overrides(data_folder: DataFolder) -> None:
    clinic_copy(data_folder.packs, "our-pump.toml", "2.1.0", title="Our clinic's pain pump")
    catalog = load_catalog(data_folder.packs)
    pump = catalog.get("intrathecal-pump")
    assert (pump.version, pump.source, pump.title) == ("2.1.0", "clinic",
                                                       "Our clinic's pain pump")
    statuses = {(e.source, e.pack_id): e.status for e in catalog.entries()
                if e.path.parent.name != "released"}
    assert statuses[("built-in", "intrathecal-pump")] == "superseded"
    assert statuses[("clinic", "intrathecal-pump")] == "current"
    assert len(catalog.packs()) == 3


def test_versions_compare_as_numbers(data_folder: DataFolder) -> None:
    clinic_copy(data_folder.packs, "a.toml", "2.10.0")
    clinic_copy(data_folder.packs, "b.toml", "2.9.0")
    assert load_catalog(data_folder.packs).get("intrathecal-pump").version == "2.10.0"


@pytest.mark.parametrize("version", ["1.9.0", "2.0.0"])
def test_clinic_pack_with_lower_or_equal_version_does_not_override(
        data_folder: DataFolder, version: str) -> None:
    clinic_copy(data_folder.packs, "old-pump.toml", version, title="Old clinic copy")
    catalog = load_catalog(data_folder.packs)
    pump = catalog.get("intrathecal-pump")
    assert (pump.source, pump.version) == ("built-in", "2.0.0")
    clinic = next(e for e in catalog.entries() if e.source == "clinic")
    assert clinic.status == ("superseded" if version == "1.9.0" else "duplicate")


def test_superseded_version_can_still_be_found_by_hash_and_version(
        data_folder: DataFolder) -> None:
    builtin = load_catalog(data_folder.packs).get("intrathecal-pump")
    clinic_copy(data_folder.packs, "newer.toml", "3.0.0")
    catalog = load_catalog(data_folder.packs)
    assert catalog.get("intrathecal-pump").version == "3.0.0"
    old = catalog.find("intrathecal-pump", "2.0.0", builtin.content_hash)
    assert old.content_hash == builtin.content_hash and old.source == "built-in"
    assert catalog.find("intrathecal-pump", version="2.0.0").version == "2.0.0"
    assert catalog.find("intrathecal-pump", version="1.0.0").version == "1.0.0"  # released/
    assert catalog.find("intrathecal-pump").version == "3.0.0"
    assert catalog.find("intrathecal-pump", content_hash=builtin.content_hash.upper()) == old


def test_find_reports_what_is_missing(data_folder: DataFolder) -> None:
    catalog = load_catalog(data_folder.packs)
    with pytest.raises(UnknownPackError) as caught:
        catalog.find("intrathecal-pump", "1.0.0", "0" * 64)
    message = str(caught.value)
    assert "content hash 0000" in message and "1.0.0 (" in message
    with pytest.raises(KeyError):
        catalog.get("no-such-pack")


def test_invalid_clinic_pack_is_listed_as_invalid(data_folder: DataFolder) -> None:
    bad = data_folder.packs / "broken.toml"
    bad.write_text('id = "broken-pack"\nversion = "1.0.0"\ntitle = "Broken\n', encoding="utf-8")
    half = data_folder.packs / "half.toml"
    half.write_text('id = "half-pack"\nversion = "0.1.0"\n', encoding="utf-8")
    catalog = load_catalog(data_folder.packs)
    by_file = {e.path.name: e for e in catalog.entries()}
    assert by_file["broken.toml"].status == "invalid"
    assert by_file["broken.toml"].pack is None
    assert by_file["broken.toml"].problems[0].key_path.startswith("line 3")
    assert (by_file["half.toml"].pack_id, by_file["half.toml"].version) == ("half-pack", "0.1.0")
    assert len(catalog.packs()) == 3  # the built-ins still load


def test_entries_unpack_as_tuples(data_folder: DataFolder) -> None:
    path, source, status, pack, problems = load_catalog(data_folder.packs).entries()[0]
    assert path.suffix == ".toml" and source == "built-in" and status == "current"
    assert pack is not None and problems == ()
