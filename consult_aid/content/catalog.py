"""All packs the program knows: the built-in ones and the clinic's own, every version kept.

A clinic pack (a ``.toml`` file in the data folder's ``packs/``) sits beside the built-in ones.
For one id the highest version is *current*; lower versions are *superseded* but stay in the
catalog so an archived consult can still find exactly the pack it used (``find`` by content
hash). With equal versions the built-in pack stays current and the other is a *duplicate*
(raise its version to override). A file that fails validation is *invalid*: it is listed with
its problems and never stops the program.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from consult_aid.content.errors import PackError, PackProblem, UnknownPackError
from consult_aid.content.loader import load_pack, parse, read_pack_file, version_key
from consult_aid.content.model import Pack
from consult_aid.resources import resource_path

log = logging.getLogger(__name__)

CURRENT = "current"
SUPERSEDED = "superseded"
DUPLICATE = "duplicate"
INVALID = "invalid"


def builtin_packs_dir() -> Path:
    return resource_path("procedures")


class CatalogEntry(NamedTuple):
    path: Path
    source: str  # "built-in" | "clinic"
    status: str  # "current" | "superseded" | "duplicate" | "invalid"
    pack: Pack | None
    problems: tuple[PackProblem, ...]

    @property
    def pack_id(self) -> str:
        """The pack's id; for an invalid file the id it declares, if any, else the file stem."""
        if self.pack is not None:
            return self.pack.id
        return _declared(self.path, "id") or self.path.stem

    @property
    def version(self) -> str:
        return self.pack.version if self.pack is not None else _declared(self.path, "version")


def _declared(path: Path, key: str) -> str:
    """What an invalid file says its id or version is: read as carefully as any pack file (it
    may be a named pipe, or a file built to make the TOML parser take gigabytes)."""
    try:
        value = parse(read_pack_file(path), str(path)).get(key)
    except PackError:
        return ""
    return value[:100] if isinstance(value, str) else ""


@dataclass(slots=True)
class PackCatalog:
    _entries: list[CatalogEntry] = field(default_factory=list)

    def entries(self) -> list[CatalogEntry]:
        """Every pack file found, built-in first, each with its status and problems."""
        return list(self._entries)

    def packs(self) -> list[Pack]:
        """The current version of each pack, sorted by title."""
        current = [e.pack for e in self._entries if e.status == CURRENT and e.pack is not None]
        return sorted(current, key=lambda p: (p.title.casefold(), p.id))

    def get(self, pack_id: str) -> Pack:
        for pack in self.packs():
            if pack.id == pack_id:
                return pack
        raise UnknownPackError(f"no procedure pack with id '{pack_id}'; known packs: "
                               f"{', '.join(p.id for p in self.packs()) or 'none'}")

    def find(self, pack_id: str, version: str | None = None,
             content_hash: str | None = None) -> Pack:
        """The exact pack an archived consult used.

        With ``content_hash`` only that file's bytes match (the surest answer); with
        ``version`` the pack of that version (the current file first); with neither the
        current pack.
        """
        if version is None and content_hash is None:
            return self.get(pack_id)
        candidates = [e for e in self._entries
                      if e.pack is not None and e.pack.id == pack_id
                      and (version is None or e.pack.version == version)
                      and (content_hash is None or e.pack.content_hash == content_hash.lower())]
        if not candidates:
            wanted = " ".join(filter(None, (f"version {version}" if version else "",
                                            f"content hash {content_hash}" if content_hash
                                            else "")))
            have = [f"{e.pack.version} ({e.pack.content_hash[:12]})" for e in self._entries
                    if e.pack is not None and e.pack.id == pack_id]
            raise UnknownPackError(
                f"pack '{pack_id}' with {wanted} is not installed; available: "
                f"{', '.join(have) or 'none'}. Put the pack file that was used into the data "
                "folder's packs/ folder to show this consult's content again.")
        candidates.sort(key=lambda e: (e.status != CURRENT, e.source != "built-in"))
        pack = candidates[0].pack
        assert pack is not None
        return pack


def load_catalog(clinic_dir: Path | None, builtin_dir: Path | None = None) -> PackCatalog:
    """Read the built-in packs and the clinic's ``packs/`` folder (which may be absent)."""
    loaded: list[tuple[Path, str, Pack | None, tuple[PackProblem, ...]]] = []
    for folder, source in ((builtin_dir or builtin_packs_dir(), "built-in"),
                           (clinic_dir, "clinic")):
        if folder is None or not folder.is_dir():
            continue
        paths = sorted(folder.glob("*.toml"))
        if source == "built-in":  # earlier releases, kept so archived consults find them
            paths += sorted(folder.glob("released/*.toml"))
        for path in paths:
            loaded.append((path, source, *_load(path, source)))
    return PackCatalog(_with_status(loaded))


def _load(path: Path, source: str) -> tuple[Pack | None, tuple[PackProblem, ...]]:
    try:
        return load_pack(path, source), ()
    except PackError as exc:
        log.warning("pack %s is invalid (%d problems)", path, len(exc.problems))
        return None, tuple(exc.problems)
    except Exception as exc:  # a clinic file must never stop the program
        log.exception("unexpected failure reading pack %s", path)
        return None, (PackProblem(str(path), "(file)", f"could not be read: {exc}"),)


def _with_status(
    loaded: list[tuple[Path, str, Pack | None, tuple[PackProblem, ...]]],
) -> list[CatalogEntry]:
    ranked: dict[str, list[int]] = {}
    for n, (_path, _source, pack, _problems) in enumerate(loaded):
        if pack is not None:
            ranked.setdefault(pack.id, []).append(n)
    status: dict[int, str] = {}
    for indices in ranked.values():
        # highest version first; on a tie the built-in file, then the first file by name
        indices.sort(key=lambda n: (_version(loaded[n][2]), loaded[n][1] == "built-in", -n),
                     reverse=True)
        top = _version(loaded[indices[0]][2])
        status[indices[0]] = CURRENT
        for n in indices[1:]:
            status[n] = DUPLICATE if _version(loaded[n][2]) == top else SUPERSEDED
    return [CatalogEntry(path, source, status.get(n, INVALID), pack, problems)
            for n, (path, source, pack, problems) in enumerate(loaded)]


def _version(pack: Pack | None) -> tuple[int, ...]:
    return version_key(pack.version) if pack is not None else ()
