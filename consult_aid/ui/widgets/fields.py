"""Form building blocks: a labelled control with its error message right beneath it.

Every control gets an accessible name from its label, and every field is known by the dotted
path of the domain field it edits (``condition.pain_now``), so a :class:`Problem` from the domain
lands next to the control it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TypeVar

from PySide6.QtCore import QDate, QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCalendarWidget,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import Problem

W = TypeVar("W", bound=QWidget)


class ErrorLabel(QLabel):
    """A calm, clearly marked message under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


class TextArea(QPlainTextEdit):
    """Multi-line text whose Tab moves to the next field; a few lines tall, from the font."""

    def __init__(self, lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self._lines = lines
        self.setSizeAdjustPolicy(QPlainTextEdit.SizeAdjustPolicy.AdjustIgnored)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        hint.setHeight(int(self.fontMetrics().lineSpacing() * (self._lines + 0.8)))
        return hint

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        hint.setHeight(int(self.fontMetrics().lineSpacing() * 2.2))
        return hint

    def set_text(self, text: str) -> None:
        if self.toPlainText() != text:
            self.setPlainText(text)

    def text(self) -> str:
        return self.toPlainText()


class NumberEdit(QLineEdit):
    """A number typed as text, so a wrong value can be explained rather than silently refused.

    ``value()`` gives ``None`` when empty, the number when it parses, and raises ValueError with
    a clinician's message when it does not.
    """

    def __init__(self, *, integer: bool = True, unit: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._integer = integer
        self.setMaxLength(12)
        if unit:
            self.setPlaceholderText(unit)
        self.setInputMethodHints(Qt.InputMethodHint.ImhFormattedNumbersOnly)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        hint.setWidth(self.fontMetrics().horizontalAdvance("0") * 12)
        return hint

    def value(self) -> int | float | None:
        text = self.text().strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueError(self.tr("Type a number, like 6.")) from None
        if self._integer:
            if number != int(number):
                raise ValueError(self.tr("Type a whole number, like 6."))
            return int(number)
        return number

    def set_value(self, value: float | None) -> None:
        text = "" if value is None else f"{value:g}"
        if self.text() != text:
            current: object  # the number shown, or a sentinel equal to nothing when unparsable
            try:
                current = self.value()
            except ValueError:
                current = object()
            if current != value:
                self.setText(text)


DATE_HINT = "YYYY-MM-DD"  # the one typed form the field shows and the one it tidies to
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIELD_FRAME = 2  # px: a field's border and inner margin (the theme's), around its button
_SEPARATED = re.compile(r"^\s*(\d{1,4})\s*[-/. ]\s*(\d{1,2})\s*[-/. ]\s*(\d{1,4})\s*$")
_DIGITS = re.compile(r"^\s*(\d{8})\s*$")


def _make_date(year: int, month: int, day: int) -> date | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """A typed date, or None when ``text`` is no (complete) date.

    Year first (2026-01-15, 2026/1/15, 20260115) or day first (15/01/2026, 15.1.2026,
    15012026): the year always has four digits, so the two cannot be confused; a day-first
    date is never read month-first.
    """
    digits = _DIGITS.match(text)
    if digits:
        d = digits.group(1)
        return (_make_date(int(d[:4]), int(d[4:6]), int(d[6:]))
                or _make_date(int(d[4:]), int(d[2:4]), int(d[:2])))
    parts = _SEPARATED.match(text)
    if parts is None:
        return None
    first, middle, last = parts.groups()
    if len(first) == 4 and len(last) <= 2:
        return _make_date(int(first), int(middle), int(last))
    if len(last) == 4 and len(first) <= 2:
        return _make_date(int(last), int(middle), int(first))
    return None


def calendar_icon(size: int, color: QColor) -> QIcon:
    """A small calendar drawn in the text colour (no image files to ship)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color)
    pen.setWidthF(max(1.0, size / 14))
    painter.setPen(pen)
    margin = size / 8
    body = QRectF(margin, margin * 1.5, size - 2 * margin, size - 2.5 * margin)
    painter.drawRoundedRect(body, size / 12, size / 12)
    painter.fillRect(QRectF(body.left(), body.top(), body.width(), body.height() / 4), color)
    dot = size / 10
    for row in range(2):
        for col in range(3):
            x = body.left() + body.width() * (col + 1) / 4 - dot / 2
            y = body.top() + body.height() * (0.5 + row * 0.25) - dot / 2
            painter.fillRect(QRectF(x, y, dot, dot), color)
    painter.end()
    return QIcon(pixmap)


class OptionalDateEdit(QLineEdit):
    """A date that may be unset, typed or picked from a calendar.

    Empty shows "Not set (YYYY-MM-DD)". Typing 2026-01-15, 15/01/2026 or 20260115 gives that
    date (tidied to 2026-01-15 when the clinician leaves the field or presses Enter); clearing
    the text unsets it. Alt+Down or F4 (or the calendar icon) opens a calendar at the date, or
    at today; Up and Down move the date by a day.

    ``dateChanged(QDate)`` is emitted whenever the date changes, by typing, by the calendar or
    by :meth:`setDate` (a null QDate when it becomes unset). Text that is not a date yet gives
    no date; :meth:`problem` says what to type once the clinician has left the field.
    """

    dateChanged = Signal(QDate)  # noqa: N815 - named like QDateEdit's signal

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._date: date | None = None
        self._finished = True  # the clinician is not in the middle of typing
        self.setMaxLength(20)
        self.setPlaceholderText(self.tr("Not set ({format})").format(format=DATE_HINT))
        self.setInputMethodHints(Qt.InputMethodHint.ImhDate)
        self.setAccessibleDescription(self.tr(
            "Type the date as {format}, for example 2026-01-15; 15/01/2026 works too. "
            "Alt+Down opens a calendar. Empty means not set.").format(format=DATE_HINT))
        self.calendar_button = self._calendar_button()
        self._update_icon()
        self.calendar: QCalendarWidget | None = None
        self.textChanged.connect(self._text_changed)
        self.textEdited.connect(self._typing)
        self.editingFinished.connect(self._tidy)

    # --- value --------------------------------------------------------------------------------
    def value(self) -> date | None:
        return self._date

    def set_value(self, value: date | None) -> None:
        if value != self._date or (value is None and self.text().strip()):
            self._finished = True
            self.setText("" if value is None else value.isoformat())

    def date(self) -> QDate:
        """The date as a QDate (a null QDate when not set), like QDateEdit's."""
        d = self._date
        return QDate() if d is None else QDate(d.year, d.month, d.day)

    def setDate(self, qdate: QDate) -> None:  # noqa: N802 - named like QDateEdit's
        self.set_value(date(qdate.year(), qdate.month(), qdate.day()) if qdate.isValid()
                       else None)

    def problem(self) -> str:
        """What to type, when the text left in the field is not a date; else ""."""
        if not self._finished or not self.text().strip() or self._date is not None:
            return ""
        return self.tr("Type the date as {format}, for example 2026-01-15.").format(
            format=DATE_HINT)

    def _text_changed(self, text: str) -> None:
        parsed = parse_date(text)
        if parsed != self._date:
            self._date = parsed
            self.dateChanged.emit(self.date())

    def _typing(self, _text: str) -> None:
        self._finished = False

    def _tidy(self) -> None:
        self._finished = True
        if self._date is not None and self.text() != self._date.isoformat():
            self.setText(self._date.isoformat())

    # --- keys and the calendar ----------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key, alt = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if key == Qt.Key.Key_F4 or (alt and key == Qt.Key.Key_Down):
            self.show_calendar()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not self.isReadOnly():
            self._step_day(1 if key == Qt.Key.Key_Up else -1)
        else:
            super().keyPressEvent(event)

    def _step_day(self, days: int) -> None:
        """A day later or earlier; from "not set", today."""
        moved = date.today() if self._date is None else self._date + timedelta(days=days)
        self._finished = True
        self.setText(moved.isoformat())
        self.end(False)

    def show_calendar(self) -> None:
        """Open the calendar at the date, or at today; Enter or a click picks, Escape leaves."""
        if self.isReadOnly() or not self.isEnabled():
            return
        calendar = self._calendar()
        shown = self.date() if self._date is not None else QDate.currentDate()
        calendar.setSelectedDate(shown)
        calendar.setCurrentPage(shown.year(), shown.month())
        calendar.adjustSize()
        calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        calendar.show()
        calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _calendar(self) -> QCalendarWidget:
        if self.calendar is None:
            self.calendar = QCalendarWidget(self)
            self.calendar.setWindowFlags(Qt.WindowType.Popup)
            self.calendar.setGridVisible(True)
            self.calendar.setMinimumDate(QDate(FIRST_YEAR, 1, 1))
            self.calendar.setMaximumDate(QDate(LAST_YEAR, 12, 31))
            self.calendar.setAccessibleName(self.tr("Calendar"))
            self.calendar.activated.connect(self._picked)
            self.calendar.clicked.connect(self._picked)
        return self.calendar

    def _picked(self, qdate: QDate) -> None:
        if self.calendar is not None:
            self.calendar.hide()
        self.setFocus(Qt.FocusReason.PopupFocusReason)
        self.setDate(qdate)
        self.deselect()
        self.end(False)

    # --- look ---------------------------------------------------------------------------------
    def _calendar_button(self) -> QToolButton:
        """The calendar icon inside the field, on its right: for the mouse (the keyboard has
        Alt+Down), so it is no Tab stop."""
        button = QToolButton(self)
        button.setObjectName("calendarButton")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setCursor(Qt.CursorShape.ArrowCursor)
        button.setAutoRaise(True)
        button.setStyleSheet("QToolButton { border: none; padding: 0px; background: none; }")
        button.setAccessibleName(self.tr("Choose from a calendar"))
        button.setToolTip(self.tr("Choose from a calendar (Alt+Down)"))
        button.clicked.connect(self.show_calendar)
        return button

    def setReadOnly(self, read_only: bool) -> None:  # noqa: N802 - Qt override
        super().setReadOnly(read_only)
        self.calendar_button.setEnabled(not read_only)

    def _update_icon(self) -> None:
        size = self.fontMetrics().height()
        color = self.palette().color(QPalette.ColorRole.Text)
        self.calendar_button.setIcon(calendar_icon(size, color))
        self.calendar_button.setIconSize(QSize(size, size))
        self._place_button()

    def _place_button(self) -> None:
        button = self.calendar_button
        side = button.minimumSizeHint().expandedTo(button.sizeHint())
        frame = FIELD_FRAME
        button.resize(side)
        button.move(self.width() - side.width() - frame * 2,
                    max(0, (self.height() - side.height()) // 2))
        self.setTextMargins(0, 0, side.width() + frame, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place_button()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange,
                            QEvent.Type.StyleChange):
            self._update_icon()

    def _with_button(self, hint: QSize, text: str) -> QSize:
        """``hint`` grown to show ``text`` beside the calendar button, and the button whole."""
        button = self.calendar_button.minimumSizeHint().expandedTo(
            self.calendar_button.sizeHint())
        room = self.fontMetrics().horizontalAdvance(text) + self.fontMetrics().height()
        return hint.expandedTo(QSize(room + button.width() + FIELD_FRAME * 4,
                                     button.height() + FIELD_FRAME * 2))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._with_button(super().sizeHint(), self.placeholderText())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self._with_button(super().minimumSizeHint(), "0000-00-00")


class ChoiceGroup(QWidget):
    """Radio buttons for one choice, in a row; ``value()`` is the chosen key or None.

    Emits ``changed`` when the clinician picks a choice.
    """

    changed = Signal()

    def __init__(self, choices: Sequence[tuple[object, str]], name: str,
                 parent: QWidget | None = None, *, vertical: bool = False) -> None:
        super().__init__(parent)
        layout: QVBoxLayout | QHBoxLayout = QVBoxLayout(self) if vertical else QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self._keys: list[object] = []
        self.setAccessibleName(name)
        for i, (key, label) in enumerate(choices):
            button = QRadioButton(label, self)
            button.setAccessibleName(f"{name}: {label}")
            self.group.addButton(button, i)
            self._keys.append(key)
            layout.addWidget(button)
        if not vertical:
            layout.addStretch(1)
        self.group.buttonToggled.connect(self._toggled)

    def _toggled(self, _button: QAbstractButton, checked: bool) -> None:
        if checked:
            self.changed.emit()

    def buttons(self) -> list[QAbstractButton]:
        return self.group.buttons()

    def button(self, key: object) -> QAbstractButton:
        return self.group.button(self._keys.index(key))

    def value(self) -> object | None:
        i = self.group.checkedId()
        return None if i < 0 else self._keys[i]

    def set_value(self, key: object | None) -> None:
        if key not in self._keys:
            checked = self.group.checkedButton()
            if checked is not None:
                self.group.setExclusive(False)
                checked.setChecked(False)
                self.group.setExclusive(True)
            return
        self.group.button(self._keys.index(key)).setChecked(True)


class ReachableChoiceGroup(ChoiceGroup):
    """A :class:`ChoiceGroup` its label's Alt mnemonic can reach: focus goes on to the chosen
    button (or the first), never choosing one by itself. It is no Tab stop of its own; Tab
    reaches its buttons, and the arrow keys move between them."""

    def __init__(self, choices: Sequence[tuple[object, str]], name: str,
                 parent: QWidget | None = None, *, vertical: bool = False) -> None:
        super().__init__(choices, name, parent, vertical=vertical)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        buttons = self.buttons()
        target = self.group.checkedButton() or (buttons[0] if buttons else None)
        if target is not None and target.isEnabled():
            target.setFocus(event.reason())
        else:
            super().focusInEvent(event)


class WrappingButton(QPushButton):
    """A push button whose text wraps to the width it is given, like a label: a long message
    (an open item's link) never makes the page wider than the window."""

    WRAP = Qt.TextFlag.TextWordWrap

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _padding(self) -> QSize:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        return self.style().sizeFromContents(QStyle.ContentsType.CT_PushButton, option,
                                             QSize(0, 0), self)

    def _text_size(self, width: int) -> QSize:
        bounds = QRect(0, 0, max(1, width), 1_000_000)
        return self.fontMetrics().boundingRect(bounds, int(self.WRAP), self.text()).size()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        pad = self._padding()
        line = self.fontMetrics().size(0, self.text())
        return QSize(line.width() + pad.width(), line.height() + pad.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        pad = self._padding()
        widest = max((self.fontMetrics().horizontalAdvance(w) for w in self.text().split()),
                     default=0)
        return QSize(widest + pad.width(), self.fontMetrics().height() + pad.height())

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        pad = self._padding()
        return self._text_size(width - pad.width()).height() + pad.height()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        area = self.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option,
                                           self)
        font = painter.font()
        font.setUnderline(self.font().underline() or bool(self.property("underline")))
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        painter.drawText(area, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
                         | int(self.WRAP), self.text())


class Form(QWidget):
    """A two-column form whose fields carry their domain path and show their own errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.errors: dict[str, ErrorLabel] = {}

    def add(self, path: str, label: str, widget: W, hint: str = "") -> W:
        """A labelled row; with an empty ``label`` the control spans both columns."""
        name = label.replace("&", "")
        if name and not widget.accessibleName():
            widget.setAccessibleName(name)
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            hint_label = QLabel(hint, box)
            hint_label.setObjectName("hint")
            hint_label.setWordWrap(True)
            hint_label.setTextFormat(Qt.TextFormat.PlainText)
            column.addWidget(hint_label)
        error = ErrorLabel(box)
        column.addWidget(error)
        self.errors[path] = error
        if label:
            caption = QLabel(label, self)  # pack text (a checklist item) is never markup
            caption.setWordWrap(True)
            caption.setTextFormat(Qt.TextFormat.PlainText)
            caption.setBuddy(widget)
            self.layout_.addRow(caption, box)
        else:
            self.layout_.addRow(box)
        return widget

    def set_row_visible(self, widget: QWidget, visible: bool) -> None:
        """Show or hide the row of a control added with :meth:`add` (its label and error too)."""
        box = widget.parentWidget()
        if box is not None:
            self.layout_.setRowVisible(box, visible)


def align_captions(*forms: Form) -> None:
    """Give the captions of these forms one width (the theme's ``QLabel#fieldCaption``, in em,
    so it follows the text size): their fields line up from group to group."""
    for form in forms:
        layout = form.layout_
        for row in range(layout.rowCount()):
            item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            caption = item.widget() if item is not None else None
            if isinstance(caption, QLabel):
                caption.setObjectName("fieldCaption")


def short_choices(combo: QComboBox, letters: int) -> QComboBox:
    """A list as wide as ``letters`` letters at least, whatever its longest choice (a
    procedure's title is ~80 letters: it would set its column's width); the open list shows
    every choice whole."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(letters)
    return combo


def short_title(title: str) -> str:
    """A procedure's name for a narrow column: its title up to the first bracket or colon
    ("Pain pump (intrathecal drug delivery): trial and implant" -> "Pain pump")."""
    short = title
    for mark in (" (", ":"):
        short = short.split(mark, 1)[0]
    return short.strip() or title


def group(title: str, *widgets: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    for w in widgets:
        layout.addWidget(w)
    return box


def show_problems(errors: dict[str, ErrorLabel], problems: Sequence[Problem]) -> list[Problem]:
    """Put each problem under its field; return the ones no field on this page is known for."""
    by_field: dict[str, list[str]] = {}
    rest: list[Problem] = []
    for p in problems:
        if p.field in errors:
            by_field.setdefault(p.field, []).append(p.message)
        else:
            rest.append(p)
    for path, label in errors.items():
        label.show_message("\n".join(by_field.get(path, [])))
    return rest


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when the width runs out, the whole text in its
    tooltip (a long patient name never takes four lines of the consult's header)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self.setAccessibleName(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self.fontMetrics().horizontalAdvance("…") * 8,
                     super().minimumSizeHint().height())

    def _elide(self) -> None:
        width = max(self.contentsRect().width(), 0)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                   width))
