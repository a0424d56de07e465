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
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "CONSULT_AID_HOME"
APP_NAME = "ConsultAid"
DEMO_SUFFIX = "-demo"
DEMO_MARKER = "demo-folder"  # in a folder `consult-aid demo` made, and only there
# What "cannot be written here" looks like: no permission, or a read-only file system.
_READ_ONLY_ERRORS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


@dataclass(frozen=True, slots=True)
class DataFolder:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "consult-aid.sqlite3"

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
            environ: dict[str, str] | None = None) -> DataFolder:
    env = os.environ if environ is None else environ
    if option:
        root = Path(option)
    elif env.get(ENV_VAR):
        root = Path(env[ENV_VAR])
    else:
        root = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))
    return DataFolder(root.expanduser().resolve())


def demo_folder(environ: dict[str, str] | None = None) -> DataFolder:
    """The demo's own data folder: beside the one :func:`resolve` finds without ``--data-dir``
    (``~/.local/share/ConsultAid-demo``, or ``$CONSULT_AID_HOME-demo``), never that one."""
    real = resolve(None, environ).root
    return DataFolder(real.with_name(real.name + DEMO_SUFFIX))
