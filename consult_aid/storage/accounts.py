"""Accounts and their roles, as stored (the rules about them are in services/accounts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consult_aid.domain.accounts import Account, Role
from consult_aid.storage.database import Database


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """An account with what only the sign-in may read: its hash and its failures."""

    account: Account
    password_hash: str
    failed_attempts: int
    last_failure_at: datetime | None
    locked_until: datetime | None


_COLUMNS = ("id, username, display_name, password_hash, must_change_password, active, "
            "failed_attempts, last_failure_at, locked_until")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class AccountRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM accounts")
        return int(row[0]) if row else 0

    def _roles(self, account_id: int) -> frozenset[Role]:
        rows = self.db.query("SELECT role FROM account_roles WHERE account_id = ?", (account_id,))
        return frozenset(Role(r[0]) for r in rows)

    def _stored(self, row: tuple[object, ...]) -> StoredAccount:
        account_id = int(str(row[0]))
        account = Account(account_id, str(row[1]), str(row[2]), self._roles(account_id),
                          active=bool(row[5]), must_change_password=bool(row[4]))
        return StoredAccount(account, str(row[3]), int(str(row[6])),
                             _time(row[7] if isinstance(row[7], str) else None),
                             _time(row[8] if isinstance(row[8], str) else None))

    def find(self, username: str) -> StoredAccount | None:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM accounts WHERE username = ?",
                                (username.lower(),))
        return None if row is None else self._stored(row)

    def all(self) -> list[Account]:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM accounts ORDER BY username")
        return [self._stored(r).account for r in rows]

    def add(self, username: str, display_name: str, roles: frozenset[Role], password_hash: str,
            *, now: datetime, must_change_password: bool = False) -> Account:
        with self.db.transaction() as con:
            row = con.execute(
                "INSERT INTO accounts(username, display_name, password_hash, "
                "must_change_password, created_at, password_changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (username.lower(), display_name, password_hash, int(must_change_password),
                 now.isoformat(), now.isoformat())).fetchone()
            account_id = int(row[0]) if row else 0
            con.executemany("INSERT INTO account_roles(account_id, role) VALUES (?, ?)",
                            [(account_id, r.value) for r in sorted(roles)])
        return Account(account_id, username.lower(), display_name, roles,
                       must_change_password=must_change_password)

    def set_password(self, account_id: int, password_hash: str, *, now: datetime,
                     must_change: bool) -> None:
        """A new password: failures and any lockout are cleared with it."""
        with self.db.transaction() as con:
            con.execute("UPDATE accounts SET password_hash = ?, must_change_password = ?, "
                        "password_changed_at = ?, failed_attempts = 0, last_failure_at = NULL, "
                        "locked_until = NULL WHERE id = ?",
                        (password_hash, int(must_change), now.isoformat(), account_id))

    def rehash(self, account_id: int, password_hash: str) -> None:
        """The same password under today's hashing parameters."""
        with self.db.transaction() as con:
            con.execute("UPDATE accounts SET password_hash = ? WHERE id = ?",
                        (password_hash, account_id))

    def record_failure(self, account_id: int, *, at: datetime,
                       locked_until: datetime | None) -> int:
        """One more failed sign-in in a row; returns how many there are now."""
        with self.db.transaction() as con:
            con.execute("UPDATE accounts SET failed_attempts = failed_attempts + 1, "
                        "last_failure_at = ?, locked_until = ? WHERE id = ?",
                        (at.isoformat(), None if locked_until is None
                         else locked_until.isoformat(), account_id))
            row = con.execute("SELECT failed_attempts FROM accounts WHERE id = ?",
                              (account_id,)).fetchone()
        return int(row[0])

    def record_success(self, account_id: int) -> None:
        with self.db.transaction() as con:
            con.execute("UPDATE accounts SET failed_attempts = 0, last_failure_at = NULL, "
                        "locked_until = NULL WHERE id = ?", (account_id,))

    def set_active(self, account_id: int, active: bool) -> None:
        with self.db.transaction() as con:
            con.execute("UPDATE accounts SET active = ? WHERE id = ?", (int(active), account_id))

    def set_roles(self, account_id: int, roles: frozenset[Role]) -> None:
        with self.db.transaction() as con:
            con.execute("DELETE FROM account_roles WHERE account_id = ?", (account_id,))
            con.executemany("INSERT INTO account_roles(account_id, role) VALUES (?, ?)",
                            [(account_id, r.value) for r in sorted(roles)])

    def active_administrators(self) -> int:
        row = self.db.query_one(
            "SELECT count(*) FROM accounts a JOIN account_roles r ON r.account_id = a.id "
            "WHERE a.active = 1 AND r.role = 'administrator'")
        return int(row[0]) if row else 0
