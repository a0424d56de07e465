"""A signed consult's record, opened from the archive: the archived signed PDF in the window
(QtPdf), its addenda beside it, and what a clinic does with a record — reprint it, print the
patient handout, export a copy (JSON + signed PDFs) to a folder, export it for the EHR (FHIR,
when the program has it), add an addendum. The record itself is never edited here.

Signals: ``back_requested()`` (back to the archive), ``open_requested(str)`` with the consult id
(open it read-only in the consult view), ``busy(str)`` with what is running ("" when idle),
``printed(int)`` with the pages sent to the printer.

Keyboard: Alt+R reprint, Alt+H handout, Alt+X export a copy, Alt+E export for the EHR, Alt+A
add an addendum, Alt+C the consult view, Alt+B (or Escape) back to the archive; the PDF and
the addenda list are in the Tab order.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import Consult
from consult_aid.domain.accounts import Permission
from consult_aid.files import write_atomically
from consult_aid.services import consults
from consult_aid.services.store import Store
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import ChooseFolder, ChoosePrinter, Dialogs
from consult_aid.ui.documents_flow import DocumentActions
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.pdf_preview import PdfPreview
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.signing_flow import SigningFlow

FHIR_MODULE = "consult_aid.services.fhir"


def choose_export_folder(parent: QWidget) -> Path | None:
    """The system folder picker: where to put a copy of the record."""
    chosen = QFileDialog.getExistingDirectory(
        parent, parent.tr("Export a copy of the record into which folder?"), str(Path.home()))
    return Path(chosen) if chosen else None


def fhir_available() -> bool:
    """The FHIR export is part of this program (``services.fhir.export_fhir``)."""
    try:
        if importlib.util.find_spec(FHIR_MODULE) is None:
            return False
        return hasattr(importlib.import_module(FHIR_MODULE), "export_fhir")
    except ImportError:
        return False


class RecordView(QWidget):
    back_requested = Signal()
    open_requested = Signal(str)
    busy = Signal(str)
    printed = Signal(int)

    def __init__(self, ctx: AppContext, dialogs: Dialogs | None = None, *,
                 choose_folder: ChooseFolder = choose_export_folder,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        dialogs = dialogs or Dialogs()
        self.choose_printer: ChoosePrinter = dialogs.printer
        self.ask_password = dialogs.password
        self.choose_folder = choose_folder  # injectable: tests answer it
        self.session: ConsultSession | None = None
        self.documents: DocumentActions | None = None
        self.signing: SigningFlow | None = None
        self.exported: list[Path] = []  # the files the latest export wrote
        self.shown_pdf_of = ""  # the consult whose signed PDF is shown
        self._no_pdf = QPdfDocument(self)
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.details = QLabel(self)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setWordWrap(True)
        self.note = QLabel(self.tr("The signed record as archived. It cannot be changed; add an "
                                   "addendum to correct or complete it."), self)
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.preview = PdfPreview(self)
        self.preview.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.preview.view.setAccessibleName(self.tr("Signed record"))
        addenda_title = QLabel(self.tr("Addenda"), self)
        addenda_title.setObjectName("sectionTitle")
        self.addenda = QListWidget(self)
        self.addenda.setAccessibleName(self.tr("Addenda"))
        self.addenda.setWordWrap(True)
        self.addenda.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.addenda.setSpacing(4)
        self.no_addenda = QLabel(self.tr("No addenda."), self)
        self.no_addenda.setObjectName("hint")
        self.message = QLabel(self)
        self.message.setObjectName("hint")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.reprint_button = QPushButton(self.tr("&Reprint the record…"), self)
        self.reprint_button.setObjectName("primary")
        self.handout_button = QPushButton(self.tr("Print the &handout…"), self)
        self.export_button = QPushButton(self.tr("E&xport a copy…"), self)
        self.fhir_button = QPushButton(self.tr("Export for the &EHR (FHIR)…"), self)
        self.addendum_button = QPushButton(self.tr("&Add an addendum…"), self)
        self.consult_button = QPushButton(self.tr("Open in the &consult view"), self)
        self.back_button = QPushButton(self.tr("← &Back to the archive"), self)
        self.reprint_button.clicked.connect(self.reprint)
        self.handout_button.clicked.connect(self.print_handout)
        self.export_button.clicked.connect(self.export_copy)
        self.fhir_button.clicked.connect(self.export_fhir)
        self.addendum_button.clicked.connect(self.add_addendum)
        self.consult_button.clicked.connect(self._open_consult)
        self.back_button.clicked.connect(self.back_requested)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        side = QFrame(self)
        column = QVBoxLayout(side)
        column.setContentsMargins(16, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(self.details)
        column.addSpacing(8)
        for button in (self.reprint_button, self.handout_button, self.export_button,
                       self.fhir_button, self.addendum_button, self.consult_button):
            column.addWidget(button)
        column.addWidget(self.message)
        column.addSpacing(12)
        column.addWidget(addenda_title)
        column.addWidget(self.no_addenda)
        self.addenda.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.addenda.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustIgnored)
        column.addWidget(self.addenda, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.preview)
        # with larger text on a small screen the side column scrolls rather than squeezes
        side_scroll = QScrollArea(self)
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setMaximumWidth(540)
        side_scroll.setWidget(side)
        # the addenda list takes the height left: it never asks for more than its minimum
        self.addenda.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([780, 460])
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.back_button)
        bottom.addStretch(1)
        layout.addLayout(bottom)
        self.setTabOrder(self.back_button, self.preview.view)

    # --- showing a record ---------------------------------------------------------------------
    @property
    def consult(self) -> Consult | None:
        return self.session.consult if self.session is not None else None

    def show_record(self, consult: Consult) -> bool:
        """Show ``consult`` (a signed one, as stored): its details and addenda now, its signed
        PDF once read (on the writer thread, checked on read). False, and a message, when its
        pack cannot be found."""
        try:
            pack = self.ctx.catalog.find(consult.pack.id, consult.pack.version,
                                         consult.pack.content_hash)
        except Exception as exc:  # a KnownError (missing pack) or a bug
            show_error(self, exc)
            return False
        self.leave()
        session = ConsultSession(consult, pack, self.ctx.clock,
                                 database_read_only=self.ctx.read_only)
        documents = DocumentActions(self.ctx, session, self, printer=self.choose_printer)
        signing = SigningFlow(self.ctx, session, documents, self, password=self.ask_password,
                              flush=lambda: None)
        for child in (session, documents, signing):
            child.setParent(self)
        documents.busy.connect(self.busy)
        documents.printed.connect(self.printed)
        signing.busy.connect(self.busy)
        session.replaced.connect(self._show_details)
        self.session, self.documents, self.signing = session, documents, signing
        self.preview.view.setDocument(self._no_pdf)  # nothing of the record shown before
        self.shown_pdf_of = ""
        self.message.clear()
        self._show_details()
        self.busy.emit(self.tr("Opening the signed record…"))
        consult_id = consult.id
        documents.read_summary(lambda data: self._pdf_read(consult_id, data))
        return True

    def _pdf_read(self, consult_id: str, data: bytes) -> None:
        self.busy.emit("")
        if self.consult is not None and self.consult.id == consult_id:
            self.preview.show_pdf(data)
            self.shown_pdf_of = consult_id

    def _show_details(self) -> None:
        c = self.consult
        if c is None:
            return
        pack_title = self.session.pack.title if self.session is not None else c.pack.id
        self.title.setText(self.tr("Record — {name}").format(name=c.patient.name))
        signed = f"{c.signed_at:%Y-%m-%d %H:%M}" if c.signed_at else ""
        lines = [
            self.tr("Born {born}").format(born=f"{c.patient.date_of_birth:%Y-%m-%d}")
            + (f" · {c.patient.mrn}" if c.patient.mrn.upper().startswith("MRN")
               else self.tr(" · MRN {mrn}").format(mrn=c.patient.mrn) if c.patient.mrn else ""),
            self.tr("{procedure}, version {version}").format(procedure=pack_title,
                                                             version=c.pack.version),
            self.tr("Consult {day} with {clinician}").format(
                day=f"{c.created_at:%Y-%m-%d}", clinician=c.clinician.name),
            (self.tr("Signed {signed}, with addenda") if c.addenda
             else self.tr("Signed {signed}")).format(signed=signed),
        ]
        if c.decision.choice is not None:
            lines.append(self.tr("Decision: {decision}").format(
                decision=self.tr(c.decision.choice.label)))
        self.details.setText("\n".join(lines))
        self.addenda.clear()
        for a in c.addenda:
            self.addenda.addItem(f"{a.written_at:%Y-%m-%d %H:%M} · {a.author}\n{a.text}")
        self.addenda.setVisible(bool(c.addenda))
        self.no_addenda.setVisible(not c.addenda)
        writable = not self.ctx.read_only
        may_sign = self.ctx.account is not None and self.ctx.account.may(Permission.SIGN)
        self.addendum_button.setEnabled(writable and may_sign)
        self.addendum_button.setToolTip("" if may_sign else self.tr(
            "Your account's role does not sign addenda; a clinician adds them."))
        self.fhir_button.setVisible(fhir_available())

    def leave(self) -> None:
        """The record is left: its previews and an open addendum dialog go with it."""
        if self.documents is not None:
            self.documents.close_all()
        if self.signing is not None:
            self.signing.close_all()
        for child in (self.session, self.documents, self.signing):
            if child is not None:
                child.deleteLater()
        self.session = self.documents = self.signing = None

    # --- actions ------------------------------------------------------------------------------
    def reprint(self) -> None:
        """The archived signed PDF, as archived, to a printer."""
        if self.documents is not None:
            self.documents.print_summary()

    def print_handout(self) -> None:
        """The patient handout of this consult, shown, to print from the preview."""
        if self.documents is not None:
            self.documents.print_handout()

    def add_addendum(self) -> None:
        if self.signing is not None:
            self.signing.add_addendum()

    def _open_consult(self) -> None:
        if self.consult is not None:
            self.open_requested.emit(self.consult.id)

    def export_copy(self) -> None:
        """The record's JSON and its signed PDFs into a folder the clinician picks (each file
        owner-only, written atomically; audited)."""
        consult = self.consult
        if consult is None:
            return
        folder = self.choose_folder(self)
        if folder is None:
            return
        consult_id = consult.id
        self.busy.emit(self.tr("Exporting a copy…"))
        WriteOp(self, lambda db: consults.export_copy(db, consult_id, folder)) \
            .success(lambda files: self._exported(files, folder)) \
            .failure(self._failed).run_in_background(self.ctx.writer)

    def export_fhir(self) -> None:
        """The record as an HL7 FHIR bundle (JSON) into a folder the clinician picks."""
        consult = self.consult
        if consult is None or not fhir_available():
            return
        folder = self.choose_folder(self)
        if folder is None:
            return
        consult_id, now = consult.id, self.ctx.clock()
        export: Callable[..., str] = importlib.import_module(FHIR_MODULE).export_fhir

        def work(db: Store) -> list[Path]:
            path = folder / f"consult-{consult_id}.fhir.json"
            write_atomically(path, export(db, consult_id, now=now).encode("utf-8"), mode=0o600)
            return [path]

        self.busy.emit(self.tr("Exporting for the EHR…"))
        WriteOp(self, work).success(lambda files: self._exported(files, folder)) \
            .failure(self._failed).run_in_background(self.ctx.writer)

    def _exported(self, files: list[Path], folder: Path) -> None:
        self.busy.emit("")
        self.exported = files
        self.message.setText(self.tr("Saved {n} files in {folder}: {names}").format(
            n=len(files), folder=str(folder), names=", ".join(p.name for p in files))
            if len(files) != 1 else self.tr("Saved {name} in {folder}").format(
                name=files[0].name, folder=str(folder)))

    def _failed(self, error: BaseException) -> None:
        self.busy.emit("")
        show_error(self, error)
