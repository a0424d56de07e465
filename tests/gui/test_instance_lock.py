"""One window per data folder: a second one would overwrite the first one's autosaves."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QApplication

from consult_aid.datadir import DataFolder
from consult_aid.ui.app import LOCK_FILE, acquire_instance_lock, run_app


def test_a_second_window_on_the_same_data_folder_is_refused(data_folder: DataFolder,
                                                            qapp: QApplication) -> None:
    first = acquire_instance_lock(data_folder)
    assert first is not None
    try:
        assert acquire_instance_lock(data_folder) is None
        told: list[str] = []
        name = qapp.applicationName()
        try:
            assert run_app(data_folder, tell=told.append) == 1
        finally:
            qapp.setApplicationName(name)
        assert told == ["Consult Aid is already open for this data folder on this computer; "
                        "switch to that window."]
    finally:
        first.unlock()
    second = acquire_instance_lock(data_folder)
    assert second is not None
    second.unlock()


def test_the_lock_of_a_window_that_crashed_is_taken_over(data_folder: DataFolder,
                                                          qapp: QApplication) -> None:
    lock_path = data_folder.root / LOCK_FILE
    crash = ("import os, sys\n"
             "from PySide6.QtCore import QLockFile\n"
             "lock = QLockFile(sys.argv[1])\n"
             "lock.setStaleLockTime(0)\n"
             "assert lock.tryLock(100)\n"
             "os._exit(0)  # gone without unlocking, as in a crash\n")
    subprocess.run([sys.executable, "-c", crash, str(lock_path)], check=True, timeout=60)
    assert lock_path.is_file()
    lock = acquire_instance_lock(data_folder)
    assert lock is not None
    lock.unlock()
    assert not lock_path.exists()
