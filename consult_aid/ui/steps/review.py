"""Step 9: the decision record (page 1 of the summary PDF, from the same source), open items
with a link to their step, everything on one page, signature pads, and Sign (which locks the
consult).

A signed consult is never edited: it can only be amended by an addendum. Its addenda (date,
author, text) are listed here, with "Add an addendum…".

The page's buttons call the actions it was given (:class:`ReviewActions`): the signing flow
and the document actions run the long work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from consult_aid.domain import Addendum, Problem, SignerRole
from consult_aid.domain.record import decision_record
from consult_aid.domain.signers import default_signer_name, signature_roles
from consult_aid.domain.step_rules import OpenItem
from consult_aid.domain.steps import open_items, step
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.steps.base import KEEP_ENABLED, StepPage
from consult_aid.ui.steps.summary_text import decision_record_html, summary_html
from consult_aid.ui.widgets.fields import WrappingButton, group
from consult_aid.ui.widgets.signature_block import SignatureBlock

SHOWN_PER_STEP = 5


def _nothing() -> None:
    """An action not offered here (a page shown without a window, as in layout tests)."""


@dataclass(frozen=True, slots=True)
class ReviewActions:
    """What the review page's buttons do."""

    sign: Callable[[], None] = _nothing
    preview: Callable[[], None] = _nothing
    print_summary: Callable[[], None] = _nothing
    print_handout: Callable[[], None] = _nothing
    print_carer_handout: Callable[[], None] = _nothing
    add_addendum: Callable[[], None] = _nothing


