"""Reading a file the user named: bounded in size, and only if it is a regular file.

Every file that comes in from outside (a consult's JSON form, a PDF to import or verify, a pack,
a password or certificate file) is read here, so that one place refuses what would otherwise
hang or exhaust memory: a named pipe (reading one blocks until someone writes), a device
(``/dev/zero`` never ends), a folder, and a file larger than its kind ever is.

The file is opened without blocking and checked with ``fstat`` *before* anything is read, so a
FIFO is refused at once; then at most ``max_bytes + 1`` bytes are read, so a file that grows
while it is read is refused too. The limits below are the only file-size limits of the program;
``docs/consult-json.md`` and ``docs/content-packs.md`` state them.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from consult_aid.errors import InputError

KIB = 1024
MIB = 1024 * KIB

# A consult's JSON form. The demo consult (3 drawn signatures of 190 points) is 87 KB; one with
# 5 signatures of 2,000 points each is 1.2 MB; the largest consult the field limits allow
# (consult_aid.domain.limits, ASCII text) is about 6 MB.
MAX_CONSULT_JSON_BYTES = 16 * MIB
# A signed PDF to import or verify: a signed summary is a few hundred KB (embedded fonts, vector
# signatures); an addendum less.
MAX_PDF_BYTES = 20 * MIB
# A procedure pack or library file (TOML): the largest built-in one is 43 KB.
MAX_PACK_BYTES = 512 * KIB
MAX_PASSWORD_FILE_BYTES = 4 * KIB  # its first line is the password
MAX_CERTIFICATE_BYTES = 64 * KIB  # one PEM or DER certificate is 1-2 KB
MAX_TEXT_FILE_BYTES = 256 * KIB  # an addendum's text (at most 20,000 characters)
# What read_input_file reads when its caller names no limit: the largest of the above.
MAX_INPUT_BYTES = max(MAX_CONSULT_JSON_BYTES, MAX_PDF_BYTES, MAX_PACK_BYTES,
                      MAX_PASSWORD_FILE_BYTES, MAX_CERTIFICATE_BYTES, MAX_TEXT_FILE_BYTES)

_CHUNK = 1 * MIB


class InputFileError(InputError):
    """A file the user named cannot be used as input. ``reason`` is the message without the
    file's name (for callers that name the file themselves, like a pack's problem list)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def read_input(path: Path | str, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    ``what`` names the kind of file in messages ("consult JSON file", "PDF"). Raises
    :class:`InputFileError` (an InputError, exit code 2) for a missing file, a folder, a named
    pipe, a device or socket, a file over ``max_bytes``, or one that cannot be read.
    """
    fd = _open(path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(path, f"is {_kind(info.st_mode)}, not a regular file; give "
                                       f"the {what} itself")
        if info.st_size > max_bytes:
            raise _too_large(path, what, max_bytes, info.st_size)
        data = _read_at_most(fd, max_bytes + 1, path)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew after fstat
        raise _too_large(path, what, max_bytes, len(data))
    return data


def read_text_file(path: Path | str, *, max_bytes: int = MAX_TEXT_FILE_BYTES,
                   what: str = "text file") -> str:
    """A UTF-8 text file the user named (an addendum's text), read as :func:`read_input`."""
    raw = read_input(path, max_bytes=max_bytes, what=what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"is not UTF-8 text (byte {exc.start})") from None


def read_password_file(path: Path | str) -> str:
    """The first line of a password file. A binary file (a key, an image given by mistake) is
    refused: a password holds no control character, and a null byte in it would crash the
    PKCS#12 library rather than fail as a wrong password."""
    text = read_text_file(path, max_bytes=MAX_PASSWORD_FILE_BYTES, what="password file")
    lines = text.splitlines()
    first = lines[0] if lines else ""
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in first):
        raise InputFileError(path, "the password holds a control character; is this the "
                                   "password file?")
    return first


def describe_size(size: int) -> str:
    """``16 MiB``, ``512 KiB``, ``4,096 bytes``: how limits are written in messages."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB:,} MiB"
    if size >= MIB:
        return f"{size / MIB:,.1f} MiB"
    if size >= KIB and size % KIB == 0:
        return f"{size // KIB:,} KiB"
    return f"{size:,} bytes"


def _open(path: Path | str) -> int:
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        return os.open(path, flags)
    except FileNotFoundError:
        raise InputFileError(path, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, not a file") from None
    except PermissionError:
        raise InputFileError(path, "permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO on a system that refuses it
            raise InputFileError(path, "is not a regular file") from None
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc})") from None


def _read_at_most(fd: int, limit: int, path: Path | str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    try:
        while total < limit:
            chunk = os.read(fd, min(_CHUNK, limit - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    return b"".join(chunks)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _too_large(path: Path | str, what: str, limit: int, size: int) -> InputFileError:
    return InputFileError(path, f"is larger than a {what} may be ({describe_size(size)}; the "
                                f"limit is {describe_size(limit)})")
