"""Where Consult Aid keeps its database (with the PDF archive), clinic packs, signing identity
and logs.

Resolution order: the ``--data-dir`` option, then ``CONSULT_AID_HOME``, then the operating
system's per-user data folder (platformdirs). Folders are created owner-only (0700).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

ENV_VAR = "CONSULT_AID_HOME"
APP_NAME = "ConsultAid"


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
        for folder in (self.root, self.packs, self.identity, self.logs):
            make_private_dir(folder)
        return self


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) readable by the owner only; tighten it if it exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
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
