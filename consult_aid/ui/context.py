"""What the window needs from the rest of the program, handed in through constructors.

``db`` is the GUI thread's own connection, used only for quick reads (lists, search, opening
one consult); every write goes through ``writer``, the single database writer thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from consult_aid.content import PackCatalog
from consult_aid.datadir import DataFolder
from consult_aid.storage import Database
from consult_aid.ui.settings import UiSettings, save_settings
from consult_aid.ui.worker import DatabaseWriter, TaskRunner


def local_now() -> datetime:
    """Now, in the computer's time zone (signatures and the summary show the offset)."""
    return datetime.now().astimezone()


@dataclass(slots=True)
class AppContext:
    data: DataFolder
    db: Database
    writer: DatabaseWriter
    tasks: TaskRunner
    catalog: PackCatalog
    settings: UiSettings
    clock: Callable[[], datetime] = local_now

    def save_settings(self) -> None:
        save_settings(self.data.settings, self.settings)
