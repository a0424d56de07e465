"""Files the command line writes for the user (``--out``): owner-only, named when they fail.

Every one of them holds patient data (a summary, an addendum, a consult's JSON, a handout made
for the patient), so each is written 0600 and every folder made for it 0700 — an existing
folder the user chose is left as it is. A folder given where a file is wanted is refused before
any work starts, and a failed write names the file it could not write.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from consult_aid.datadir import make_private_dir
from consult_aid.errors import InputError
from consult_aid.files import write_atomically
from consult_aid.terminal import safe

LIMIT_RANGE = (1, 10_000)


def limit(text: str) -> int:
    """``--limit``: a whole number from 1 to 10,000 (anything else is refused, exit 2)."""
    low, high = LIMIT_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from {low} to {high:,}, not {safe(text)!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from {low} to {high:,}, not {value:,}")
    return value


def output_file(path: Path, option: str = "--out") -> Path:
    """``path`` as a file to write: refused when it is a folder; its missing folders made."""
    if path.is_dir():
        raise InputError(f"{path} is a folder: {option} needs a file name")
    if not path.parent.exists():
        make_private_dir(path.parent)
    return path


def output_folder(path: Path, option: str = "--out") -> Path:
    """``path`` as a folder to write files in: made (0700) when missing."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{path} is a file: {option} needs a folder")
    if not path.exists():
        make_private_dir(path)
    return path


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, owner-only (0600)."""
    try:
        write_atomically(path, data, mode=0o600)
    except OSError as exc:
        if exc.filename is None:  # a full disk fails a write or fsync, which names no file
            exc.filename = str(path)
        raise


__all__ = ["LIMIT_RANGE", "limit", "output_file", "output_folder", "write_output"]
