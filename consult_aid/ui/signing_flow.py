"""Sign the open consult, or add an addendum to a signed one, off the GUI thread.

- Sign: the signed-in clinician's account password is asked (it unlocks their own signing
  identity, ``services.identities.signer_identity``), the latest state is saved, the session
  becomes read-only (busy), and ``services.signing.sign_and_archive`` runs on the database writer
  thread (after any pending autosave, in order). On success the session takes the stored record
  (locked) and the signed PDF is shown; on failure editing is possible again. One signing at a
  time.
- Addendum (signed consults only): a dialog for the text and author, the password, then
  ``services.addenda.add_addendum`` on the writer thread; the session takes the stored record.

Signals: ``busy(str)`` with what is running ("" when idle). The result of signing or amending
reaches the window through the session (``ConsultSession.replaced``).

The signing and report stacks (pyHanko, reportlab) are imported by the work itself, on the
writer thread, the first time something is signed: not when the window starts (issue 16).
:meth:`SigningFlow.prepare`, called in a pause in the consult (every page built, no work for a
few seconds), does that and a first render on the task pool beforehand, so the first Sign of a
session does not wait 1-1.5 s for them with the patient watching.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from consult_aid.domain import Consult
from consult_aid.domain.accounts import Permission
from consult_aid.domain.steps import blocking_items
from consult_aid.errors import KnownError
from consult_aid.services.consults import get_consult
from consult_aid.services.store import Store
from consult_aid.ui.addendum_dialog import AddendumDialog
from consult_aid.ui.context import AppContext
from consult_aid.ui.dialogs import AskPassword
from consult_aid.ui.documents_flow import DocumentActions
from consult_aid.ui.errors import show_error
from consult_aid.ui.operations import BackgroundOp, WriteOp
from consult_aid.ui.session import ConsultSession

log = logging.getLogger(__name__)


class SigningFlow(QObject):
    busy = Signal(str)
    prepared = Signal(bool)  # the first signature's slow work is done (False: it was already)

    def __init__(self, ctx: AppContext, session: ConsultSession, documents: DocumentActions,
                 parent_widget: QWidget, *, password: AskPassword,
                 flush: Callable[[], None]) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.session = session
        self.documents = documents
        self.parent_widget = parent_widget
        self.ask_password = password
        self.flush = flush
        self.signing = False  # a signature is being made (sign or addendum): one at a time
        self.addendum_dialog: AddendumDialog | None = None

    # --- sign ---------------------------------------------------------------------------------
    def sign(self) -> None:
        consult, pack = self.session.consult, self.session.pack
        if self.signing or self.session.read_only:
            return  # already signing (a second click), or signed
        if not self._may_sign():
            return
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
        data, paper, now = self.ctx.data, self.documents.paper, self.ctx.clock()
        account = self.ctx.account
        assert account is not None  # _may_sign checked it

        def work(db: Store) -> tuple[Consult, bytes]:
            from consult_aid.services.identities import signer_identity
            from consult_aid.services.signing import sign_and_archive

            # the signed-in clinician's own identity, unlocked by their account password
            identity = signer_identity(db, data, account, password, now=now)
            result = sign_and_archive(db, snapshot, pack, identity, password, now, paper)
            return get_consult(db, snapshot.id), result.pdf

        self.busy.emit(self.tr("Signing and archiving…"))
        WriteOp(self.parent_widget, work).success(self._signed).failure(self._sign_failed) \
            .run_in_background(self.ctx.writer)

    def prepare(self) -> None:
        """Get the first signature's slow work done now, off the GUI thread
        (:func:`consult_aid.services.signing.prepare_to_sign`), when this account may sign this
        consult. A failure costs only that: logged, never shown, the Sign button does it all."""
        session = self.session
        if self.signing or session.read_only or not session.may_sign:
            return
        consult, pack, paper = copy.deepcopy(session.consult), session.pack, self.documents.paper

        def work() -> bool:
            from consult_aid.services.signing import prepare_to_sign

            return prepare_to_sign(consult, pack, paper)

        BackgroundOp(self.parent_widget, work).success(self._prepared) \
            .failure(self._not_prepared).run_in_background(self.ctx.tasks)

    def _prepared(self, fresh: bool) -> None:
        if isValid(self):  # the consult may have been closed (and this flow with it) meanwhile
            self.prepared.emit(fresh)

    @staticmethod
    def _not_prepared(error: BaseException) -> None:
        log.warning("preparing the first signature failed (%s); signing will do it",
                    type(error).__name__)

    def _may_sign(self) -> bool:
        """The signed-in account may sign; else a calm word why not (the services would refuse
        anyway, and record the refusal)."""
        account = self.ctx.account
        if account is not None and account.may(Permission.SIGN):
            return True
        show_error(self.parent_widget, KnownError(
            "Your account's role does not sign consults or addenda: a clinician signs them. "
            "The consult is saved; a clinician can sign it when they sign in."))
        return False

    def _signed(self, result: tuple[Consult, bytes]) -> None:
        stored, pdf = result
        self.signing = False
        self.busy.emit("")
        self.session.replace_consult(stored)  # the record as stored, locked; pages reload
        self.session.set_busy(False)
        self.documents.show_signed_pdf(pdf)

    def _sign_failed(self, error: BaseException) -> None:
        self.signing = False
        self.busy.emit("")
        self.session.set_busy(False)  # editable again
        show_error(self.parent_widget, error)

    # --- addendum -----------------------------------------------------------------------------
    def add_addendum(self) -> None:
        """Open the addendum dialog for the signed consult shown."""
        if not self.session.consult.is_locked or self.signing:
            return
        if self.session.database_read_only:  # the button is off; a shortcut must not write
            show_error(self.parent_widget, KnownError(
                "The database is open read-only, so no addendum can be added now. Restore "
                "from a backup to work normally."))
            return
        if self.addendum_dialog is not None:
            self.addendum_dialog.raise_()
            return
        if not self._may_sign():
            return
        assert self.ctx.account is not None  # _may_sign checked it
        author = self.ctx.account.display_name
        dialog = AddendumDialog(author, self.parent_widget)
        dialog.submitted.connect(self._addendum_submitted)
        dialog.finished.connect(lambda _r: self._addendum_closed(dialog))
        self.addendum_dialog = dialog
        dialog.open()

    def close_all(self) -> None:
        """The consult is being left: an addendum dialog not yet submitted goes with it."""
        if self.addendum_dialog is not None and not self.signing:
            self.addendum_dialog.reject()

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
        paper, account = self.documents.paper, self.ctx.account
        if account is None:
            self.signing = False
            dialog.set_busy(False)
            return

        def work(db: Store) -> Consult:
            from consult_aid.services.addenda import add_addendum
            from consult_aid.services.identities import signer_identity

            identity = signer_identity(db, data, account, password, now=now)
            add_addendum(db, consult_id, author=author, text=text, now=now,
                         identity=identity, password=password, paper=paper)
            return get_consult(db, consult_id)

        self.busy.emit(self.tr("Signing the addendum…"))
        WriteOp(dialog, work).success(self._amended).failure(self._addendum_failed) \
            .run_in_background(self.ctx.writer)

    def _amended(self, stored: Consult) -> None:
        self.signing = False
        self.busy.emit("")
        if self.addendum_dialog is not None:
            self.addendum_dialog.set_busy(False)
            self.addendum_dialog.accept()
        self.session.replace_consult(stored)

    def _addendum_failed(self, error: BaseException) -> None:
        self.signing = False
        self.busy.emit("")
        dialog = self.addendum_dialog
        if dialog is not None:
            dialog.set_busy(False)
        show_error(dialog or self.parent_widget, error)


