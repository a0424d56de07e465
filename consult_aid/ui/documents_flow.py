"""Preview and print for the open consult, with the long work off the GUI thread.

- Preview: the unsigned summary is rendered on the task pool and shown in the window; a signed
  consult shows its archived PDF instead (read on the writer thread, checked on read).
- Print: the system print dialog, then the pages are painted on the task pool.
- Patient handout: rendered on the task pool, shown, printable from the preview.

Signals: ``busy(str)`` with what is running ("" when idle); ``printed(int)`` with the number of
pages sent to the printer.

The PDF stack (reportlab through :mod:`consult_aid.services.documents`, QtPdf, QtPrintSupport)
is imported when a document is first made or shown, on the task pool where it renders, not
when the window starts (issue 16).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from consult_aid.services.access import PRINTED, record_failed, record_previewed, record_printed
from consult_aid.services.consults import signed_summary
from consult_aid.services.store import Store
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import ChoosePrinter, default_paper
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import BackgroundOp, WriteOp
from consult_aid.ui.session import ConsultSession

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from consult_aid.content import Pack
    from consult_aid.domain import Consult
    from consult_aid.ui.pdf_preview import PdfPreviewDialog


def summary_preview(consult: Consult, pack: Pack, paper: str) -> bytes:
    from consult_aid.services.documents import summary_preview

    return summary_preview(consult, pack, paper)


def consult_handout(consult: Consult, pack: Pack, paper: str, *, carer: bool) -> bytes:
    from consult_aid.services.documents import consult_handout

    return consult_handout(consult, pack, paper, carer=carer)


class DocumentActions(QObject):
    busy = Signal(str)
    printed = Signal(int)

    def __init__(self, ctx: AppContext, session: ConsultSession, parent_widget: QWidget, *,
                 printer: ChoosePrinter) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.session = session
        self.parent_widget = parent_widget
        self.choose_printer = printer
        # the paper chosen in the settings, else the computer's locale (A4 or US Letter)
        self.paper = ctx.settings.paper or default_paper()
        self.dialogs: list[PdfPreviewDialog] = []  # the previews open now
        self._printer: QPrinter | None = None  # kept alive while a job runs

    @property
    def printing(self) -> bool:
        """A print job is running (one at a time)."""
        return self._printer is not None

    # --- preview ------------------------------------------------------------------------------
    def preview(self) -> None:
        if self.session.consult.is_locked:
            self.show_signed()
            return
        consult = copy.deepcopy(self.session.consult)
        pack, paper = self.session.pack, self.paper
        self.busy.emit(self.tr("Preparing the preview…"))
        BackgroundOp(self.parent_widget, lambda: summary_preview(consult, pack, paper)) \
            .success(lambda data: self.open_pdf(
                data, self.tr("Summary preview — not signed"),
                self.tr("This is a preview. The signed summary is made when the consult is "
                         "signed."), what="summary preview")) \
            .failure(self._failed).run_in_background(self.ctx.tasks)

    def read_summary(self, then: Callable[[bytes], object]) -> None:
        """The archived summary PDF, read on the writer thread, handed to ``then``."""
        consult_id = self.session.consult.id
        WriteOp(self.parent_widget, lambda db: signed_summary(db, consult_id)) \
            .success(then).failure(self._failed).run_in_background(self.ctx.writer)

    def show_signed(self) -> None:
        self.busy.emit(self.tr("Opening the signed summary…"))
        self.read_summary(self.show_signed_pdf)

    def show_signed_pdf(self, data: bytes) -> PdfPreviewDialog:
        return self.open_pdf(data, self.tr("Signed summary"),
                             self.tr("The signed summary as archived. It cannot be changed."),
                             what="signed summary")

    def open_pdf(self, data: bytes, title: str, note: str, *,
                 what: str = "summary") -> PdfPreviewDialog:
        """Show ``data`` in a preview window; the showing and any printing from it are on
        the audit trail (``what`` names the document, never its content)."""
        from consult_aid.ui.pdf_preview import PdfPreviewDialog

        self.busy.emit("")
        self._record(lambda db, consult_id: record_previewed(db, consult_id, what))
        dialog = PdfPreviewDialog(title, note, data, self.parent_widget)
        dialog.print_requested.connect(lambda: self.print_bytes(data, what=what))
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def close_all(self) -> None:
        """The consult is being left: its previews go with it."""
        for dialog in list(self.dialogs):
            dialog.close()

    # --- print --------------------------------------------------------------------------------
    def print_summary(self) -> None:
        self.read_summary(lambda data: self.print_bytes(data, what="signed summary"))

    def print_handout(self, carer: bool = False) -> None:
        """The handout for this patient (their plan, the clinic's numbers), or with ``carer``
        the carers' sheet; once printed, the draft records it as given (title, version,
        time)."""
        consult, pack, paper = copy.deepcopy(self.session.consult), self.session.pack, self.paper
        self.busy.emit(self.tr("Preparing the handout…"))
        BackgroundOp(self.parent_widget,
                     lambda: consult_handout(consult, pack, paper, carer=carer)) \
            .success(lambda data: self._show_handout(data, carer)).failure(self._failed) \
            .run_in_background(self.ctx.tasks)

    def print_carer_handout(self) -> None:
        self.print_handout(carer=True)

    def _show_handout(self, data: bytes, carer: bool = False) -> PdfPreviewDialog:
        title = self.tr("Handout for carers") if carer else self.tr("Patient handout")
        # a signed record is never edited: printing the handout again records nothing there
        note = (self.tr("To take home. The signed record does not change when it is printed "
                        "again.") if self.session.consult.is_locked
                else self.tr("To take home. Printing it records it as given in the consult."))
        what = "carers' handout" if carer else "handout"
        dialog = self.open_pdf(data, title, note, what=what)
        dialog.print_requested.disconnect()
        dialog.print_requested.connect(
            lambda: self.print_bytes(data, lambda: self.handout_printed(carer), what=what))
        return dialog

    def handout_printed(self, carer: bool = False) -> None:
        session = self.session
        if session.database_read_only:
            return  # printed, but not recorded: nothing is written read-only
        from consult_aid.services.documents import record_handout_given

        if record_handout_given(session.consult, session.pack, session.clock(), carer=carer):
            session.edited()

    def print_bytes(self, data: bytes, then: Callable[[], object] | None = None, *,
                    what: str = "summary") -> None:
        if self._printer is not None:
            return  # one print job at a time
        from PySide6.QtPrintSupport import QPrinter

        from consult_aid.ui.printing import paper_page_size, print_pdf

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(paper_page_size(self.paper))
        if not self.choose_printer(self.parent_widget, printer):
            return
        self._printer = printer
        self.busy.emit(self.tr("Printing…"))
        BackgroundOp(self.parent_widget, lambda: print_pdf(data, printer)) \
            .success(lambda pages: self._printed(pages, then, what)) \
            .failure(lambda exc: self._print_failed(exc, what)) \
            .run_in_background(self.ctx.tasks)

    def _record(self, write: Callable[[Store, str], object]) -> None:
        """An audit entry about this consult, written on the writer thread (not read-only)."""
        if self.session.database_read_only:
            return
        consult_id = self.session.consult.id
        WriteOp(self.parent_widget, lambda db: write(db, consult_id)) \
            .failure(lambda exc: log.warning("access not recorded: %s", type(exc).__name__)) \
            .run_in_background(self.ctx.writer)

    def _print_failed(self, error: BaseException, what: str) -> None:
        self._record(lambda db, consult_id: record_failed(db, PRINTED, error,
                                                          consult_id=consult_id))
        self._failed(error)

    def _printed(self, pages: int, then: Callable[[], object] | None = None,
                 what: str = "summary") -> None:
        self._printer = None
        self.busy.emit("")
        self._record(lambda db, consult_id: record_printed(db, consult_id,
                                                           f"{what}; {pages} pages"))
        if then is not None:
            then()
        self.printed.emit(pages)

    def _failed(self, error: BaseException) -> None:
        self._printer = None
        self.busy.emit("")
        show_error(self.parent_widget, error)
