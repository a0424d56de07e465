"""Where Consult Aid keeps its database (with the PDF archive), clinic packs, signing identity
and logs.

Resolution order: the ``--data-dir`` option, then ``CONSULT_AID_HOME``, then the operating
system's per-user data folder (platformdirs). Folders are created owner-only (0700).

A data folder can be read-only (a backup copy, a read-only share): :meth:`DataFolder.is_read_only`
finds that out by trying, and nothing is created or tightened in it then. The demo has a folder
of its own (:func:`demo_folder`), marked by the file ``demo-folder``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from consult_aid.storage.server import ENV_VAR as DATABASE_ENV_VAR
from consult_aid.storage.server import ServerAddress

ENV_VAR = "CONSULT_AID_HOME"
APP_NAME = "ConsultAid"
DEMO_SUFFIX = "-demo"
DEMO_MARKER = "demo-folder"  # in a folder `consult-aid demo` made, and only there
# What "cannot be written here" looks like: no permission, or a read-only file system.
_READ_ONLY_ERRORS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


@dataclass(frozen=True, slots=True)
class DataFolder:
    root: Path
    # the clinic's shared archive on a PostgreSQL server (issue 18); None: the SQLite file here
    server: ServerAddress | None = None

    @property
    def database(self) -> Path:
        """The SQLite file of this folder (used when no server is set)."""
        return self.root / "consult-aid.sqlite3"

    @property
    def archive(self) -> Path | ServerAddress:
        """Where the consults are kept: the clinic's server when one is set, else the file."""
        return self.server if self.server is not None else self.database

    @property
    def packs(self) -> Path:
        """Clinic procedure packs that sit beside the built-in ones."""
        return self.root / "packs"

    @property
    def identity(self) -> Path:
        """The clinician signing identity (encrypted key and certificate)."""
        return self.root / "identity"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    def ensure(self) -> DataFolder:
        """Create the folders owner-only and tighten them. The root must be made if missing
        (its error is raised); in an existing root, a folder that cannot be made or tightened
        (a read-only copy, someone else's folder) is left as it is."""
        make_private_dir(self.root)
        for folder in (self.packs, self.identity, self.logs):
            try:
                make_private_dir(folder)
            except OSError as exc:
                if exc.errno not in _READ_ONLY_ERRORS:
                    raise
        return self

    def is_read_only(self) -> bool:
        """True when this folder exists and nothing can be changed in it: a file cannot be
        created in it, or its database cannot be opened for writing. Decided by trying, as
        permission bits mislead (root, ACLs, a read-only mount); nothing is changed."""
        if not self.root.is_dir():
            return False
        try:
            fd, name = tempfile.mkstemp(prefix=".consult-aid-write-test.", suffix=".tmp",
                                        dir=self.root)
        except OSError as exc:
            if exc.errno in _READ_ONLY_ERRORS:
                return True
            raise
        os.close(fd)
        with contextlib.suppress(OSError):
            Path(name).unlink()
        if self.database.is_file():
            try:
                with self.database.open("ab"):
                    pass
            except OSError as exc:
                if exc.errno in _READ_ONLY_ERRORS:
                    return True
                raise
        return False

    @property
    def is_demo_folder(self) -> bool:
        """Made by ``consult-aid demo`` (and marked so)."""
        marker = self.root / DEMO_MARKER
        return marker.is_file() and not marker.is_symlink()


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and any missing parents) readable by the owner only; tighten it if it
    exists and is not owner-only yet."""
    missing = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=0o700)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)


def resolve(option: str | os.PathLike[str] | None = None,
            environ: dict[str, str] | None = None, *,
            database: str | None = None) -> DataFolder:
    """The data folder, and the archive's server: ``database`` (``--database``), else
    ``CONSULT_AID_DATABASE``, else the folder's settings (``"database"``, set in the window),
    else none (the SQLite file in the folder)."""
    env = os.environ if environ is None else environ
    root = Path(option).expanduser().resolve() if option else _root(env)
    address = database or env.get(DATABASE_ENV_VAR) or configured_server(root)
    return DataFolder(root, ServerAddress.parse(address) if address else None)


SETTINGS_LIMIT = 1024 * 1024  # as services.settings reads it


def configured_server(root: Path) -> str | None:
    """The server address saved in the folder's settings (the window's Settings page), or None.
    A settings file that cannot be read names no server here; the window says what is wrong
    with it when it loads its settings."""
    path = root / "settings.json"
    try:
        if path.stat().st_size > SETTINGS_LIMIT:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("database") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def demo_folder(environ: dict[str, str] | None = None) -> DataFolder:
    """The demo's own data folder: beside the one :func:`resolve` finds without ``--data-dir``
    (``~/.local/share/ConsultAid-demo``, or ``$CONSULT_AID_HOME-demo``), never that one."""
    real = _root(environ)  # the demo never uses the clinic's server
    return DataFolder(real.with_name(real.name + DEMO_SUFFIX))


def _root(environ: Mapping[str, str] | None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        root = Path(env[ENV_VAR])
    else:
        import platformdirs  # (the per-user folder only: not at every start, issue 16)

        root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))
    return root.expanduser().resolve()
