"""Which page a window start can paint before the data folder is checked and opened (issue 16:
start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consult_aid.storage.peek import has_accounts

if TYPE_CHECKING:
    from consult_aid.datadir import DataFolder


def opens_at_sign_in(data: DataFolder, *, read_only: bool = False) -> bool:
    """Whether a start can show the sign-in page before the data folder is checked and opened:
    an SQLite data folder, opened to write, whose database has accounts.

    Anything unexpected (no database, a damaged or locked one, no accounts table) answers
    False, and the start checks and opens the folder before its first paint, as every other
    start does. The answer only picks the first page: the check still runs, and gates the
    sign-in (:meth:`consult_aid.ui.main_window.MainWindow.attach`)."""
    if read_only or data.server is not None:
        return False
    return has_accounts(data.database)
