"""The address of a clinic's PostgreSQL server, and the password to reach it.

``postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=...]`` — the form libpq and psql take. The
password is never part of the address Consult Aid keeps, shows or logs: it comes from a file
only its owner can read (``CONSULT_AID_DATABASE_PASSWORD_FILE``), else the operating system's
keyring (the ``keyring`` package), else PostgreSQL's own password file (``~/.pgpass`` /
``PGPASSFILE``, which libpq reads itself and also requires to be owner-only).
An address with a password in it is refused with a message saying where to put it instead.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from consult_aid.errors import InputError

SCHEMES = ("postgresql", "postgres")
ENV_VAR = "CONSULT_AID_DATABASE"
PASSWORD_FILE_ENV = "CONSULT_AID_DATABASE_PASSWORD_FILE"  # noqa: S105 - a variable's name
KEYRING_SERVICE = "consult-aid"
MAX_ADDRESS = 1000
MAX_PASSWORD_FILE = 4096
# the libpq options an address may carry (anything else is refused: no surprises in a setting)
_OPTIONS = frozenset({"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl",
                      "connect_timeout", "application_name", "host", "port", "target_session_attrs",
                      "passfile", "sslcompression", "gssencmode"})
_SSLMODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})


def is_server_address(text: str | os.PathLike[str] | None) -> bool:
    """Whether ``text`` names a PostgreSQL server rather than a file."""
    return isinstance(text, str) and text.split(":", 1)[0].lower() in SCHEMES \
        and "://" in text


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A checked ``postgresql://`` address, with no password in it."""

    url: str

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        text = text.strip()
        if len(text) > MAX_ADDRESS:
            raise InputError(f"The database address is longer than {MAX_ADDRESS} characters.")
        if not is_server_address(text):
            raise InputError("A database server address starts with postgresql:// (for example "
                             "postgresql://consult@clinic-server/consult_aid).")
        parts = urlsplit(text)
        try:
            password = parts.password
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            raise InputError("The database address has a port that is not a number.") from None
        if password is not None:
            raise InputError(
                "The database address contains a password. Take it out of the address and keep "
                f"it in a file only you can read ({PASSWORD_FILE_ENV}), in the system keyring, or "
                "in PostgreSQL's ~/.pgpass; the address is shown and stored, a password never.")
        if not parts.path.strip("/"):
            raise InputError("The database address names no database: add /DATABASE after the "
                             "server (for example postgresql://consult@clinic-server/consult_aid).")
        if parts.fragment:
            raise InputError("The database address has a '#' part, which means nothing here.")
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key not in _OPTIONS:
                raise InputError(f"The database address has an option Consult Aid does not "
                                 f"know: {key}. Known: {', '.join(sorted(_OPTIONS))}.")
            if key == "sslmode" and value not in _SSLMODES:
                raise InputError(f"sslmode={value} is not one of {', '.join(sorted(_SSLMODES))}.")
        if not parts.hostname and "host=" not in parts.query:
            raise InputError("The database address names no server: postgresql://USER@HOST/DB.")
        return cls(text)

    @property
    def shown(self) -> str:
        """What a message or the audit may say: user, server and database (no options)."""
        parts = urlsplit(self.url)
        host = parts.hostname or dict(parse_qsl(parts.query)).get("host", "")
        where = f"{host}:{parts.port}" if parts.port else host
        user = f"{parts.username}@" if parts.username else ""
        return f"postgresql://{user}{where}{parts.path}"

    @property
    def server_name(self) -> str:
        """The server's name as a person would say it ("clinic-server")."""
        parts = urlsplit(self.url)
        return parts.hostname or dict(parse_qsl(parts.query)).get("host", "") or "localhost"

    @property
    def user(self) -> str | None:
        return urlsplit(self.url).username

    @property
    def database(self) -> str:
        return urlsplit(self.url).path.strip("/")

    @property
    def sslmode(self) -> str:
        """libpq's default is 'prefer': TLS when the server offers it."""
        return dict(parse_qsl(urlsplit(self.url).query)).get("sslmode", "prefer")


def password_for(address: ServerAddress, environ: dict[str, str] | None = None) -> str | None:
    """The password to reach ``address``: from the owner-only file named by
    ``CONSULT_AID_DATABASE_PASSWORD_FILE``, else the keyring, else None (libpq then looks in
    ~/.pgpass, or the server needs none)."""
    env = os.environ if environ is None else environ
    named = env.get(PASSWORD_FILE_ENV)
    if named:
        return _read_password_file(Path(named))
    try:
        import keyring  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    try:
        found = keyring.get_password(KEYRING_SERVICE, address.shown)
    except Exception:
        return None
    return found if isinstance(found, str) else None


def _read_password_file(path: Path) -> str:
    try:
        info = path.stat()
        if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
            raise InputError(f"The database password file {path.name} can be read by others: "
                             f"make it owner-only (chmod 600 {path.name}); it was not used.")
        if info.st_size > MAX_PASSWORD_FILE:
            raise InputError(f"The database password file {path.name} is larger than "
                             f"{MAX_PASSWORD_FILE} bytes: it holds one password.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"The database password file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The database password file {path.name} cannot be read "
                         f"({type(exc).__name__}).") from None
    lines = text.removeprefix("\ufeff").splitlines()  # Notepad's byte-order mark is no part
    if not lines or not lines[0]:
        raise InputError(f"The database password file {path.name} is empty.")
    return lines[0]
