"""Importing the window after Qt reads no source file of a module loaded before Qt (issue 16:
start-up). PySide6's ``__feature__`` import hook otherwise reads the whole source of each
module an ``import`` statement names, the first time it sees the name, loaded or not
(``typing``, ``logging``, ``datetime``...: ~10 ms before the first paint). Modules imported
after Qt are still looked at by the hook as before.

Each check runs in a fresh interpreter (``sys.modules`` and ``linecache`` of the test process
hold everything the other tests loaded). What PySide6 reads while it is itself imported is not
ours to spare."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, linecache, sys
import consult_aid.cli  # what `consult-aid` loads before the window: typing, logging, ...
import consult_aid.cli.gui, consult_aid.services.settings, consult_aid.services.first_page
before = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
import WHAT
feature = sys.modules["shibokensupport.feature"]
read = sorted(name for name, path in before.items() if path and path in linecache.cache)
print(json.dumps({"read": read, "marks": {name: feature.pyside_feature_dict.get(name) for name
                  in ("typing", "logging", "consult_aid.cli", "consult_aid.ui.main_window")}}))
"""


def probe(what: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE.replace("WHAT", what)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_the_window_modules_are_imported_without_reading_the_modules_loaded_before_qt(
        ) -> None:
    qt_alone = probe("PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets")
    window = probe("consult_aid.ui.app")
    # what PySide6 reads while it is itself imported (enum.py): no more
    assert window["read"] == qt_alone["read"]
    # marked as the hook marks a module that does not use PySide6 (its selection ignored);
    # a window module imported after Qt is looked at by the hook itself, and uses PySide6
    assert window["marks"] == {"typing": -1, "logging": -1, "consult_aid.cli": -1,
                               "consult_aid.ui.main_window": 0}


def test_marking_twice_marks_nothing_new() -> None:
    from consult_aid.ui.app import skip_feature_scan_of_loaded_modules

    skip_feature_scan_of_loaded_modules()
    assert skip_feature_scan_of_loaded_modules() == 0
