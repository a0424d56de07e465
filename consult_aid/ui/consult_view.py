"""The guided consult: the step list beside the pages, "Saved 14:32:05", previous/next.

Steps (declared once in :data:`consult_aid.domain.steps.STEPS`) can be visited in any order;
the step shown is saved with the draft (window state, beside the record) so a consult reopens
where it stopped. Every edit re-checks the rules (messages beside the fields), refreshes the
step states and schedules an autosave.

Pages are built the first time they are shown, so a consult opens quickly, and the ones not
shown yet are built one at a time in a pause (no edit, step or focus change for
:data:`PREBUILD_PAUSE_MS`): the first visit of a step does not wait for its page (benefits and
risks: 56 cards, 0.4-0.7 s to build). At the first pause with every page built, ``settled()``
is emitted once: the window then prepares the first signature off the GUI thread. The review
page gets its actions (sign, preview, print, addendum) through its constructor.

Signals: ``closed()`` when the clinician leaves the consult for the start screen;
``settled()`` (see above).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from PySide6.QtCore import Qt, QTimer, Signal
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

from consult_aid.domain.steps import STEP_IDS, STEPS, step_of_field, step_states
from consult_aid.ui.autosave import Autosaver
from consult_aid.ui.session import ConsultSession
from consult_aid.ui.step_list import StepList
from consult_aid.ui.steps import PAGE_CLASSES, ReviewActions, StepPage
from consult_aid.ui.steps.review import ReviewPage
from consult_aid.ui.widgets.fields import ElidedLabel

PREBUILD_PAUSE_MS = 3000  # a pause in the talk, not between two words typed
# the heaviest page first: the one a clinician would otherwise wait for longest
PREBUILD_FIRST = ("benefits_risks", "review")


class ConsultView(QWidget):
    closed = Signal()
    settled = Signal()  # once: the first pause with every page built

    def __init__(self, session: ConsultSession, autosaver: Autosaver,
                 review_actions: ReviewActions | None = None, parent: QWidget | None = None,
                 *, start_step: str = "") -> None:
        super().__init__(parent)
        self.session = session
        self.autosaver = autosaver
        self.review_actions = review_actions or ReviewActions()
        self._start_step = start_step if start_step in STEP_IDS else STEP_IDS[0]
        # Pages are built when first shown: opening a consult stays quick.
        self._pages: list[StepPage | None] = [None] * len(STEPS)
        self._prebuild = QTimer(self)  # started once the first page is shown
        self._prebuild.setSingleShot(True)
        self._prebuild.setInterval(PREBUILD_PAUSE_MS)
        self._prebuild.timeout.connect(self._build_next_page)
        self._settled = False
        self.step_list = StepList([(s.id, self.tr(s.title)) for s in STEPS])
        self.stack = QStackedWidget()
        self.scrolls: list[QScrollArea] = []
        for _step in STEPS:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.stack.addWidget(scroll)
            self.scrolls.append(scroll)

        header = QHBoxLayout()
        who = ElidedLabel()  # one line; a long name ends in "…", the whole in its tooltip
        who.setObjectName("consultHeader")
        self.who = who
        header.addWidget(who, 1)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("savedLabel")
        self.saved_label.setTextFormat(Qt.TextFormat.PlainText)
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

        self.step_list.currentRowChanged.connect(self._show_row)
        session.changed.connect(self._on_changed)
        session.navigate.connect(self.go_to_target)
        session.read_only_changed.connect(self._on_read_only_changed)
        session.replaced.connect(self._on_replaced)
        autosaver.saved.connect(self._on_saved)
        autosaver.failed.connect(self._on_save_failed)
        autosaver.held_back.connect(self._on_held_back)
        # instance() is typed QCoreApplication | None; the window runs in a QApplication
        cast(QApplication, QApplication.instance()).focusChanged.connect(self._follow_focus)
        self._held: list[str] = []
        self._shut_down = False
        self.saved_label.setText(self._read_only_text() if session.read_only
                                 else self.tr("All changes are saved automatically"))
        self.go_to(self._start_step, focus=False)
        self._refresh()
        self._prebuild.start()

    # --- pages --------------------------------------------------------------------------------
    @property
    def pages(self) -> list[StepPage]:
        """Every page (building the ones not shown yet)."""
        return [self.page(step_id) for step_id in STEP_IDS]

    def built_pages(self) -> list[StepPage]:
        return [p for p in self._pages if p is not None]

    def page(self, step_id: str) -> StepPage:
        row = STEP_IDS.index(step_id)
        page = self._pages[row]
        if page is None:
            cls = PAGE_CLASSES[step_id]
            page = (ReviewPage(self.session, self.review_actions) if cls is ReviewPage
                    else cls(self.session))
            self.scrolls[row].setWidget(page)
            page.show_problems(self.session.consult.problems())
            self._pages[row] = page
        return page

    def _build_next_page(self) -> None:
        """In a pause: build one page not shown yet, then wait for the next pause; at the
        first pause with nothing left to build, emit ``settled`` (once) and stop."""
        if self._shut_down:
            return
        waiting = [s for s in (*PREBUILD_FIRST, *STEP_IDS)
                   if self._pages[STEP_IDS.index(s)] is None]
        if waiting:
            self.page(waiting[0])
            self._prebuild.start()  # the next page, or settled, in the next pause
        elif not self._settled:
            self._settled = True
            self.settled.emit()

    def _not_a_pause(self) -> None:
        """The clinician is working: the next page waits for the next pause."""
        if self._prebuild.isActive():
            self._prebuild.start()

    @property
    def review_page(self) -> ReviewPage:
        page = self.page("review")
        assert isinstance(page, ReviewPage)
        return page

    # --- navigation ---------------------------------------------------------------------------

    def current_step(self) -> str:
        return STEP_IDS[self.stack.currentIndex()]

    def go_to(self, step_id: str, *, focus: bool = True, field: str = "") -> None:
        """Show a step from its top, its first field focused with nothing selected; with
        ``field`` (a dotted path such as ``decision.follow_up``) scrolled to that field and
        focused instead."""
        row = STEP_IDS.index(step_id)
        if self.step_list.currentRow() != row:
            self.step_list.setCurrentRow(row)
        else:
            self._show_row(row)
        page = self.page(step_id)
        if field and page.focus_field(field):
            return
        if focus:
            page.focus_first()
        else:
            page.scroll_to_top()

    def go_to_target(self, target: str) -> None:
        """A page asked to show a step (its id) or a field (its dotted path): go there."""
        if target in STEP_IDS:
            self.go_to(target)
        else:
            self.go_to(step_of_field(target), field=target)

    def next_step(self) -> None:
        row = self.stack.currentIndex()
        if row < len(STEP_IDS) - 1:
            self.go_to(STEP_IDS[row + 1])

    def previous_step(self) -> None:
        row = self.stack.currentIndex()
        if row > 0:
            self.go_to(STEP_IDS[row - 1])

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self._not_a_pause()
        page = self.page(STEP_IDS[row])
        self.stack.setCurrentIndex(row)
        page.scroll_to_top()
        page.consult_changed()
        self.back_button.setEnabled(row > 0)
        self.next_button.setEnabled(row < len(STEP_IDS) - 1)
        if not self.session.read_only:
            self.autosaver.set_step(page.step_id)

    def _follow_focus(self, old: QWidget | None, new: QWidget | None) -> None:
        """Keep the field the clinician moves to in view. Focus coming back into the window
        (activated again, or given to a page before the window was active) does not scroll:
        a step opened at its top stays there."""
        if new is None or old is None:
            return
        self._not_a_pause()
        scroll = self.scrolls[self.stack.currentIndex()]
        content = scroll.widget()
        if content is not None and content.isAncestorOf(new):
            scroll.ensureWidgetVisible(new, 8, self.fontMetrics().height() * 2)

    # --- changes ------------------------------------------------------------------------------
    def _on_changed(self) -> None:
        self._not_a_pause()
        self._refresh()
        self.autosaver.schedule()
        self.saved_label.setText(self.tr("Saving…"))

    def _refresh(self) -> None:
        consult, pack = self.session.consult, self.session.pack
        problems = consult.problems()
        for page in self.built_pages():
            page.show_problems(problems)
        self.page(self.current_step()).consult_changed()
        self.who.set_full_text(self._who())
        self.step_list.set_states(step_states(consult, pack))

    def reload(self) -> None:
        """The consult object changed from outside (signed): show it again, read-only if so."""
        for page in self.built_pages():
            page.reload()
            page.consult_changed()
        self._refresh()
        if self.session.read_only:
            self.saved_label.setText(self._read_only_text())
            self.saved_label.setProperty("state", "")
            self._repolish(self.saved_label)

    def _read_only_text(self) -> str:
        consult = self.session.consult
        if consult.is_locked:
            return self.tr("{status} — read only").format(status=self.tr(consult.status.label))
        if self.session.database_read_only:
            return self.tr("Read-only — nothing can be changed or saved")
        return self.tr("Signing… nothing can be changed meanwhile")

    def _on_read_only_changed(self, read_only: bool) -> None:
        """Signing started or failed: lock or unlock every page (navigation stays)."""
        for page in self.built_pages():
            page.set_read_only(read_only)
            page.consult_changed()
        if read_only:
            self.saved_label.setText(self._read_only_text())
        else:
            self.saved_label.setText(self.tr("All changes are saved automatically"))
        self.saved_label.setProperty("state", "")
        self._repolish(self.saved_label)

    def _on_replaced(self) -> None:
        """The session holds the stored record now (after signing or an addendum)."""
        self.autosaver.set_consult(self.session.consult)
        self.reload()

    def _who(self) -> str:
        patient = self.session.consult.patient
        return self.tr("{name} · born {dob:%Y-%m-%d} · {pack}").format(
            name=patient.name, dob=patient.date_of_birth, pack=self.session.pack.title)

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

    def finish_saving(self, timeout: float) -> str | None:
        """Store the latest state and wait for the database (leaving the consult or closing
        the window): None when it is stored, else what went wrong, in the clinician's words."""
        if self.session.busy:  # signing: its result comes first (the draft is saved already)
            self.autosaver.writer.settle(timeout)
            if self.session.busy:
                return self.tr("The consult is still being signed; wait until it is done.")
        problem = self.autosaver.finish(timeout)
        if problem is not None:
            self._on_save_failed(problem)
        return problem

    def shutdown(self) -> None:
        """Let go of the window (once), after :meth:`finish_saving` or when the clinician chose
        to close without the unsaved changes."""
        if self._shut_down:
            return
        self._shut_down = True
        self._prebuild.stop()
        # instance() is typed QCoreApplication | None; the window runs in a QApplication
        app = cast(QApplication, QApplication.instance())
        app.focusChanged.disconnect(self._follow_focus)
        self.autosaver.stop()
