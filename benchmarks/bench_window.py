"""Window cost: start-up and opening a consult, against a bare QMainWindow in the same run.

Baseline: construct, show and paint an empty QMainWindow (what any Qt program pays).
Measured: build the context (open the database, load the packs, start the writer), construct
and show the main window, then open a full consult and show its benefits-and-risks page.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtWidgets import QApplication, QMainWindow
from timing import measure, report

from consult_aid.datadir import DataFolder
from consult_aid.services.consults import start_consult
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.app import build_context, close_context
from consult_aid.ui.main_window import MainWindow
from tests.builders import NOW, sample_clinician, sample_patient


def main() -> None:
    app = QApplication.instance() or QApplication([])
    root = Path(tempfile.mkdtemp(prefix="bench-window-"))
    data = DataFolder(root / "data").ensure()

    def show_paint_close(w: QMainWindow) -> None:
        w.resize(1280, 800)
        w.show()
        app.processEvents()
        w.grab()
        w.close()
        w.deleteLater()
        app.processEvents()

    def bare() -> None:
        show_paint_close(QMainWindow())

    ctx = build_context(data)
    clinician = ClinicianRepository(ctx.db).save(sample_clinician())
    consult = start_consult(ctx.db, sample_patient(), clinician,
                            ctx.catalog.get("intrathecal-pump"), NOW)
    close_context(ctx)

    def start_up() -> None:
        c = build_context(data)
        show_paint_close(MainWindow(c))
        close_context(c)

    ctx = build_context(data)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()

    def open_consult() -> None:
        window.open_consult(consult.id)
        window.consult_view.session.go_to("benefits_risks")
        app.processEvents()
        window.grab()
        window.consult_view.session.go_to("patient")
        app.processEvents()

    base = measure(bare, repeat=20)
    report("baseline: bare QMainWindow shown and painted", base)
    report("start-up: context + main window shown", measure(start_up, repeat=10), base)
    report("open a consult + benefits/risks page painted", measure(open_consult, repeat=10),
           base)
    window.close()
    close_context(ctx)


if __name__ == "__main__":
    main()
