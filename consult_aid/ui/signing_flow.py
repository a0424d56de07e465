"""Preview, sign and print for the open consult, with the long work off the GUI thread.

- Preview: the summary PDF is rendered on a worker thread and shown in the window.
- Sign: the clinician's password is asked, the latest state is saved, and
  ``sign_and_archive`` runs on the database writer thread (after any pending autosave, in
  order). The consult then reloads from the database, locked, and the signed PDF is shown.
- Print: the system print dialog, then the pages are painted on a worker thread.

Dialogs that ask something (password, printer) are injected so tests can answer them.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale, QObject, Signal
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from consult_aid.errors import KnownError
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.context import AppContext
from consult_aid.ui.errors import show_error
from consult_aid.ui.pdf_preview import PdfPreviewDialog
from consult_aid.ui.printing import paper_page_size, print_pdf
from consult_aid.ui.session import ConsultSession

log = logging.getLogger(__name__)

AskPassword = Callable[[QWidget], str | None]
ChoosePrinter = Callable[[QWidget, QPrinter], bool]


def ask_password(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(
        parent, parent.tr("Sign the consult"),
        parent.tr("Your signing password (it unlocks your signing key):"),
        QLineEdit.EchoMode.Password)
    return text if ok and text else None


def choose_printer(parent: QWidget, printer: QPrinter) -> bool:
    dialog = QPrintDialog(printer, parent)
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


def default_paper() -> str:
    return "letter" if QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem \
        else "a4"


class SigningFlow(QObject):
    """Signals: ``signed()`` after the consult was signed and archived; ``busy(str)`` with what
    is running ("" when idle); ``printed(int)`` with the page count."""

    signed = Signal()
    busy = Signal(str)
    printed = Signal(int)

    def __init__(self, ctx: AppContext, session: ConsultSession, parent_widget: QWidget, *,
                 password: AskPassword = ask_password, printer: ChoosePrinter = choose_printer,
                 flush: Callable[[], None] = lambda: None) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.session = session
        self.parent_widget = parent_widget
        self.ask_password = password
        self.choose_printer = printer
        self.flush = flush
        self.paper = default_paper()
        self.dialogs: list[PdfPreviewDialog] = []
        self._printer: QPrinter | None = None  # kept alive while a job runs

    # --- preview ------------------------------------------------------------------------------
    def preview(self) -> None:
        if self.session.read_only:
            self.show_signed()
            return
        from consult_aid.report.summary import render_summary

        consult = copy.deepcopy(self.session.consult)
        pack, paper = self.session.pack, self.paper
        self.busy.emit(self.parent_widget.tr("Preparing the preview…"))
        self.ctx.tasks.run(lambda: render_summary(consult, pack, paper=paper),
                           lambda data: self._open(
                               data, self.parent_widget.tr("Summary preview — not signed"),
                               self.parent_widget.tr("This is a preview. The signed summary is "
                                                     "made when the consult is signed.")),
                           self._failed)

    def show_signed(self) -> None:
        data = ConsultRepository(self.ctx.db).document(self.session.consult.id)
        self._open(data, self.parent_widget.tr("Signed summary"),
                   self.parent_widget.tr("The signed summary as archived. It cannot be changed."))

    def _open(self, data: bytes, title: str, note: str) -> PdfPreviewDialog:
        self.busy.emit("")
        dialog = PdfPreviewDialog(title, note, data, self.parent_widget)
        dialog.print_requested.connect(lambda: self.print_bytes(data))
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    # --- sign ---------------------------------------------------------------------------------
    def sign(self) -> None:
        from consult_aid.services.review import blocking_items

        consult, pack = self.session.consult, self.session.pack
        if consult.is_locked:
            return
        if blocking_items(consult, pack):
            show_error(self.parent_widget, KnownError(
                "Some items are still open; they are listed on the review page."))
            return
        password = self.ask_password(self.parent_widget)
        if password is None:
            return
        self.flush()
        snapshot = copy.deepcopy(consult)
        data, paper, now = self.ctx.data, self.paper, self.ctx.clock()

        def work(db: Any) -> object:
            from consult_aid.services.signing import sign_and_archive
            from consult_aid.signing.identity import load_identity

            identity = load_identity(data.identity)
            return sign_and_archive(db, data, snapshot, pack, identity, password, now, paper)

        self.busy.emit(self.parent_widget.tr("Signing and archiving…"))
        self.ctx.writer.submit(work, self._signed, self._failed)

    def _signed(self, _result: object) -> None:
        self.busy.emit("")
        stored = ConsultRepository(self.ctx.db).get(self.session.consult.id)
        consult = self.session.consult
        consult.status, consult.signed_at = stored.status, stored.signed_at
        consult.pdf_sha256, consult.signatures = stored.pdf_sha256, stored.signatures
        self.signed.emit()
        self.show_signed()

    # --- print --------------------------------------------------------------------------------
    def print_summary(self) -> None:
        self.print_bytes(ConsultRepository(self.ctx.db).document(self.session.consult.id))

    def print_handout(self) -> None:
        from consult_aid.report.handout import render_handout

        clinician = self.session.consult.clinician
        pack, paper = self.session.pack, self.paper
        self.busy.emit(self.parent_widget.tr("Preparing the handout…"))
        self.ctx.tasks.run(
            lambda: render_handout(pack, clinic=clinician.clinic,
                                   clinic_phone=clinician.clinic_phone, paper=paper),
            lambda data: self._open(data, self.parent_widget.tr("Patient handout"),
                                    self.parent_widget.tr("For the patient to take home.")),
            self._failed)

    def print_bytes(self, data: bytes) -> None:
        if self._printer is not None:
            return  # one print job at a time
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(paper_page_size(self.paper))
        if not self.choose_printer(self.parent_widget, printer):
            return
        self._printer = printer
        self.busy.emit(self.parent_widget.tr("Printing…"))
        self.ctx.tasks.run(lambda: print_pdf(data, printer), self._printed, self._failed)

    def _printed(self, pages: int) -> None:
        self._printer = None
        self.busy.emit("")
        self.printed.emit(pages)

    def _failed(self, error: BaseException) -> None:
        self._printer = None
        self.busy.emit("")
        show_error(self.parent_widget, error)