class ReviewPage(StepPage):
    step_id = "review"

    def __init__(self, session: ConsultSession, actions: ReviewActions | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.review_actions = actions or ReviewActions()
        self.sign_button.clicked.connect(lambda _c=False: self.review_actions.sign())
        self.preview_button.clicked.connect(lambda _c=False: self.review_actions.preview())
        self.print_summary.clicked.connect(lambda _c=False: self.review_actions.print_summary())
        self.print_handout.clicked.connect(lambda _c=False: self.review_actions.print_handout())
        self.print_carer_handout.clicked.connect(
            lambda _c=False: self.review_actions.print_carer_handout())
        self.addendum_button.clicked.connect(lambda _c=False: self.review_actions.add_addendum())

    def build(self) -> None:
        self.record = QLabel(self)
        self.record.setObjectName("decisionRecord")
        self.record.setWordWrap(True)
        self.record.setTextFormat(Qt.TextFormat.RichText)  # every text in it is escaped
        self.record.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.record.setAccessibleName(self.tr("The decision record"))
        record_hint = QLabel(self.tr("As on page 1 of the summary PDF."), self)
        record_hint.setObjectName("hint")
        record_hint.setWordWrap(True)
        self.outer.addWidget(group(self.tr("The decision record"), record_hint, self.record))

        self.status = QLabel(self)
        self.status.setObjectName("openSummary")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.outer.addWidget(self.status)
        self.open_box = QWidget(self)
        self.open_list = QVBoxLayout(self.open_box)
        self.open_list.setContentsMargins(0, 0, 0, 0)
        self.open_group = group(self.tr("Still open"), self.open_box)
        self.outer.addWidget(self.open_group)

        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outer.addWidget(group(self.tr("The consult on one page"), self.summary))

        self.addenda_box = QWidget(self)
        self.addenda_list = QVBoxLayout(self.addenda_box)
        self.addenda_list.setContentsMargins(0, 0, 0, 0)
        self.addenda_empty = QLabel(self.tr("No addenda."), self.addenda_box)
        self.addenda_empty.setObjectName("hint")
        self.addenda_list.addWidget(self.addenda_empty)
        self.addendum_button = QPushButton(self.tr("Add an &addendum…"), self)
        self.addendum_button.setProperty(KEEP_ENABLED, True)
        self.addendum_button.setToolTip(self.tr(
            "A signed consult cannot be changed; an addendum adds a signed note to it."))
        add_row = QHBoxLayout()
        add_row.addWidget(self.addendum_button)
        add_row.addStretch(1)
        self.addenda_list.addLayout(add_row)
        self.addenda_group = group(self.tr("Addenda"), self.addenda_box)
        self.outer.addWidget(self.addenda_group)
        self.addendum_labels: list[QLabel] = []
        self._shown_addenda: tuple[str, ...] | None = None

        self.sign_box = QWidget(self)
        self.sign_layout = QVBoxLayout(self.sign_box)
        self.sign_layout.setContentsMargins(0, 0, 0, 0)
        self.blocks: dict[SignerRole, SignatureBlock] = {}
        self.outer.addWidget(group(self.tr("Signatures"), self.sign_box))

        actions = QHBoxLayout()
        self.preview_button = QPushButton(self.tr("Previe&w summary PDF"), self)
        self.sign_button = QPushButton(self.tr("&Sign and lock the consult…"), self)
        self.sign_button.setObjectName("primary")
        self.print_summary = QPushButton(self.tr("Print s&ummary…"), self)
        self.print_handout = QPushButton(self.tr("Print patient &handout…"), self)
        # a pack with a sheet for carers (intrathecal baclofen) prints it beside the patient's
        self.print_carer_handout = QPushButton(self.tr("Print &carers' handout…"), self)
        for b in (self.preview_button, self.print_summary, self.print_handout):
            b.setProperty(KEEP_ENABLED, True)
            actions.addWidget(b)
        actions.addStretch(1)
        # Sign on a row of its own, so the buttons fit side by side even with larger text
        sign_row = QHBoxLayout()
        # the carers' sheet (baclofen pack) starts the second row, so the first row still fits
        # at 1280 pixels with larger text
        self.print_carer_handout.setProperty(KEEP_ENABLED, True)
        sign_row.addWidget(self.print_carer_handout)
        sign_row.addStretch(1)
        sign_row.addWidget(self.sign_button)
        self.sign_hint = QLabel(self)
        self.sign_hint.setObjectName("hint")
        self.sign_hint.setWordWrap(True)
        self.outer.addLayout(actions)
        self.outer.addLayout(sign_row)
        self.outer.addWidget(self.sign_hint)

    # --- signature blocks ---------------------------------------------------------------------
    def _default_name(self, role: SignerRole) -> str:
        return default_signer_name(self.consult, role)

    def _sync_blocks(self) -> None:
        roles = signature_roles(self.consult)
        if tuple(self.blocks) == roles:
            return
        for block in self.blocks.values():
            self.sign_layout.removeWidget(block)
            block.deleteLater()
        self.blocks = {}
        for role in roles:
            block = SignatureBlock(role, self.tr(role.label), self.sign_box)
            block.changed.connect(self.on_edit)
            self.sign_layout.addWidget(block)
            self.blocks[role] = block
        self._tab_in_reading_order()
        self.set_read_only(self.session.read_only)

    def _tab_in_reading_order(self) -> None:
        """The signers' blocks are made after the buttons below them: Tab goes through the
        blocks top to bottom, then the buttons, then Sign."""
        chain: list[QWidget] = []
        for block in self.blocks.values():
            chain += [block.name, block.pad, block.clear_button, block.sign_button]
        chain += [self.preview_button, self.print_summary, self.print_handout,
                  self.print_carer_handout, self.sign_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    # --- StepPage -----------------------------------------------------------------------------
    def load(self) -> None:
        self._sync_blocks()
        by_role = {s.role: s for s in self.consult.signatures}
        for role, block in self.blocks.items():
            block.load(by_role.get(role), self._default_name(role))
        self.consult_changed()

    def save(self) -> None:
        now = self.session.clock()
        previous = {s.role: s for s in self.consult.signatures}
        signatures = []
        for role, block in self.blocks.items():
            signature = block.signature(now, previous.get(role))
            if signature is not None:
                signatures.append(signature)
        self.consult.signatures = signatures

    def consult_changed(self) -> None:
        if not self._loading:
            self._loading = True
            try:
                self._sync_blocks()
                by_role = {s.role: s for s in self.consult.signatures}
                for role, block in self.blocks.items():
                    if role not in by_role:
                        block.load(None, self._default_name(role))
            finally:
                self._loading = False
        self.record.setText(decision_record_html(decision_record(self.consult, self.pack)))
        self.summary.setText(summary_html(self.consult, self.pack))
        locked = self.consult.is_locked
        items = [] if locked else open_items(self.consult, self.pack)
        blocking = [o for o in items if o.blocks_signing]
        while self.open_list.count():
            item = self.open_list.takeAt(0)  # never None while count() > 0
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone at once, not only once the event loop deletes it
                widget.deleteLater()
        self._list_open_items(items)
        self.open_group.setVisible(self.open_list.count() > 0)
        if locked:
            when = self.consult.signed_at
            self.status.setText(self.tr("Signed and locked{when}. It can no longer be changed; "
                                        "an addendum can add to it.")
                                .format(when=f" {when:%Y-%m-%d %H:%M}" if when else ""))
            self.status.setProperty("state", "done")
        elif blocking:
            self.status.setText((self.tr("1 item still open.") if len(items) == 1 else
                                 self.tr("{n} items still open.").format(n=len(items)))
                                + " " + self.tr("Each links to its step."))
            self.status.setProperty("state", "open")
        elif items:
            self.status.setText(self.tr(
                "{n} points are still open. With this decision the summary records them as "
                "open; you can sign.").format(n=len(items)))
            self.status.setProperty("state", "open")
        else:
            self.status.setText(self.tr("✓ Nothing is open. Ready to sign."))
            self.status.setProperty("state", "done")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.sign_button.setVisible(not locked)
        self.sign_button.setEnabled(not blocking and not self.session.read_only
                                    and self.session.may_sign)
        self.sign_button.setToolTip("" if self.session.may_sign else self.tr(
            "Your account's role does not sign consults; a clinician signs."))
        self.addenda_group.setVisible(locked)
        self._show_addenda(self.consult.addenda if locked else [])
        stored_read_only = self.session.database_read_only
        self.addendum_button.setEnabled(not stored_read_only and self.session.may_sign)
        self.addendum_button.setToolTip(self.tr(
            "Your account's role does not sign addenda; a clinician adds them.")
            if not self.session.may_sign else self.tr(
            "Not while the database is open read-only.") if stored_read_only else self.tr(
            "A signed consult cannot be changed; an addendum adds a signed note to it."))
        if stored_read_only:
            self.sign_hint.setText(self.tr(
                "The database is open read-only: this consult can be read and printed, not "
                "signed or added to."))
        else:
            self.sign_hint.setText("" if locked else self.tr(
                "Signing creates the signed PDF summary, archives it and locks the consult.")
                if not blocking else self.tr("Sign becomes available when nothing is open."))
        self.print_summary.setVisible(locked)
        self.print_handout.setVisible(True)
        self.print_carer_handout.setVisible(self.pack.carer_handout is not None)
        self.preview_button.setText(self.tr("View the signed P&DF") if locked
                                    else self.tr("Previe&w summary PDF"))

    def _show_addenda(self, addenda: Sequence[Addendum]) -> None:
        key = tuple(f"{a.id}|{a.written_at.isoformat()}" for a in addenda)
        if key == self._shown_addenda:
            return
        self._shown_addenda = key
        for label in self.addendum_labels:
            self.addenda_list.removeWidget(label)
            label.deleteLater()
        self.addendum_labels = []
        for index, addendum in enumerate(addenda):
            heading = QLabel(self.tr("{when} · {author}").format(
                when=f"{addendum.written_at:%Y-%m-%d %H:%M}", author=addendum.author),
                self.addenda_box)
            heading.setObjectName("subHeading")
            text = QLabel(addendum.text, self.addenda_box)
            text.setAccessibleName(self.tr("Addendum {n}").format(n=index + 1))
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            for label in (heading, text):
                label.setTextFormat(Qt.TextFormat.PlainText)  # the clinician's text, never markup
                label.setWordWrap(True)
                self.addenda_list.insertWidget(len(self.addendum_labels), label)
                self.addendum_labels.append(label)
        self.addenda_empty.setVisible(not addenda)

    def _list_open_items(self, items: list[OpenItem]) -> None:
        by_step: dict[str, list[OpenItem]] = {}
        for item in items:
            by_step.setdefault(item.step_id, []).append(item)
        for step_id, step_items in by_step.items():
            title_text = self.tr(step(step_id).title)
            title = f"{title_text} ({len(step_items)})"
            if not any(item.blocks_signing for item in step_items):
                title += " — " + self.tr("may stay open with this decision; the summary "
                                         "records them as open")
            heading = QLabel(title, self.open_box)
            heading.setWordWrap(True)
            heading.setObjectName("subHeading")
            heading.setTextFormat(Qt.TextFormat.PlainText)
            self.open_list.addWidget(heading)
            shown = step_items[:SHOWN_PER_STEP]
            for item in shown:
                self._link(item.message, title_text, step_id, item.field)
            if len(step_items) > len(shown):
                self._link(self.tr("…and {n} more on the {step} page.").format(
                    n=len(step_items) - len(shown), step=title_text), title_text, step_id)
        if self.consult.sure.decisional_conflict:
            note = QLabel(self.tr("⚠ The SURE score is {score} of 4: the patient may feel unsure "
                                  "about this decision.").format(score=self.consult.sure.score),
                          self.open_box)
            note.setObjectName("redFlag")
            note.setWordWrap(True)
            note.setTextFormat(Qt.TextFormat.PlainText)
            self.open_list.addWidget(note)

    def _link(self, text: str, step: str, step_id: str, field: str = "") -> None:
        link = WrappingButton(text, self.open_box)  # a long message wraps, as a link would
        link.setObjectName("openItem")
        link.setProperty("underline", True)
        link.setAccessibleName(self.tr("Go to {step}: {message}").format(step=step,
                                                                         message=text))
        link.setCursor(Qt.CursorShape.PointingHandCursor)
        signer = self._signer(field)
        if signer is not None:  # "Signature missing": straight to that signer's pad
            link.clicked.connect(lambda _c=False, b=signer: b.open_signing())
        else:
            link.clicked.connect(lambda _c=False: self.session.go_to(step_id))
        link.setProperty(KEEP_ENABLED, True)
        self.open_list.addWidget(link)

    def _signer(self, field: str) -> SignatureBlock | None:
        """The block of ``signatures.<role>``, or None for any other open item."""
        if not field.startswith("signatures."):
            return None
        role = field.removeprefix("signatures.")
        return next((b for r, b in self.blocks.items() if r.value == role), None)

    def show_problems(self, problems: Sequence[Problem]) -> None:
        for block in self.blocks.values():
            block.error.show_message("")
        rest = []
        for p in problems:
            if p.field.startswith("signatures["):
                index = int(p.field[len("signatures["):p.field.index("]")])
                if index < len(self.consult.signatures):
                    target = self.blocks.get(self.consult.signatures[index].role)
                    if target is not None:
                        target.error.show_message(p.message)
                        continue
            rest.append(p)
        super().show_problems(rest)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        for block in getattr(self, "blocks", {}).values():
            block.set_read_only(read_only)

