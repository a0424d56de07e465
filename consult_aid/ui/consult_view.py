"""The guided consult: the step list beside the pages, "Saved 14:32:05", previous/next.

Steps can be visited in any order; the page shown is remembered in ``Consult.last_step`` so a
consult reopens where it stopped. Every edit re-checks the rules (messages beside the fields),
refreshes the step states and schedules an autosave.

Signals: ``closed()`` when the clinician leaves the consult for the start screen.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from consult_aid.services.review import STEP_IDS, step_state
from consult_aid.ui.autosave import Autosaver
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.step_list import StepList
from consult_aid.ui.steps import PAGES, StepPage
from consult_aid.ui.steps.review import ReviewPage


class ConsultView(QWidget):
    closed = Signal()

    def __init__(self, session: ConsultSession, autosaver: Autosaver,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.autosaver = autosaver
        self.pages: list[StepPage] = [page_class(session) for page_class in PAGES]
        assert tuple(p.step_id for p in self.pages) == STEP_IDS
        self.step_list = StepList([(p.step_id, p.title()) for p in self.pages])
        self.stack = QStackedWidget()
        self.scrolls: list[QScrollArea] = []
        for page in self.pages:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            scroll.setWidget(page)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.stack.addWidget(scroll)
            self.scrolls.append(scroll)

        consult = session.consult
        header = QHBoxLayout()
        who = QLabel(self.tr("{name} · born {dob:%Y-%m-%d} · {pack}").format(
            name=consult.patient.name, dob=consult.patient.date_of_birth,
            pack=session.pack.title))
        who.setObjectName("consultHeader")
        who.setWordWrap(True)
        self.who = who
        header.addWidget(who, 1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setAccessibleName(self.tr("Save status"))
        header.addWidget(self.saved_label)

        nav = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← &Previous step"))
        self.back_button.setToolTip(self.tr("Ctrl+Page Up or Alt+Left"))
        self.back_button.clicked.connect(self.previous_step)
        self.next_button = QPushButton(self.tr("Next step →"))
        self.next_button.setObjectName("primary")
        self.next_button.setToolTip(self.tr("Ctrl+Page Down or Alt+Right"))
        self.next_button.clicked.connect(self.next_step)
        self.close_button = QPushButton(self.tr("&Close consult"))
        self.close_button.setToolTip(self.tr("Everything is saved; reopen it from the start "
                                             "screen."))
        self.close_button.clicked.connect(self.closed)
        nav.addWidget(self.close_button)
        nav.addStretch(1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.next_button)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(header)
        column.addWidget(self.stack, 1)
        column.addLayout(nav)
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.step_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.setTabOrder(self.step_list, self.pages[0])

        self.step_list.currentRowChanged.connect(self._show_row)
        session.changed.connect(self._on_changed)
        session.navigate.connect(self.go_to)
        autosaver.saved.connect(self._on_saved)
        autosaver.failed.connect(self._on_save_failed)
        autosaver.held_back.connect(self._on_held_back)
        QApplication.instance().focusChanged.connect(self._follow_focus)
        self._held: list[str] = []
        self._refresh()
        self.saved_label.setText(self.tr("Signed — read only") if session.read_only
                                 else self.tr("All changes are saved automatically"))
        start = consult.last_step if consult.last_step in STEP_IDS else STEP_IDS[0]
        self.go_to(start, focus=False)

    # --- navigation ---------------------------------------------------------------------------
    @property
    def review_page(self) -> ReviewPage:
        page = self.pages[-1]
        assert isinstance(page, ReviewPage)
        return page

    def current_step(self) -> str:
        return self.pages[self.stack.currentIndex()].step_id

    def page(self, step_id: str) -> StepPage:
        return self.pages[STEP_IDS.index(step_id)]

    def go_to(self, step_id: str, *, focus: bool = True) -> None:
        row = STEP_IDS.index(step_id)
        if self.step_list.currentRow() != row:
            self.step_list.setCurrentRow(row)
        else:
            self._show_row(row)
        if focus:
            self.pages[row].focus_first()

    def next_step(self) -> None:
        row = self.stack.currentIndex()
        if row < len(self.pages) - 1:
            self.go_to(STEP_IDS[row + 1])

    def previous_step(self) -> None:
        row = self.stack.currentIndex()
        if row > 0:
            self.go_to(STEP_IDS[row - 1])

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        self.scrolls[row].verticalScrollBar().setValue(0)
        page = self.pages[row]
        page.consult_changed()
        self.back_button.setEnabled(row > 0)
        self.next_button.setEnabled(row < len(self.pages) - 1)
        consult = self.session.consult
        if consult.last_step != page.step_id and not consult.is_locked:
            consult.last_step = page.step_id
            self.autosaver.schedule()

    def _follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        scroll = self.scrolls[self.stack.currentIndex()]
        if scroll.widget() is not None and scroll.widget().isAncestorOf(new):
            scroll.ensureWidgetVisible(new, 8, self.fontMetrics().height() * 2)

    # --- changes ------------------------------------------------------------------------------
    def _on_changed(self) -> None:
        self._refresh()
        self.autosaver.schedule()
        self.saved_label.setText(self.tr("Saving…"))

    def _refresh(self) -> None:
        consult, pack = self.session.consult, self.session.pack
        problems = consult.problems()
        for page in self.pages:
            page.show_problems(problems)
        current = self.pages[self.stack.currentIndex()]
        current.consult_changed()
        self.step_list.set_states({sid: step_state(consult, pack, sid) for sid in STEP_IDS})

    def reload(self) -> None:
        """The consult object changed from outside (signed): show it again, read-only if so."""
        for page in self.pages:
            page.reload()
            page.consult_changed()
        self._refresh()
        if self.session.read_only:
            self.saved_label.setText(self.tr("Signed — read only"))

    def _on_saved(self, when: datetime) -> None:
        if self.autosaver.pending:
            return
        text = self.tr("Saved {time}").format(time=when.strftime("%H:%M:%S"))
        if self._held:
            text += self.tr(" · a field with a problem is kept unsaved until corrected")
        self.saved_label.setText(text)
        self.saved_label.setProperty("state", "held" if self._held else "saved")
        self._repolish(self.saved_label)

    def _on_held_back(self, fields: list[str]) -> None:
        self._held = fields

    def _on_save_failed(self, message: str) -> None:
        self.saved_label.setText(message)
        self.saved_label.setProperty("state", "failed")
        self._repolish(self.saved_label)

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def shutdown(self) -> None:
        """Store the latest state now (closing the consult or the window)."""
        QApplication.instance().focusChanged.disconnect(self._follow_focus)
        self.autosaver.flush()
