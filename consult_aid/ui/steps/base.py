"""What every step page shares: a title, its fields' error labels, load/save, read-only mode.

A page builds its widgets once in :meth:`build`, fills them from the consult in :meth:`load`
and writes them back in :meth:`save` after any edit by the clinician (Picard's wizard-page
habit: the page writes to the plain data, nobody reads widgets from elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consult_aid.content.model import Pack
from consult_aid.domain import Consult, Problem
from consult_aid.domain.steps import step, step_of_field
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, NumberEdit, show_problems

KEEP_ENABLED = "keepEnabled"


class StepPage(QWidget):
    step_id: str = ""  # the id of its step in consult_aid.domain.steps.STEPS

    def __init__(self, session: ConsultSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.errors: dict[str, ErrorLabel] = {}
        self._loading = False
        self._number_fields: dict[str, NumberEdit] = {}
        self.outer = QVBoxLayout(self)
        heading = QLabel(self.title(), self)
        heading.setObjectName("pageTitle")
        heading.setWordWrap(True)
        self.outer.addWidget(heading)
        intro = self.intro()
        if intro:
            label = QLabel(intro, self)
            label.setObjectName("intro")
            label.setWordWrap(True)
            self.outer.addWidget(label)
        self.banner = ErrorLabel(self)
        self.outer.addWidget(self.banner)
        self.build()
        self.outer.addStretch(1)
        # Labels show the clinician's input and the pack's text: never as markup (a name like
        # "<img src=…>" is shown as typed). A label that needs rich text says so explicitly
        # and escapes what it shows (the review summary).
        for label in self.findChildren(QLabel):
            if label.textFormat() == Qt.TextFormat.AutoText:
                label.setTextFormat(Qt.TextFormat.PlainText)
        self.reload()

    # --- to implement -------------------------------------------------------------------------
    def title(self) -> str:
        """The step's title, as declared once in :data:`consult_aid.domain.steps.STEPS`."""
        return self.tr(step(self.step_id).title)

    def intro(self) -> str:
        return ""

    def build(self) -> None:
        raise NotImplementedError

    def load(self) -> None:
        raise NotImplementedError

    def save(self) -> None:
        raise NotImplementedError

    def consult_changed(self) -> None:
        """Another page (or this one) changed the consult: update derived displays."""

    # --- shared -------------------------------------------------------------------------------
    @property
    def consult(self) -> Consult:
        return self.session.consult

    @property
    def pack(self) -> Pack:
        return self.session.pack

    def reload(self) -> None:
        self._loading = True
        try:
            self.load()
        finally:
            self._loading = False
        self.set_read_only(self.session.read_only)

    def watch(self, *widgets: QWidget) -> None:
        """Save the page when the clinician changes any of these controls."""
        for w in widgets:
            if isinstance(w, NumberEdit | QLineEdit):
                w.textEdited.connect(self.on_edit)
            elif isinstance(w, QPlainTextEdit):
                w.textChanged.connect(self.on_edit)
            elif isinstance(w, ChoiceGroup):
                w.changed.connect(self.on_edit)
            elif isinstance(w, QCheckBox):
                w.toggled.connect(self.on_edit)
            elif isinstance(w, QDateEdit):
                w.dateChanged.connect(self.on_edit)
            elif isinstance(w, QComboBox):
                w.currentIndexChanged.connect(self.on_edit)
                if w.isEditable():
                    w.editTextChanged.connect(self.on_edit)
            else:
                raise TypeError(type(w).__name__)

    def on_edit(self, *_args: object) -> None:
        if self._loading or self.session.read_only:
            return
        self.save()
        self.session.edited()

    def number(self, path: str, edit: NumberEdit) -> int | float | None:
        """The value of a number field; a typing mistake is remembered as this field's problem."""
        self._number_fields[path] = edit
        try:
            value = edit.value()
        except ValueError as exc:
            edit.setProperty("parseError", str(exc))
            return None
        edit.setProperty("parseError", "")
        return value

    def input_problems(self) -> list[Problem]:
        return [Problem(path, str(edit.property("parseError")))
                for path, edit in self._number_fields.items() if edit.property("parseError")]

    def show_problems(self, problems: Sequence[Problem]) -> None:
        mine = [*self.input_problems(), *problems]
        rest = show_problems(self.errors, [p for p in mine if self.owns(p.field)])
        self.banner.show_message("\n".join(p.message for p in rest))

    def owns(self, field: str) -> bool:
        return step_of_field(field) == self.step_id

    def set_read_only(self, read_only: bool) -> None:
        for w in self.findChildren(QWidget):
            if w.property(KEEP_ENABLED):
                continue
            if isinstance(w, QLineEdit | QPlainTextEdit):
                w.setReadOnly(read_only)
            elif isinstance(w, QAbstractButton | QComboBox | QDateEdit):
                w.setEnabled(not read_only)

    def focus_first(self) -> None:
        """Put the focus in the first field, in Tab order, ready for typing on: the cursor at
        the end of its text with nothing selected (the next key must not replace a name), and
        the page shown from its top (a step opens at its top, even when its first field is
        further down)."""
        first = next(self._focusable(self), None)
        if first is not None:
            take_focus(first)
        self.scroll_to_top()

    def focus_field(self, path: str) -> bool:
        """Put the focus in the field for this dotted path (``decision.follow_up``), as
        :meth:`focus_first` does, and scroll to it; False when this page has no such field."""
        error = self.errors.get(path)
        box = error.parentWidget() if error is not None else None
        target = next(self._focusable(box), None) if box is not None else None
        if target is None:
            return False
        take_focus(target)
        self.scroll_into_view(target)
        return True

    def scroll_into_view(self, widget: QWidget) -> None:
        """Bring ``widget`` into view in the page's scroll area (a programmatic focus does
        not), with a line of room around it."""
        scroll = self._scroll_area()
        if scroll is not None:
            scroll.ensureWidgetVisible(widget, 8, self.fontMetrics().height() * 2)

    def scroll_to_top(self) -> None:
        scroll = self._scroll_area()
        if scroll is not None:
            scroll.verticalScrollBar().setValue(0)
            scroll.horizontalScrollBar().setValue(0)

    def _scroll_area(self) -> QScrollArea | None:
        """The scroll area the page is shown in, if any."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        return parent

    def _focusable(self, within: QWidget) -> Iterator[QWidget]:
        """The controls inside ``within`` that Tab reaches, in Tab order."""
        w: QWidget | None = self.nextInFocusChain()
        while w is not None and w is not self:
            if (within.isAncestorOf(w) and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                    and w.isEnabled() and w.isVisibleTo(self)):
                yield w
            w = w.nextInFocusChain()


def take_focus(widget: QWidget) -> None:
    """Focus ``widget`` as a click would, not as Tab does: a line edit keeps its text
    unselected with the cursor at the end; a text area gets its cursor at the end."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    if isinstance(widget, QLineEdit):
        widget.deselect()
        widget.end(False)
    elif isinstance(widget, QComboBox) and (line := widget.lineEdit()) is not None:
        line.deselect()
        line.end(False)
    elif isinstance(widget, QPlainTextEdit):
        widget.moveCursor(QTextCursor.MoveOperation.End)
