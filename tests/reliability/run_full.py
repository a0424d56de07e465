"""The full reliability run (``make reliability``): the whole suite at full size, then its figures
as Markdown tables for docs/RELIABILITY.md.

    python -m tests.reliability.run_full [pytest options]

Writes build/reliability/figures.json (every figure), build/reliability/figures.md (the tables)
and, for a failure, the smallest input of each kind under build/reliability/failures/. Sizes can
be changed with the environment variables listed in tests/reliability/harness.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "reliability"


def main(argv: list[str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / "figures.json"
    if argv == ["--tables-only"]:  # the tables again, from the last run's figures
        tables = markdown(json.loads(report.read_text(encoding="utf-8")), 0)
        (OUT / "figures.md").write_text(tables, encoding="utf-8")
        print(tables)
        return 0
    report.unlink(missing_ok=True)
    env = {**os.environ, "CONSULT_AID_RELIABILITY": "full",
           "CONSULT_AID_RELIABILITY_REPORT": str(report),
           "CONSULT_AID_RELIABILITY_OUT": str(OUT / "failures")}
    start = time.perf_counter()
    code = subprocess.call([sys.executable, "-m", "pytest", "tests/reliability",
                            "-p", "no:cacheprovider", *argv], cwd=ROOT, env=env)
    minutes = (time.perf_counter() - start) / 60
    if report.is_file():
        tables = markdown(json.loads(report.read_text(encoding="utf-8")), minutes)
        (OUT / "figures.md").write_text(tables, encoding="utf-8")
        print(f"\n{tables}\nTables written to {OUT / 'figures.md'}")
    return code


def markdown(figures: dict[str, Any], minutes: float) -> str:
    m = figures["machine"]
    took = f", {minutes:.0f} minutes" if minutes else ""
    out = [f"Run of {m['date']} ({m['mode']}, seed {m['seed']}{took}): "
           f"{m['nproc']} cores, {m['ram']} RAM, Python {m['python']}, SQLite {m['sqlite']}, "
           f"{m['system']}.", ""]
    out += ["| scenario | trials run | survived | killed mid-run | acknowledged changes | "
            "lost | measured run (s) | temp files left |", "| --- | ---: | ---: | ---: | ---: | "
            "---: | ---: | ---: |"]
    total = [0, 0, 0, 0, 0]
    for name, t in figures["trials"].items():
        out.append(f"| {name} | {t['run']} | {t['survived']} | {t['killed_mid_run']} | "
                   f"{t['acknowledged']} | {t['lost']} | {t['duration_s']:.2f} | "
                   f"{t['temp_files_left']} |")
        for i, key in enumerate(("run", "survived", "killed_mid_run", "acknowledged", "lost")):
            total[i] += t[key]
    out.append(f"| **total** | **{total[0]}** | **{total[1]}** | {total[2]} | {total[3]} | "
               f"**{total[4]}** | | |")
    for name, t in figures["trials"].items():
        if t["temp_examples"]:
            out.append(f"\n{name}: temporary files left, e.g. "
                       + ", ".join(f"`{e}`" for e in t["temp_examples"]))
    out += ["", "| target | cases | succeeded | known error | failures (tracebacks / hangs) | "
                "slowest case (s) | peak RSS (MB) | largest rise by one case (MB) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    cases = 0
    for name, f in figures["fuzz"].items():
        cases += f["cases"]
        out.append(f"| {name} | {f['cases']} | {f['succeeded']} | {f['known_errors']} | "
                   f"{f['failures']} ({f['tracebacks']} / {f['hangs']}) | {f['slowest_s']:.2f} "
                   f"| {f['peak_rss_mb']:.0f} | {f['largest_rise_mb']:.0f} |")
    out.append(f"| **total** | **{cases}** | | | | | | |")
    for name, f in figures["fuzz"].items():
        if f["largest_rise_input"]:
            out.append(f"\n{name}: the largest rise came from {f['largest_rise_input']}; the "
                       f"longest known-error message had {f['longest_message']:,} characters; "
                       f"{f['control_messages']} messages held a control character.")
        for kind, path in f["examples"].items():
            out.append(f"- {name} failure `{kind}`: smallest input `{path}`")
    if figures["hostile"]:
        out += ["", "| hostile input | outcome | exit | time (s) | peak RSS (MB) | message |",
                "| --- | --- | ---: | ---: | ---: | --- |"]
        for name, h in figures["hostile"].items():
            message = _clean(h["message"])
            out.append(f"| {name} | {h['outcome']} | {h['exit']} | {h['seconds']:.1f} | "
                       f"{h['peak_rss_mb']:.0f} | {message} |")
    if figures["faults"]:
        out += ["", "| fault | command | exit | what the user is told |",
                "| --- | --- | ---: | --- |"]
        for name, fault in figures["faults"].items():
            counted: dict[tuple[str, int, str], int] = {}
            for r in fault["runs"]:
                key = (_clean(r["command"]), r["exit"], _clean(r["message"]))
                counted[key] = counted.get(key, 0) + 1
            for (cmd, code, message), n in counted.items():
                times = f" (×{n})" if n > 1 else ""
                out.append(f"| {name} | `{cmd}`{times} | {code} | {message} |")
    return "\n".join(out) + "\n"


TEMP = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s:;,)]*")


def _clean(message: str) -> str:
    """One table cell: temporary paths shortened to their last part, consult ids as ID."""
    message = TEMP.sub(lambda m: "…/" + Path(m.group(0)).name, message)
    message = re.sub(r"[0-9a-f]{32}", "ID", message)
    return " / ".join(line.strip() for line in message.splitlines()).replace("|", "\\|")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
