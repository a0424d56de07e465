"""Step 6: each benefit, what to expect and risk in plain words, "N in 1,000" with an icon
array, and the teach-back: discussed, understood / partly / not yet, the patient's own words,
re-explained. Items not yet understood stay visibly open; items about other diagnoses than the
one recorded are not shown (nor required)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from consult_aid.content.figures import group_sentence, picture, sentence
from consult_aid.content.model import Item, ItemKind
from consult_aid.domain import Problem, TeachBack, Understanding
from consult_aid.ui.steps.base import KEEP_ENABLED, StepPage
from consult_aid.ui.widgets.fields import ChoiceGroup, ErrorLabel, group
from consult_aid.ui.widgets.icon_array import IconArray
from consult_aid.ui.widgets.quick_keys import AnswerKeys

ANSWER_KEYS = {Qt.Key.Key_1: TeachBack.UNDERSTOOD, Qt.Key.Key_2: TeachBack.PARTLY,
               Qt.Key.Key_3: TeachBack.NOT_YET}


class ItemCard(QFrame):
    """One benefit or risk with its teach-back controls."""

    def __init__(self, item: Item, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("itemCard")
        layout = QGridLayout(self)
        layout.setColumnStretch(0, 1)

        top = QHBoxLayout()
        title = QLabel(item.title, self)
        title.setObjectName("itemTitle")
        title.setWordWrap(True)
        title.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(title, 1)
        self.status = QLabel(self)
        self.status.setObjectName("itemStatus")
        top.addWidget(self.status, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top, 0, 0, 1, 2)

        body = item.text
        if item.medicines:
            body += "\n" + self.tr("Only if the plan uses: {names}.").format(
                names=", ".join(item.medicines))
        text = QLabel(body, self)
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(text, 1, 0)
        how_often = QLabel(self.frequency_text(), self)
        how_often.setObjectName("frequency" if item.frequency is not None else "hint")
        how_often.setWordWrap(True)
        how_often.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(how_often, 2, 0)
        how_often.setVisible(bool(how_often.text()))
        if item.uncertainty:
            sure = QLabel(self.tr("How sure we are: {text}").format(text=item.uncertainty), self)
            sure.setObjectName("hint")
            sure.setWordWrap(True)
            sure.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(sure, 3, 0)
        if item.frequency is not None:
            self.icons: IconArray | None = IconArray(picture(item.frequency),
                                                     benefit=item.kind is ItemKind.BENEFIT)
            self.icons.setAccessibleName(self.frequency_text())
            layout.addWidget(self.icons, 1, 1, 4, 1, Qt.AlignmentFlag.AlignTop)
        else:
            self.icons = None
        if item.teach_back:
            ask = QLabel(self.tr("Ask: “{q}”").format(q=item.teach_back), self)
            ask.setObjectName("teachBackPrompt")
            ask.setWordWrap(True)
            ask.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(ask, 4, 0)

        controls = QWidget(self)
        rows = QVBoxLayout(controls)
        rows.setContentsMargins(0, 0, 0, 0)
        self.discussed = QCheckBox(self.tr("Discussed"), controls)
        self.discussed.setAccessibleName(self.tr("{t}: discussed").format(t=item.title))
        self.level = ChoiceGroup([(TeachBack.UNDERSTOOD, self.tr("Understood")),
                                  (TeachBack.PARTLY, self.tr("Partly")),
                                  (TeachBack.NOT_YET, self.tr("Not yet"))],
                                 self.tr("{t}: teach-back").format(t=item.title))
        self.words = QLineEdit(controls)
        self.words.setPlaceholderText(self.tr("The patient's own words"))
        self.words.setAccessibleName(self.tr("{t}: the patient's own words").format(t=item.title))
        self.re_explained = QCheckBox(self.tr("Re-explained"), controls)
        self.re_explained.setAccessibleName(self.tr("{t}: re-explained").format(t=item.title))
        # Two short rows rather than one long one, so the card reflows at 1280×720 with larger
        # text (no sideways scrolling): discussed and the teach-back; the patient's words and
        # re-explained.
        first = QHBoxLayout()
        first.addWidget(self.discussed)
        teach = QLabel(self.tr("Teach-back:"), controls)
        first.addWidget(teach)
        first.addWidget(self.level, 1)
        second = QHBoxLayout()
        second.addWidget(self.words, 1)
        second.addWidget(self.re_explained)
        rows.addLayout(first)
        rows.addLayout(second)
        # Tab in reading order: discussed, the three answers, the patient's words, re-explained
        QWidget.setTabOrder(self.discussed, self.level.buttons()[0])
        for before, after in pairwise(self.level.buttons()):
            QWidget.setTabOrder(before, after)
        QWidget.setTabOrder(self.level.buttons()[-1], self.words)
        QWidget.setTabOrder(self.words, self.re_explained)
        hint = self.tr("Keys: 1 understood · 2 partly · 3 not yet")
        for w in (self.discussed, *self.level.buttons()):
            w.setToolTip(hint)
        self.error = ErrorLabel(controls)
        rows.addWidget(self.error)
        layout.addWidget(controls, 5, 0, 1, 2)

    def load(self, record: Understanding | None) -> None:
        record = record or Understanding(self.item.id)
        self.discussed.setChecked(record.discussed)
        self.level.set_value(record.level)
        if self.words.text() != record.patient_words:
            self.words.setText(record.patient_words)
        self.re_explained.setChecked(record.re_explained)
        self.show_state(record)

    def save(self, record: Understanding) -> None:
        record.discussed = self.discussed.isChecked()
        level = self.level.value()
        record.level = level if isinstance(level, TeachBack) else None
        record.patient_words = self.words.text()
        record.re_explained = self.re_explained.isChecked()
        self.show_state(record)

    def show_state(self, record: Understanding) -> None:
        if not record.discussed:
            text, state = self.tr("Not discussed yet"), "open"
        elif record.is_open:
            text, state = self.tr("Open — not yet understood"), "open"
        else:
            text, state = self.tr("✓ Understood"), "done"
        self.status.setText(text)
        self.setProperty("state", state)
        self.status.setProperty("state", state)
        for w in (self, self.status):
            w.style().unpolish(w)
            w.style().polish(w)

    def frequency_text(self) -> str:
        f = self.item.frequency
        if f is None:
            reason = self.item.not_quantified_reason.strip()
            if not reason:  # a fact of the path (what to expect), not a chance
                return ""
            return self.tr("How often: no figure. {reason}").format(reason=reason).strip()
        # one denominator, whole people, the group named: the same words as the record
        return f"{sentence(f)}. {group_sentence(f)}".strip()

    @property
    def is_open(self) -> bool:
        return self.property("state") != "done"


class BenefitsRisksPage(StepPage):
    step_id = "benefits_risks"

    def intro(self) -> str:
        return self.tr("Explain one item at a time, then ask the patient to say it back in "
                       "their own words. If it is not clear yet, explain it again and check "
                       "again: teach-back tests the explanation, not the patient.")

    def build(self) -> None:
        bar = QHBoxLayout()
        self.summary = QLabel(self)
        self.summary.setObjectName("openSummary")
        self.summary.setWordWrap(True)
        bar.addWidget(self.summary, 1)
        self.only_open = QCheckBox(self.tr("Show &only open items"), self)
        self.only_open.setProperty(KEEP_ENABLED, True)
        self.only_open.setAccessibleName(self.tr("Show only open items"))
        self.only_open.toggled.connect(self._filter)
        bar.addWidget(self.only_open)
        self.outer.addLayout(bar)
        self.cards: list[ItemCard] = []
        # each heading with its cards: a heading whose items all belong to other diagnoses hides
        self.headings: list[tuple[QLabel, list[ItemCard]]] = []
        for option in self.pack.options:
            box = QWidget(self)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            for heading, items in ((self.tr("Benefits"), option.benefits),
                                   (self.tr("What to expect"), option.expect),
                                   (self.tr("Risks"), option.risks)):
                if not items:
                    continue
                label = QLabel(heading, box)
                label.setObjectName("subHeading")
                column.addWidget(label)
                under: list[ItemCard] = []
                for item in items:
                    card = ItemCard(item, box)
                    column.addWidget(card)
                    self.cards.append(card)
                    under.append(card)
                    self.errors[f"understanding.{item.id}"] = card.error
                    for w in (card.discussed, card.level, card.words, card.re_explained):
                        self.watch(w)
                    self._answer_keys(card)
                self.headings.append((label, under))
            self.outer.addWidget(group(option.name, box))

    def _answer_keys(self, card: ItemCard) -> None:
        """1 / 2 / 3 on the card's ticks answer the teach-back (and mark it discussed); then
        "understood" goes on to the next open item, "partly" or "not yet" to the patient's
        words. Enter in the words goes on to the next open item."""

        def answered(value: object) -> None:
            if not card.discussed.isChecked():
                card.discussed.setChecked(True)
            if value is TeachBack.UNDERSTOOD:
                self.focus_next_open(card)
            else:
                card.words.setFocus(Qt.FocusReason.TabFocusReason)

        AnswerKeys(card.level, ANSWER_KEYS, answered, (card.discussed,))
        card.words.returnPressed.connect(lambda: self.focus_next_open(card))

    def focus_next_open(self, after: ItemCard) -> None:
        """Focus the next card still open (after ``after``, then from the top), scrolled into
        view; when none is left, the step's summary says so."""
        shown = [c for c in self.applying() if not self.only_open.isChecked() or c.is_open]
        start = shown.index(after) + 1 if after in shown else 0
        for card in (*shown[start:], *shown[:start]):
            if card is not after and card.is_open and card.isVisible():
                card.discussed.setFocus(Qt.FocusReason.TabFocusReason)
                self.scroll_into_view(card)
                return

    def applying(self) -> list[ItemCard]:
        """The cards for this patient's recorded diagnosis (every card while none is chosen
        from the pack's list); medicine-specific ones stay, marked, until a plan is made."""
        diagnosis = self.consult.condition.diagnosis_id
        return [c for c in self.cards if c.item.applies(diagnosis)]

    def consult_changed(self) -> None:
        self._filter()
        self._update_summary()

    def load(self) -> None:
        for card in self.cards:
            card.load(self.consult.understanding.get(card.item.id))
        self._filter()
        self._update_summary()

    def save(self) -> None:
        for card in self.cards:
            record = self.consult.understanding.get(card.item.id)
            changed = (card.discussed.isChecked() or card.level.value() is not None
                       or card.words.text() or card.re_explained.isChecked())
            if record is None and not changed:
                continue
            card.save(self.consult.understanding_of(card.item.id))
        self._update_summary()

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Open items are shown on the cards themselves, not as errors."""
        super().show_problems([p for p in problems if not p.field.startswith("understanding.")])

    def _update_summary(self) -> None:
        cards = self.applying()
        still_open = sum(card.is_open for card in cards)
        self.summary.setText(self.tr("{open} of {total} items still open").format(
            open=still_open, total=len(cards)) if still_open
            else self.tr("✓ All {total} items discussed and understood").format(
                total=len(cards)))
        self.summary.setProperty("state", "open" if still_open else "done")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    def _filter(self, *_args: object) -> None:
        only_open = self.only_open.isChecked()
        applying = set(map(id, self.applying()))
        for card in self.cards:
            card.setVisible(id(card) in applying and (not only_open or card.is_open))
        for label, under in self.headings:
            label.setVisible(any(id(c) in applying for c in under))

