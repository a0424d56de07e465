"""The layers point one way: Qt lives only in consult_aid/ui, and the window reaches the
database, the signing keys, the PDF renderer and the JSON form only through the services
(``ui`` may import ``services``, ``domain`` and ``content``, never ``storage``, ``signing``,
``report`` or ``exchange``)."""

from __future__ import annotations

import ast
from pathlib import Path

import consult_aid

PACKAGE = Path(consult_aid.__file__).parent


def package_of(path: Path) -> str:
    return ".".join(("consult_aid", *path.relative_to(PACKAGE).parent.parts))


def imported_modules(text: str, package: str) -> list[str]:
    """Every module an import statement names, and module.name for each name it imports
    (``from consult_aid import storage`` names ``consult_aid.storage``); relative imports are
    resolved against ``package``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append(module)
            found += [f"{module}.{a.name}" for a in node.names]
    return found


def qt_imports(text: str, package: str = "consult_aid") -> list[str]:
    return [m for m in imported_modules(text, package)
            if m.split(".")[0] in {"PySide6", "shiboken6"}]


BEHIND_SERVICES = ("storage", "signing", "report", "exchange")


def storage_imports(text: str, package: str) -> list[str]:
    """Imports of the packages the window must reach only through services."""
    found = set()
    for m in imported_modules(text, package):
        for name in BEHIND_SERVICES:
            if m == f"consult_aid.{name}" or m.startswith(f"consult_aid.{name}."):
                found.add(m)
    return sorted(found)


def test_no_module_outside_ui_imports_pyside6() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]
    assert len(modules) > 10  # the scan really looked at the core
    offenders = {str(p.relative_to(PACKAGE)): found for p in modules
                 if (found := qt_imports(p.read_text(encoding="utf-8"), package_of(p)))}
    assert offenders == {}


def test_the_window_reaches_storage_only_through_services() -> None:
    modules = list((PACKAGE / "ui").rglob("*.py"))
    assert len(modules) > 20  # the scan really looked at the window
    offenders = {str(p.relative_to(PACKAGE)): found for p in modules
                 if (found := storage_imports(p.read_text(encoding="utf-8"), package_of(p)))}
    assert offenders == {}


def test_the_scan_detects_a_qt_import() -> None:
    text = "from PySide6.QtWidgets import QLabel\nimport PySide6.QtCore\n"
    assert {"PySide6.QtWidgets", "PySide6.QtCore"} <= set(qt_imports(text))


def test_the_scan_detects_a_storage_import_in_any_form() -> None:
    for text in ("from consult_aid.storage.consults import ConsultRepository\n",
                 "import consult_aid.storage.database\n",
                 "from consult_aid import storage\n",
                 "from ..storage import open_database\n",
                 "def later():\n    from consult_aid.storage import Database\n",
                 "from consult_aid.signing.identity import load_identity\n",
                 "from consult_aid.report.summary import render_summary\n"):
        assert storage_imports(text, "consult_aid.ui"), text
    assert storage_imports("from ..services import consults\n", "consult_aid.ui") == []
