"""A look into an SQLite archive before it is checked and opened (issue 16: start-up).

Read-only (``mode=ro``: nothing written, no migration run), one statement, any doubt answers
"no": the caller then checks and opens the database as every start does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def has_accounts(path: Path) -> bool:
    """True when the database at ``path`` holds at least one account; False when it has none,
    is missing, locked, damaged, or has no accounts table."""
    if not path.is_file():
        return False
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.1,
                              isolation_level=None)
        try:
            row = con.execute("SELECT EXISTS (SELECT 1 FROM accounts)").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return bool(row and row[0])
