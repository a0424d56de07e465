"""Regression: PySide6 6.12.0 on CPython 3.11 aborted after a few thousand void Qt calls.

Each call of a Qt method returning nothing dropped one reference to None ("Fatal Python error:
none_dealloc"), often only at exit. Run the calls in a fresh interpreter and require a clean
exit and a stable reference count of None.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication([])
    label = QLabel()
    before = sys.getrefcount(None)
    for i in range(20000):
        label.setText(str(i))      # void
        label.update()             # void
    app.processEvents()            # void
    after = sys.getrefcount(None)
    print(after - before)
""")


def test_void_qt_calls_keep_the_process_healthy() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "none_dealloc" not in done.stderr
    delta = int(done.stdout.strip().splitlines()[-1])
    assert abs(delta) < 100, f"None's reference count drifted by {delta} over 40,000 calls"
