"""Reaching the clinic's server safely (issue 18): TLS as the address asks (``sslmode``), the
password from an owner-only file and never in an address, a message, a log or the audit trail;
a lost connection is a calm message and the next call connects again. Against real servers:
one taking only TLS with a password on TCP, started here."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from consult_aid.errors import InputError, ServerUnavailableError
from consult_aid.services.consults import get_consult, save_draft
from consult_aid.services.store import open_store
from consult_aid.storage.audit import AuditLog
from consult_aid.storage.postgres import PostgresDatabase
from consult_aid.storage.server import PASSWORD_FILE_ENV, ServerAddress, password_for
from tests.builders import NOW, sample_consult
from tests.pg_server import ThrowawayServer, _server_programs
from tests.signed_in import sign_in_db

SECRET = "Tr0ub4dor&3-clinic-server"


@pytest.fixture(scope="module")
def tls_server() -> Iterator[ThrowawayServer]:
    bin_dir = _server_programs()
    if bin_dir is None:
        if os.environ.get("CONSULT_AID_REQUIRE_POSTGRES"):
            pytest.fail("no PostgreSQL server programs to start a TLS server with")
        pytest.skip("skipped: no PostgreSQL")
    server = ThrowawayServer(bin_dir, tls=True)
    try:
        server.start()
        socket_url = (f"postgresql://postgres@/postgres?host={quote(str(server.root))}"
                      f"&port={server.port}")
        with psycopg.connect(socket_url, autocommit=True) as admin:
            admin.execute(f"ALTER USER postgres PASSWORD '{SECRET}'")
        yield server
    finally:
        server.stop()


def _address(server: ThrowawayServer, sslmode: str) -> ServerAddress:
    return ServerAddress.parse(
        f"postgresql://postgres@127.0.0.1:{server.port}/postgres?sslmode={sslmode}"
        f"&sslrootcert={server.certificate}&connect_timeout=5")


@pytest.fixture
def password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "db-password"
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(path))
    return path


def test_tls_verified_against_the_clinics_certificate(
        tls_server: ThrowawayServer, password_file: Path, caplog: pytest.LogCaptureFixture
        ) -> None:
    caplog.set_level(logging.DEBUG)
    with open_store(_address(tls_server, "verify-full")) as db:
        row = db.query_one("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert row is not None and row[0] is True and row[1].startswith("TLS")
        sign_in_db(db)
        save_draft(db, sample_consult(), now=NOW)
        entries = AuditLog(db).entries()
        assert entries and all(SECRET not in f"{e.detail} {e.actor}" for e in entries)
    assert SECRET not in caplog.text


def test_the_server_refuses_a_connection_without_tls_and_the_message_is_calm(
        tls_server: ThrowawayServer, password_file: Path) -> None:
    with pytest.raises(ServerUnavailableError) as refused:
        open_store(_address(tls_server, "disable"))
    assert "cannot be reached" in str(refused.value) or "refused" in str(refused.value)
    assert SECRET not in str(refused.value) and "Traceback" not in str(refused.value)


def test_a_wrong_password_is_said_plainly_and_not_repeated(
        tls_server: ThrowawayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n", encoding="utf-8")
    wrong.chmod(0o600)
    monkeypatch.setenv(PASSWORD_FILE_ENV, str(wrong))
    with pytest.raises(ServerUnavailableError, match="refused the user name or password") as e:
        open_store(_address(tls_server, "require"))
    assert "not-the-password" not in str(e.value)


def test_a_password_file_others_can_read_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "db-password"
    path.write_text(SECRET, encoding="utf-8")
    path.chmod(0o644)
    address = ServerAddress.parse("postgresql://consult@clinic-server/consult_aid")
    with pytest.raises(InputError, match="can be read by others"):
        password_for(address, {PASSWORD_FILE_ENV: str(path)})
    path.chmod(0o600)
    assert password_for(address, {PASSWORD_FILE_ENV: str(path)}) == SECRET


@pytest.mark.parametrize(("text", "message"), [
    ("postgresql://consult:secret@clinic-server/consult_aid", "contains a password"),
    ("postgresql://consult@clinic-server", "names no database"),
    ("postgresql://consult@clinic-server/db?sslmode=sometimes", "sslmode=sometimes"),
    ("postgresql://consult@clinic-server/db?options=-c%20x", "does not know: options"),
    ("postgresql://consult@clinic-server:port/db", "not a number"),
    ("mysql://consult@clinic-server/db", "starts with postgresql://"),
    ("postgresql://consult@clinic-server/" + "d" * 1000, "longer than"),
])
def test_a_bad_address_is_refused_with_what_to_do(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        ServerAddress.parse(text)
    assert "secret" not in str(refused.value)


def test_what_is_shown_of_an_address_has_no_options() -> None:
    address = ServerAddress.parse("postgresql://consult@clinic-server:5433/consult_aid"
                                  "?sslmode=verify-full&sslrootcert=/etc/ca.crt")
    assert address.shown == "postgresql://consult@clinic-server:5433/consult_aid"
    assert address.sslmode == "verify-full"
    assert ServerAddress.parse("postgresql://c@h/d").sslmode == "prefer"  # TLS when offered


def test_a_lost_connection_is_a_calm_error_then_connects_again(pg_url: str) -> None:
    with open_store(ServerAddress.parse(pg_url)) as db:
        assert isinstance(db, PostgresDatabase)
        sign_in_db(db)
        consult = sample_consult()
        save_draft(db, consult, now=NOW)
        pid = db.raw().info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        consult.lifestyle.goals = "Swim again"
        with pytest.raises(ServerUnavailableError, match="was lost"):
            save_draft(db, consult, now=NOW)
        save_draft(db, consult, now=NOW)  # a new connection; nothing else to do
        assert get_consult(db, consult.id).lifestyle.goals == "Swim again"
        assert db.raw().info.backend_pid != pid


def test_the_password_from_the_system_keyring(
        tls_server: ThrowawayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no password file named, the keyring (the ``keyring`` package's; here its plain
    file backend in a folder of the test's, where a PC would use the desktop's keyring)."""
    keyring = pytest.importorskip("keyring")
    monkeypatch.delenv(PASSWORD_FILE_ENV, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    keyring.core.init_backend()
    address = _address(tls_server, "require")
    assert password_for(address) is None  # nothing stored yet
    keyring.set_password("consult-aid", address.shown, SECRET)
    try:
        assert password_for(address) == SECRET
        with open_store(address) as db:
            assert db.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")[0]
    finally:
        keyring.delete_password("consult-aid", address.shown)
        monkeypatch.undo()
        keyring.core.init_backend()
