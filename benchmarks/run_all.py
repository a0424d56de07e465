"""Run every benchmark in this folder (bench_*.py), one process each, and print their output.

Each benchmark prints ratios against a baseline measured in the same run, so figures from
different machines compare. Record results in docs/PERFORMANCE.md with the machine.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "PYTHONPATH": str(HERE.parent)}
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.stem} ==", flush=True)
        done = subprocess.run([sys.executable, str(script)], env=env, check=False)
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
