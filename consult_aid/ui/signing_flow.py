"""Preview, sign and print for the open consult, with the long work off the GUI thread.

- Preview: the summary PDF is rendered on a worker thread and shown in the window.
- Sign: the clinician's password is asked, the latest state is saved, the session becomes
  read-only (busy), and ``sign_and_archive`` runs on the database writer thread (after any
  pending autosave, in order). On success the session takes the stored record (locked) and the
  signed PDF is shown; on failure editing is possible again. One signing at a time.
- Addendum (signed consults only): a dialog for the text and author, the password, then
  ``services.addenda.add_addendum`` on the writer thread; the session takes the stored record.
- Print: the system print dialog, then the pages are painted on a worker thread.
- Archived PDFs are read on the writer thread (its own connection), never on the GUI thread.

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

from consult_aid.domain import Consult
from consult_aid.errors import KnownError
from consult_aid.storage.consults import ConsultRepository
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.addendum_dialog import AddendumDialog
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
        parent, parent.tr("Signing password"),
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
    """Signals: ``signed()`` after the consult was signed and archived; ``amended()`` after an
    addendum was added; ``busy(str)`` with what is running ("" when idle); ``printed(int)`` with
    the page count."""

    signed = Signal()
    amended = Signal()
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
        self.signing = False  # a signature is being made (sign or addendum): one at a time
        self.addendum_dialog: AddendumDialog | None = None

    # --- preview ------------------------------------------------------------------------------
    def preview(self) -> None:
        if self.session.consult.is_locked:
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

    def _read_summary(self, then: Callable[[bytes], object]) -> None:
        """The archived summary PDF, read on the writer thread, handed to ``then``."""
        consult_id = self.session.consult.id
        self.ctx.writer.submit(lambda db: ConsultRepository(db).document(consult_id), then,
                               self._failed)

    def show_signed(self) -> None:
        self.busy.emit(self.parent_widget.tr("Opening the signed summary…"))
        self._read_summary(self._show_signed_pdf)

    def _show_signed_pdf(self, data: bytes) -> PdfPreviewDialog:
        return self._open(data, self.parent_widget.tr("Signed summary"),
                          self.parent_widget.tr("The signed summary as archived. It cannot be "
                                                "changed."))

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
        if self.signing or self.session.read_only:
            return  # already signing (a second click), or signed
        if blocking_items(consult, pack):
            show_error(self.parent_widget, KnownError(
                "Some items are still open; they are listed on the review page."))
            return
        self.signing = True
        password = self.ask_password(self.parent_widget)
        if password is None:
            self.signing = False
            return
        self.flush()
        # From here until the result is back the consult cannot be edited: what is signed is
        # exactly what was on the screen.
        self.session.set_busy(True)
        snapshot = copy.deepcopy(consult)
        data, paper, now = self.ctx.data, self.paper, self.ctx.clock()

        def work(db: Any) -> tuple[Consult, bytes]:
            from consult_aid.services.signing import sign_and_archive
            from consult_aid.signing.identity import load_identity

            identity = load_identity(data.identity)
            sign_and_archive(db, data, snapshot, pack, identity, password, now, paper)
            repo = ConsultRepository(db)
            return repo.get(snapshot.id), repo.document(snapshot.id)

        self.busy.emit(self.parent_widget.tr("Signing and archiving…"))
        self.ctx.writer.submit(work, self._signed, self._sign_failed)

    def _signed(self, result: tuple[Consult, bytes]) -> None:
        stored, pdf = result
        self.signing = False
        self.busy.emit("")
        self.session.replace_consult(stored)  # the record as stored, locked; pages reload
        self.session.set_busy(False)
        self.signed.emit()
        self._show_signed_pdf(pdf)

    def _sign_failed(self, error: BaseException) -> None:
        self.signing = False
        self.session.set_busy(False)  # editable again
        self._failed(error)

    # --- addendum -----------------------------------------------------------------------------
    def add_addendum(self) -> None:
        """Open the addendum dialog for the signed consult shown."""
        if not self.session.consult.is_locked or self.signing:
            return
        if self.addendum_dialog is not None:
            self.addendum_dialog.raise_()
            return
        clinician = ClinicianRepository(self.ctx.db).current()
        author = clinician.name if clinician is not None else self.session.consult.clinician.name
        dialog = AddendumDialog(author, self.parent_widget)
        dialog.submitted.connect(self._addendum_submitted)
        dialog.finished.connect(lambda _r: self._addendum_closed(dialog))
        self.addendum_dialog = dialog
        dialog.open()

    def _addendum_closed(self, dialog: AddendumDialog) -> None:
        if self.addendum_dialog is dialog:
            self.addendum_dialog = None
        dialog.deleteLater()

    def _addendum_submitted(self, author: str, text: str) -> None:
        dialog = self.addendum_dialog
        if dialog is None or self.signing:
            return
        password = self.ask_password(dialog)
        if password is None:
            return
        self.signing = True
        dialog.set_busy(True)
        data, now, consult_id = self.ctx.data, self.ctx.clock(), self.session.consult.id

        def work(db: Any) -> Consult:
            from consult_aid.services.addenda import add_addendum
            from consult_aid.signing.identity import load_identity

            add_addendum(db, data, consult_id, author=author, text=text, now=now,
                         identity=load_identity(data.identity), password=password)
            return ConsultRepository(db).get(consult_id)

        self.busy.emit(self.parent_widget.tr("Signing the addendum…"))
        self.ctx.writer.submit(work, self._amended, self._addendum_failed)

    def _amended(self, stored: Consult) -> None:
        self.signing = False
        self.busy.emit("")
        if self.addendum_dialog is not None:
            self.addendum_dialog.set_busy(False)
            self.addendum_dialog.accept()
        self.session.replace_consult(stored)
        self.amended.emit()

    def _addendum_failed(self, error: BaseException) -> None:
        self.signing = False
        self.busy.emit("")
        dialog = self.addendum_dialog
        if dialog is not None:
            dialog.set_busy(False)
        show_error(dialog or self.parent_widget, error)

    # --- print --------------------------------------------------------------------------------
    def print_summary(self) -> None:
        self._read_summary(self.print_bytes)

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
