"""Form building blocks: a labelled control with its error message right beneath it.

Every control gets an accessible name from its label, and every field is known by the dotted
path of the domain field it edits (``condition.pain_now``), so a :class:`Problem` from the domain
lands next to the control it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from PySide6.QtCore import QDate, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QDateEdit,
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
    QVBoxLayout,
    QWidget,
)

from consult_aid.domain import Problem

NO_DATE = QDate(1900, 1, 1)

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


class OptionalDateEdit(QDateEdit):
    """A date that may be unset: the lowest date stands for "not set"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(NO_DATE)
        self.setMaximumDate(QDate(2200, 12, 31))
        self.setSpecialValueText(self.tr("Not set"))
        self.setDate(NO_DATE)

    def value(self) -> date | None:
        qd = self.date()
        return None if qd == NO_DATE else date(qd.year(), qd.month(), qd.day())

    def set_value(self, value: date | None) -> None:
        qd = NO_DATE if value is None else QDate(value.year, value.month, value.day)
        if self.date() != qd:
            self.setDate(qd)


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
