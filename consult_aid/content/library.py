"""The shared library of options and conditions that packs use by name.

A pack describing the spinal cord stimulator as an alternative must describe the same
stimulator, with the same items and figures, as the stimulator's own pack. So options and
conditions live once, in ``resources/library/``: ``options/<id>.toml`` holds one option (the
pack option format, plus ``[[citations]]`` for its references) and ``conditions.toml`` the
conditions (``[[conditions]]`` and their ``[[citations]]``). A pack writes
``[[options]] use = "stimulator"`` or ``[[conditions]] use = "crps"``.

A :class:`LibrarySession` serves one pack load: it records which library files were used (for
the content hash), the references they bring, and the problems found in them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from consult_aid.content import safe_toml
from consult_aid.content.errors import PackError, PackProblem
from consult_aid.content.fields import Reader, Table, join
from consult_aid.content.model import Condition, Option, Reference
from consult_aid.input_files import MAX_PACK_BYTES, InputFileError, read_input
from consult_aid.resources import resource_path

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_LIBRARY_FILE = MAX_PACK_BYTES  # a library file is a page of text, not a data dump
CONDITIONS_FILE = "conditions.toml"


@dataclass(frozen=True, slots=True)
class Library:
    folder: Path

    def session(self) -> LibrarySession:
        return LibrarySession(self)


@functools.cache
def builtin_library() -> Library:
    return Library(resource_path("library"))


class LibrarySession:
    def __init__(self, library: Library) -> None:
        self.library = library
        self._files: dict[str, bytes] = {}  # relative name -> bytes, in order of first use
        self._parsed: dict[str, Table | None] = {}
        self._raw: dict[str, bytes] = {}
        self._readers: dict[str, Reader] = {}
        self._references: list[tuple[str, Reference]] = []  # (library file, reference)
        self._extra: list[PackProblem] = []

    # -- what the loader asks for ------------------------------------------------------------

    def option(self, r: Reader, path: str, t: Table, denominator: int,
               read: Callable[[Reader, str, Table, int], Option]) -> Option:
        """The library option that ``[[options]] use = "name"`` names, read with ``read``."""
        name = self._use(r, path, t)
        data = self._load(r, join(path, "use"), f"options/{name}.toml") if name else None
        if data is None:
            return read(Reader("(unused)"), path, {}, denominator)
        lib_reader = self._readers[f"options/{name}.toml"]
        body = {k: v for k, v in data.items() if k != "citations"}
        option = read(lib_reader, "", body, denominator)
        if option.id != name:
            lib_reader.problem("id", f"'{option.id}' must match the file name '{name}'")
        self._cite(lib_reader, data, f"options/{name}.toml")
        return _with_library(option, name)

    def condition(self, r: Reader, path: str, t: Table,
                  read: Callable[[Reader, str, Table], Condition]) -> Condition:
        """The library condition that ``[[conditions]] use = "id"`` names."""
        cid = self._use(r, path, t)
        data = self._load(r, join(path, "use"), CONDITIONS_FILE) if cid else None
        lib_reader = self._readers.get(CONDITIONS_FILE)
        for p, table in (lib_reader.tables(data, "conditions", "", required=False)
                         if data is not None and lib_reader is not None else []):
            if table.get("id") == cid:
                assert lib_reader is not None
                condition = read(lib_reader, p, table)
                self._cite(lib_reader, data or {}, CONDITIONS_FILE, wanted=condition.references)
                return condition
        if data is not None:
            r.problem(join(path, "use"), f"no condition '{cid}' in the library; known: "
                                         f"{', '.join(sorted(self.condition_ids()))}")
        return Condition(cid or "", "", "")

    def condition_ids(self) -> frozenset[str]:
        """Every condition id the library defines (items may name any of them)."""
        data = self._parse(CONDITIONS_FILE)
        if data is None:
            return frozenset()
        tables = data.get("conditions", [])
        return frozenset(t["id"] for t in tables if isinstance(t, dict)
                         and isinstance(t.get("id"), str))

    def merged_references(self, r: Reader, own: tuple[Reference, ...]) -> tuple[Reference, ...]:
        """The pack's references, then those the library files used bring, once each; the
        same id with a different citation is a problem (which study would the patient see?)."""
        out = {ref.id: ref for ref in own}
        for file, ref in self._references:
            known = out.get(ref.id)
            if known is None:
                out[ref.id] = ref
            elif (known.citation, known.year, known.url) != (ref.citation, ref.year, ref.url):
                r.problem("references", f"reference '{ref.id}' differs from the one in the "
                                        f"library file {file}; use one citation per id")
        return tuple(out.values())

    def files(self) -> list[tuple[str, bytes]]:
        return list(self._files.items())

    def problems(self) -> list[PackProblem]:
        return [*self._extra, *(p for rd in self._readers.values() for p in rd.problems)]

    # -- inside ------------------------------------------------------------------------------

    def _use(self, r: Reader, path: str, t: Table) -> str:
        extra = [k for k in t if k != "use"]
        if extra:
            r.problem(join(path, extra[0]), "a table with use = \"...\" takes its content from "
                                            "the library; remove the other keys")
        name = r.text(t, "use", path)
        if name and not NAME.match(name):
            r.problem(join(path, "use"), f"'{name}' is not a library name (lower-case letters, "
                                         "digits and hyphens)")
            return ""
        return name

    def _parse(self, name: str) -> Table | None:
        if name in self._parsed:
            return self._parsed[name]
        file = self.library.folder / name
        reader = Reader(str(file))
        self._readers[name] = reader
        data: Table | None = None
        try:
            if file.exists():  # a missing file is the caller's problem ("no library file")
                raw = read_input(file, max_bytes=MAX_LIBRARY_FILE, what="library file")
                data = safe_toml.loads(raw.decode("utf-8"), str(file))
                self._raw[name] = raw
        except InputFileError as exc:
            reader.problem("(file)", exc.reason)
        except UnicodeDecodeError as exc:
            reader.problem("(file)", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")
        except PackError as exc:
            for problem in exc.problems:
                reader.problem(problem.key_path, problem.message)
        self._parsed[name] = data
        return data

    def _load(self, r: Reader, where: str, name: str) -> Table | None:
        data = self._parse(name)
        if data is None and not self._readers[name].problems:
            r.problem(where, f"no library file {name} in {self.library.folder}")
        if data is not None:
            self._files.setdefault(name, self._raw[name])
        return data

    def _cite(self, reader: Reader, data: Table, file: str,
              wanted: tuple[str, ...] | None = None) -> None:
        """Bring the file's ``[[citations]]`` (all, or only the ``wanted`` ids)."""
        for p, t in reader.tables(data, "citations", "", required=False):
            if wanted is not None and t.get("id") not in wanted:
                continue
            reader.known_keys(t, p, ("id", "citation", "year", "url"))
            year = reader.integer(t, "year", p, required=False)
            ref = Reference(id=reader.text(t, "id", p), citation=reader.text(t, "citation", p),
                            year=year, url=reader.text(t, "url", p, required=False))
            if all(ref.id != known.id for _f, known in self._references):
                self._references.append((file, ref))


def _with_library(option: Option, name: str) -> Option:
    return replace(option, library=name)
