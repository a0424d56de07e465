"""The start screen: find or add the patient, choose the procedure, start; resume a draft; open
the archive.

Signals: ``start_requested(Patient, Pack)``, ``resume_requested(str)`` with a consult id,
``archive_requested()``, ``backup_requested()``.

Each time it is shown (:meth:`StartScreen.refresh`) the search and the new-patient form are
empty, so the next patient starts clean; a draft is listed with its patient, date, procedure
and the step it reached, and "Started 45 days ago" when older than the settings'
``stale_draft_days``. "Discard the draft…" (Alt+D, or Delete in the list) deletes a draft after
a confirmation naming the patient and the date (audited "consult.discarded").

A quiet notice says when the last backup is older than the settings' reminder (or there is
none), with "Back up now…" (Alt+U). With the database open read-only, nothing here writes: no
patient can be added, no consult started; drafts open to be read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consult_aid.content import Pack
from consult_aid.domain import ConsultSummary, Patient, Problem, Sex
from consult_aid.domain.dates import day
from consult_aid.domain.labels import SEX_LABELS
from consult_aid.domain.steps import STEP_IDS, step
from consult_aid.errors import KnownError
from consult_aid.services import consults
from consult_aid.services.backup import last_backup_at
from consult_aid.services.clinic import current_clinician
from consult_aid.services.patients import add_patient, find_patients
from consult_aid.ui.context import AppContext
from consult_aid.ui.operations import WriteOp
from consult_aid.ui.widgets.fields import (
    ErrorLabel,
    Form,
    OptionalDateEdit,
    group,
    short_choices,
    show_problems,
)

PATIENT_ROWS = 5  # the patient list shows at least this many rows, whatever the text size
DRAFT_ID = Qt.ItemDataRole.UserRole
DRAFT_LABEL = Qt.ItemDataRole.UserRole + 1  # "Jane Doe, started 2026-10-01" for the question
ConfirmDiscard = Callable[[QWidget, str], bool]


def confirm_discard(parent: QWidget, what: str) -> bool:
    """Ask before a draft is deleted; Cancel is the default (Enter keeps the draft)."""
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Discard the draft?"),
                      parent.tr("Discard the draft consult of {what}? It is deleted and cannot "
                                "be brought back; the audit trail keeps a note that it was "
                                "discarded.").format(what=what),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    discard = box.addButton(parent.tr("&Discard the draft"),
                            QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(parent.tr("&Keep it"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is discard


class StartScreen(QWidget):
    start_requested = Signal(object, object)
    resume_requested = Signal(str)
    archive_requested = Signal()
    backup_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.welcome = QLabel(self)
        self.welcome.setObjectName("pageTitle")
        self.welcome.setWordWrap(True)
        self.welcome.setTextFormat(Qt.TextFormat.PlainText)  # the clinician's and clinic's names
        self.backup_notice = self._backup_notice()

        # new consult: patient search, new patient, pack
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Name or medical record number"))
        self.search.setAccessibleName(self.tr("Find a patient"))
        self.search.setClearButtonEnabled(True)
        find_label = QLabel(self.tr("F&ind the patient"), self)  # Alt+F is the File menu
        find_label.setBuddy(self.search)
        self.patients = QListWidget(self)
        self.patients.setAccessibleName(self.tr("Patients found"))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.refresh_patients)
        self.search.textEdited.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._focus_patients)

        self.new_form = Form(self)
        self.new_name = self.new_form.add("patient.name", self.tr("&Name"), QLineEdit())
        # typed as 1958-06-03 or 03/06/1958 (a spin box typed section by section got it wrong)
        self.new_dob = OptionalDateEdit()
        self.new_form.add("patient.date_of_birth", self.tr("Date of &birth"), self.new_dob)
        self.new_sex = QComboBox()
        for member, label in SEX_LABELS.items():
            self.new_sex.addItem(self.tr(label), member.value)
        self.new_form.add("patient.sex", self.tr("Se&x"), self.new_sex)
        self.new_mrn = self.new_form.add("patient.mrn", self.tr("&Medical record number"),
                                         QLineEdit())
        self.add_button = QPushButton(self.tr("&Add this patient"), self)
        self.add_button.clicked.connect(self.add_patient)
        self.new_form.layout_.addRow("", self.add_button)
        self.new_error = ErrorLabel(self)
        self.new_form.layout_.addRow("", self.new_error)

        self.pack = QComboBox(self)
        self.pack.setAccessibleName(self.tr("Procedure"))
        short_choices(self.pack, 16)  # a long pack title must not set the column's width
        # the packs are filled in when someone has signed in (refresh): the catalogue is read
        # after the window's first paint, not before (issue 16: start-up)
        pack_label = QLabel(self.tr("&Procedure to discuss"), self)
        pack_label.setBuddy(self.pack)
        self.start_button = QPushButton(self.tr("&Start the consult"), self)
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self._start)
        self.start_button.setEnabled(False)  # until a patient is found (_update_start)
        self.start_hint = QLabel(self)
        self.start_hint.setObjectName("hint")
        self.start_hint.setWordWrap(True)

        new_column = QWidget(self)
        col = QVBoxLayout(new_column)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(find_label)
        col.addWidget(self.search)
        col.addWidget(self.patients, 1)
        col.addWidget(group(self.tr("Or add a new patient"), self.new_form))
        col.addWidget(pack_label)
        col.addWidget(self.pack)
        row = QHBoxLayout()
        row.addWidget(self.start_hint, 1)
        row.addWidget(self.start_button)
        col.addLayout(row)

        # drafts and archive
        self.drafts = QListWidget(self)
        self.drafts.setWordWrap(True)  # a long name or procedure wraps, never scrolls sideways
        self.drafts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.drafts.setAccessibleName(self.tr("Consults not yet signed"))
        self.drafts.itemActivated.connect(self._resume_item)
        self.resume_button = QPushButton(self.tr("&Resume the selected consult"), self)
        self.resume_button.clicked.connect(self._resume)
        self.discard_button = QPushButton(self.tr("&Discard the draft…"), self)
        self.discard_button.setAccessibleDescription(self.tr(
            "Deletes the selected draft after asking; Delete in the list does the same."))
        self.discard_button.clicked.connect(self.discard_selected)
        self.confirm_discard: ConfirmDiscard = confirm_discard  # injectable: tests answer it
        self.drafts.installEventFilter(self)
        self.archive_button = QPushButton(self.tr("Open the ar&chive…"), self)  # A: add
        self.archive_button.clicked.connect(self.archive_requested)
        right = QWidget(self)
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addWidget(self.drafts, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.resume_button, 1)
        buttons.addWidget(self.discard_button)
        rcol.addLayout(buttons)
        rcol.addWidget(self.archive_button)

        # the new consult's fields keep their size and scroll when the window is small or the
        # text large (at 1280x720 with larger text they were squeezed to a sliver)
        new_scroll = QScrollArea(self)
        new_scroll.setWidgetResizable(True)
        new_scroll.setFrameShape(QFrame.Shape.NoFrame)
        new_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        new_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        new_scroll.setWidget(group(self.tr("New consult"), new_column))
        self.new_scroll = new_scroll

        grid = QGridLayout(self)
        grid.addWidget(self.welcome, 0, 0, 1, 2)
        grid.addWidget(self.backup_notice, 1, 0, 1, 2)
        grid.addWidget(new_scroll, 2, 0)
        grid.addWidget(group(self.tr("Consults not yet signed"), right), 2, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(2, 1)

        self.patients.setMinimumHeight(self.fontMetrics().lineSpacing() * PATIENT_ROWS)
        self.patients.currentItemChanged.connect(lambda *_: self._update_start())
        self.patients.itemActivated.connect(lambda _i: self.pack.setFocus())
        if ctx.read_only:
            # nothing here may write: no new patient, no new consult; drafts open to be read
            self.new_form.setEnabled(False)
            self.resume_button.setText(self.tr("&Read the selected consult"))
            self.discard_button.hide()  # nothing is deleted read-only
        self.refresh()

    def _backup_notice(self) -> QFrame:
        notice = QFrame(self)
        notice.setObjectName("backupNotice")
        self.backup_text = QLabel(notice)
        self.backup_text.setObjectName("backupNoticeText")
        self.backup_text.setWordWrap(True)
        self.backup_text.setTextFormat(Qt.TextFormat.PlainText)
        self.backup_button = QPushButton(self.tr("Back &up now…"), notice)  # U: unused here
        self.backup_button.clicked.connect(self.backup_requested)
        row = QHBoxLayout(notice)
        row.addWidget(self.backup_text, 1)
        row.addWidget(self.backup_button, 0, Qt.AlignmentFlag.AlignVCenter)
        notice.hide()
        return notice

    # --- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the screen afresh for the next patient: empty search and new-patient form.
        Nothing is read before someone signs in (the window shows the sign-in page then)."""
        if self.ctx.account is None:
            self.search.clear()
            self.clear_new_patient()
            self.patients.clear()
            self.drafts.clear()
            return
        if self.pack.count() == 0:
            for pack in self.ctx.catalog.packs():
                self.pack.addItem(pack.title, pack.id)
        clinician = current_clinician(self.ctx.db)
        who = self.ctx.account.display_name if clinician else ""
        clinic = clinician.clinic if clinician else ""
        self.welcome.setText(self.tr("Consult Aid — {who}{clinic}").format(
            who=who, clinic=f", {clinic}" if clinic else ""))
        self._search_timer.stop()
        self.search.clear()
        self.clear_new_patient()
        self.refresh_drafts()
        self.refresh_patients()
        self.refresh_backup_notice()

    def refresh_backup_notice(self) -> None:
        """Show the notice when the last backup is older than the reminder, or there is none;
        never while the database is open read-only (no backup is made from it then)."""
        text = "" if self.ctx.read_only else self.backup_reminder(self.ctx.clock())
        self.backup_text.setText(text)
        self.backup_notice.setVisible(bool(text))
        self.backup_text.setAccessibleName(text)

    def backup_reminder(self, now: datetime) -> str:
        """"Last backup: never" or "Last backup: 9 days ago (…)", or "" while it is recent."""
        try:
            last = last_backup_at(self.ctx.db)
        except KnownError:  # the audit trail cannot be read: say nothing rather than guess
            return ""
        advice = (self.tr("The clinic's archive is on its server: a backup keeps the consults "
                          "safe if the server fails.") if self.ctx.data.server is not None
                  else self.tr("A backup on another disk keeps the consults safe if this "
                               "computer fails."))
        if last is None:
            return self.tr("Last backup: never.") + " " + advice
        age = now - last
        if age <= timedelta(days=self.ctx.settings.backup_reminder_days):
            return ""
        days = age.days
        ago = self.tr("1 day ago") if days == 1 else self.tr("{n} days ago").format(n=days)
        when = day(last.astimezone(now.tzinfo).date())
        return self.tr("Last backup: {ago} ({when}).").format(ago=ago, when=when) + " " + advice

    def clear_new_patient(self) -> None:
        """Empty the new-patient form: no name or MRN, the default date of birth, sex not
        recorded, no error messages."""
        self.new_name.clear()
        self.new_mrn.clear()
        self.new_dob.set_value(None)
        self.new_sex.setCurrentIndex(max(0, self.new_sex.findData(Sex.UNKNOWN.value)))
        show_problems(self.new_form.errors, [])
        self.new_error.show_message("")

    def refresh_patients(self, select_id: str = "") -> None:
        self.patients.clear()
        for patient in find_patients(self.ctx.db, self.search.text()):
            text = f"{patient.name} · {patient.date_of_birth:%Y-%m-%d}"
            if patient.mrn:
                text += f" · {patient.mrn}"
            item = QListWidgetItem(text, self.patients)
            item.setData(Qt.ItemDataRole.UserRole, patient)
            if patient.id == select_id:
                self.patients.setCurrentItem(item)
        if self.patients.currentItem() is None and self.patients.count() == 1:
            self.patients.setCurrentRow(0)
        self._update_start()

    def refresh_drafts(self) -> None:
        self.drafts.clear()
        titles = {p.id: p.title for p in self.ctx.catalog.packs()}
        for summary in consults.drafts(self.ctx.db):
            self._add_draft(summary, titles.get(summary.pack_id, summary.pack_id))
        if self.drafts.count():
            self.drafts.setCurrentRow(0)
        self.resume_button.setEnabled(self.drafts.count() > 0)
        self.discard_button.setEnabled(self.drafts.count() > 0 and not self.ctx.read_only)

    def _add_draft(self, summary: ConsultSummary, procedure: str) -> None:
        """One draft: patient and date, then procedure and the step reached; a third line
        when it was started longer ago than the settings' ``stale_draft_days``."""
        reached = self.step_reached(consults.last_step(self.ctx.db, summary.id))
        when = day(summary.created_at.date())
        second = f"{procedure} · {reached}" if reached else procedure
        stale = self.draft_age(summary)
        text = f"{summary.patient_name} · {when}\n{second}" + (f"\n⚠ {stale}" if stale else "")
        item = QListWidgetItem(text, self.drafts)
        item.setData(DRAFT_ID, summary.id)
        item.setData(DRAFT_LABEL, self.tr("{name}, started {when}").format(
            name=summary.patient_name, when=when))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, ", ".join(
            part for part in (summary.patient_name, when, procedure, reached, stale) if part))
        item.setToolTip(f"{summary.patient_name}\n{when}\n{second}"
                        + (f"\n{stale}" if stale else ""))

    def draft_age(self, summary: ConsultSummary) -> str:
        """"Started 45 days ago" for a draft older than the settings' ``stale_draft_days``,
        else ""."""
        days = (self.ctx.clock().date() - summary.created_at.date()).days
        if days <= self.ctx.settings.stale_draft_days:
            return ""
        return self.tr("Started {n} days ago").format(n=days)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.drafts and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Delete \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.discard_selected()
            return True
        return super().eventFilter(watched, event)

    def discard_selected(self) -> None:
        """Ask, naming the patient and the date; then delete the draft (audited)."""
        item = self.drafts.currentItem()
        if item is None or self.ctx.read_only or not self.discard_button.isEnabled():
            return
        consult_id = str(item.data(DRAFT_ID))
        if not self.confirm_discard(self, str(item.data(DRAFT_LABEL))):
            return
        row = self.drafts.currentRow()
        now = self.ctx.clock()
        self.discard_button.setEnabled(False)
        WriteOp(self, lambda db: consults.discard_draft(db, consult_id, now=now)) \
            .success(lambda _summary: self._discarded(row)) \
            .finally_(lambda: self.discard_button.setEnabled(self.drafts.count() > 0)) \
            .run_in_background(self.ctx.writer)

    def _discarded(self, row: int) -> None:
        self.refresh_drafts()
        if self.drafts.count():
            self.drafts.setCurrentRow(min(row, self.drafts.count() - 1))
            self.drafts.setFocus()

    def step_reached(self, step_id: str) -> str:
        """'6. Benefits and risks' for a known step id, else ''."""
        if step_id not in STEP_IDS:
            return ""
        return f"{STEP_IDS.index(step_id) + 1}. {self.tr(step(step_id).title)}"

    def selected_patient(self) -> Patient | None:
        item = self.patients.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def selected_pack(self) -> Pack | None:
        pack_id = self.pack.currentData()
        return self.ctx.catalog.get(pack_id) if pack_id else None

    # --- actions ------------------------------------------------------------------------------
    def _focus_patients(self) -> None:
        if self.patients.count():
            if self.patients.currentRow() < 0:
                self.patients.setCurrentRow(0)
            self.patients.setFocus()

    def add_patient(self) -> None:
        if self.ctx.read_only:
            return  # the form is disabled; Enter in a field must not write either
        born = self.new_dob.value()
        patient = Patient(name=self.new_name.text().strip(),
                          date_of_birth=born or date.min,
                          sex=Sex(self.new_sex.currentData()), mrn=self.new_mrn.text().strip())
        problems = [p for p in patient.problems(self.ctx.clock().date())
                    if born is not None or p.field != "patient.date_of_birth"]
        if born is None:
            problems.append(Problem("patient.date_of_birth", self.new_dob.problem() or self.tr(
                "Enter the date of birth, for example 1958-06-03.")))
        show_problems(self.new_form.errors, problems)
        if problems:
            return
        self.add_button.setEnabled(False)
        today = self.ctx.clock().date()
        WriteOp(self, lambda db: add_patient(db, patient, today=today)) \
            .success(self._added).finally_(lambda: self.add_button.setEnabled(True)) \
            .run_in_background(self.ctx.writer)

    def _added(self, patient: Patient) -> None:
        self.clear_new_patient()
        self.search.setText(patient.name)
        self.refresh_patients(select_id=patient.id)
        self.pack.setFocus()

    def _update_start(self) -> None:
        ready = self.selected_patient() is not None and self.pack.count() > 0
        self.start_button.setEnabled(ready and not self.ctx.read_only)
        if self.ctx.read_only:
            self.start_hint.setText(self.tr(
                "Read-only: no patient can be added and no consult started."))
        elif self.pack.count() == 0:
            self.start_hint.setText(self.tr("No procedure packs are installed."))
        elif not ready:
            self.start_hint.setText(self.tr("Find or add the patient first."))
        else:
            self.start_hint.setText("")

    def _start(self) -> None:
        patient, pack = self.selected_patient(), self.selected_pack()
        if patient is not None and pack is not None and not self.ctx.read_only:
            self.start_requested.emit(patient, pack)

    def _resume_item(self, item: QListWidgetItem) -> None:
        self.resume_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def _resume(self) -> None:
        item = self.drafts.currentItem()
        if item is not None:
            self._resume_item(item)

    def set_busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy and self.selected_patient() is not None
                                     and not self.ctx.read_only)
