"""A real PostgreSQL server for the tests that run against both backends (issue 18).

Where it comes from, in order:

1. ``CONSULT_AID_TEST_POSTGRES``: the address of a server to use (``.ci/run`` starts Debian's
   ``postgresql`` and sets it), as a user who may create databases;
2. otherwise, where PostgreSQL's server programs are installed (``initdb`` on the PATH or in
   ``/usr/lib/postgresql/*/bin``), a throwaway server started for the test session in a
   temporary folder, listening on a Unix socket only, and stopped at the end;
3. otherwise the tests that need it are skipped: "skipped: no PostgreSQL".

Each test gets a database of its own (``CREATE DATABASE``), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

ENV = "CONSULT_AID_TEST_POSTGRES"
REQUIRE = "CONSULT_AID_REQUIRE_POSTGRES"  # set by .ci/run: no server is a failure, not a skip
NO_POSTGRES = ("skipped: no PostgreSQL (install Debian's postgresql, or set "
               "CONSULT_AID_TEST_POSTGRES)")


def _server_programs() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name), reverse=True)
    return candidates[0].parent if candidates else None


def _run_as_server_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the ``postgres`` user there."""
    if os.name == "posix" and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayServer:
    """A PostgreSQL server of the test session's own: Unix socket and trust; with ``tls``
    also TCP on 127.0.0.1 that takes only TLS connections with a password (scram-sha-256),
    its certificate (for localhost and 127.0.0.1) in :attr:`certificate`."""

    def __init__(self, bin_dir: Path, *, tls: bool = False) -> None:
        self.bin_dir = bin_dir
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix="consult-aid-pg-"))
        self.data = self.root / "data"
        self.certificate = self.root / "server.crt"
        if os.name == "posix" and os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self.root.chmod(0o755)
        self.port = _free_port() if tls else 5400 + os.getpid() % 500

    def _tls_files(self) -> str:
        """A self-signed certificate and key, and pg_hba.conf: TLS and a password on TCP."""
        import datetime as dt
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .sign(key, hashes.SHA256()))
        self.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file = self.root / "server.key"
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_file.chmod(0o600)
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 127.0.0.1/32 reject\n", encoding="utf-8")
        if os.name == "posix" and os.geteuid() == 0:
            for path in (self.certificate, key_file, self.data / "pg_hba.conf"):
                shutil.chown(path, "postgres")
        return (f"-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={self.certificate} "
                f"-c ssl_key_file={key_file} -c password_encryption=scram-sha-256")

    def start(self) -> str:
        initdb = [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]
        subprocess.run(_run_as_server_user(initdb), check=True, capture_output=True,
                       cwd=self.root)
        listen = self._tls_files() if self.tls else "-c listen_addresses=''"
        options = (f"-k {self.root} -p {self.port} {listen} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        subprocess.run(_run_as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data),
                                            "-o", options, "-l", str(self.root / "log"), "-w",
                                            "start"]),
                       check=True, capture_output=True, cwd=self.root)
        return f"postgresql://postgres@/postgres?host={quote(str(self.root))}&port={self.port}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(_run_as_server_user([str(self.bin_dir / "pg_ctl"), "-D",
                                                str(self.data), "-m", "immediate", "stop"]),
                           capture_output=True, cwd=self.root, timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """The address of a PostgreSQL server the tests may create databases on (or a skip)."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    bin_dir = _server_programs()
    if bin_dir is None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but there is no PostgreSQL server to test with")
        pytest.skip(NO_POSTGRES)
    server = ThrowawayServer(bin_dir)
    try:
        url = server.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        server.stop()
        if os.environ.get(REQUIRE):
            pytest.fail(f"could not start a PostgreSQL server for the tests: {exc}")
        pytest.skip(f"{NO_POSTGRES}: could not start one here ({exc})")
    try:
        yield url
    finally:
        server.stop()


_numbers = itertools.count(1)


def with_database(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead of its own."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server at ``admin_url`` (its address); dropped after."""
    import psycopg

    name = f"consult_aid_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                      "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A new, empty database on the test server for one test; dropped afterwards."""
    with fresh_database(pg_admin_url) as url:
        yield url
