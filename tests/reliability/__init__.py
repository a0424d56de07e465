"""The reliability suite (issue 15, deliverable 8): SIGKILL trials, hypothesis fuzzing and faults.

A fast part runs in ``make test``; the full run is ``make reliability`` (docs/RELIABILITY.md).
"""
