"""Qt lives only in consult_aid/ui: the core runs from scripts and tests without a display."""

from __future__ import annotations

import ast
from pathlib import Path

import consult_aid

PACKAGE = Path(consult_aid.__file__).parent


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    qt = {"PySide6", "shiboken6"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in qt]
        elif (isinstance(node, ast.ImportFrom) and node.module
              and node.module.split(".")[0] in qt):
            found.append(node.module)
    return found


def test_no_module_outside_ui_imports_pyside6() -> None:
    offenders = {}
    modules = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]
    assert len(modules) > 10  # the scan really looked at the core
    for path in modules:
        if found := qt_imports(path):
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}


def test_the_scan_detects_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtWidgets import QLabel\nimport PySide6.QtCore\n")
    assert qt_imports(sample) == ["PySide6.QtWidgets", "PySide6.QtCore"]
