"""Calm, readable-at-arm's-length look: one font size setting, a light palette, clear states.

Sizes are in points and em (never fixed pixels) so the window scales from 1280×720 to 4K.
"""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

NORMAL_PT = 12
LARGE_PT = 15

STYLE = """
QWidget { color: #1f2933; }
QMainWindow, QDialog, QScrollArea > QWidget > QWidget { background: #f7f8fa; }
QLabel#pageTitle { font-size: {title}pt; font-weight: 600; color: #14213d;
                   padding: 0.2em 0 0.3em 0; }
QLabel#intro { color: #3e4c59; padding-bottom: 0.4em; }
QLabel#hint { color: #52606d; }
QLabel#fieldError { color: #9b1c1c; font-weight: 600; }
QLabel#consultHeader { font-weight: 600; color: #14213d; }
QLabel#savedLabel { color: #2f6f4f; }
QLabel#savedLabel[state="held"] { color: #8a5a00; }
QLabel#savedLabel[state="failed"] { color: #9b1c1c; font-weight: 600; }
QLabel#redFlag { background: #fff4e0; border-left: 0.3em solid #d69e2e; color: #5f370e;
                 padding: 0.3em 0.5em; }
QLabel#readOnlyBanner { background: #fff4e0; color: #5f370e; font-weight: 600;
                       border-bottom: 1px solid #e6c98f; padding: 0.5em 1em; }
QFrame#backupNotice { background: #eef4fb; border: 1px solid #c9d6e6; border-radius: 0.4em; }
QFrame#lockPanel { background: #ffffff; border: 1px solid #c9d6e6; border-radius: 0.6em; }
QLabel#backupNoticeText { color: #243b53; padding: 0.2em 0.3em; }
QLabel#finding { color: #1f2933; padding: 0.1em 0; }
QLabel#subHeading { font-weight: 600; color: #14213d; padding-top: 0.4em; }
QLabel#fieldCaption { min-width: 10em; max-width: 10em; }
QLabel#columnHeader { font-weight: 600; color: #3e4c59; }
QLabel#itemTitle { font-weight: 600; font-size: {item}pt; }
QLabel#frequency { font-weight: 600; color: #14213d; }
QLabel#teachBackPrompt { font-style: italic; color: #3e4c59; }
QLabel#meaning { color: #3e4c59; }
QLabel#itemStatus { padding: 0.1em 0.5em; border-radius: 0.3em; font-weight: 600; }
QLabel#itemStatus[state="open"] { background: #fff4e0; color: #7c4a03; }
QLabel#itemStatus[state="done"] { background: #e3f2ea; color: #1e5a3c; }
QFrame#itemCard { background: white; border: 1px solid #d9dee4; border-radius: 0.4em; }
QFrame#itemCard[state="open"] { border-left: 0.35em solid #d69e2e; }
QFrame#itemCard[state="done"] { border-left: 0.35em solid #2f6f4f; }
QLabel#openSummary { font-weight: 600; padding: 0.3em 0.5em; border-radius: 0.3em; }
QLabel#openSummary[state="open"] { background: #fff4e0; color: #7c4a03; }
QLabel#openSummary[state="done"] { background: #e3f2ea; color: #1e5a3c; }
QLabel#sureResult { padding: 0.4em 0.6em; border-radius: 0.3em; font-weight: 600; }
QLabel#sureResult[state="warning"] { background: #fde8e8; color: #9b1c1c; }
QLabel#sureResult[state="done"] { background: #e3f2ea; color: #1e5a3c; }
QLabel#patientView { background: #eef4fb; padding: 0.4em 0.6em; }
QFrame#optionGrid { background: white; border: 1px solid #d9dee4; }
QLabel#gridHeader { background: #14213d; color: white; font-weight: 600; padding: 0.4em; }
QLabel#gridCorner { background: #14213d; }
QLabel#gridQuestion { background: #eef1f5; font-weight: 600; padding: 0.4em;
                      border-bottom: 1px solid #d9dee4; }
QLabel#gridCell { padding: 0.4em; border-bottom: 1px solid #d9dee4;
                  border-left: 1px solid #d9dee4; }
QGroupBox { font-weight: 600; border: 1px solid #d9dee4; border-radius: 0.4em;
            margin-top: 1.2em; padding: 0.6em 0.5em 0.4em 0.5em; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 0.6em; padding: 0 0.3em; color: #14213d; }
QGroupBox QLabel, QGroupBox QRadioButton, QGroupBox QCheckBox { font-weight: normal; }
QPushButton { padding: 0.35em 0.9em; border: 1px solid #9aa5b1; border-radius: 0.3em;
              background: #ffffff; }
QPushButton:hover { background: #eef1f5; }
QPushButton:focus { border: 2px solid #2563eb; }
QPushButton:disabled { color: #9aa5b1; border-color: #d9dee4; }
QPushButton#primary { background: #1d4ed8; color: white; border-color: #1d4ed8; font-weight: 600; }
QPushButton#primary:disabled { background: #c3ccd6; border-color: #c3ccd6; }
QPushButton#primary:focus { border: 2px solid #0b1f5c; }
QPushButton#openItem { text-align: left; border: none; color: #1d4ed8; background: transparent;
                       text-decoration: underline; padding: 0.15em 0.2em; }
QPushButton#openItem:focus { border: 2px solid #2563eb; }
QLineEdit, QPlainTextEdit, QComboBox, QDateEdit { background: white; border: 1px solid #9aa5b1;
    border-radius: 0.25em; padding: 0.2em 0.3em; }
QLineEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QDateEdit:focus {
    border: 2px solid #2563eb; }
QSpinBox { max-width: 9em; min-height: 1.8em; }
QLineEdit:read-only, QPlainTextEdit:read-only { background: #f1f3f5; }
QLineEdit:disabled, QComboBox:disabled { background: #eef0f2; color: #9aa5b1; }
QListWidget#stepList { background: #ffffff; border: 1px solid #d9dee4; padding: 0.2em; }
QListWidget#stepList::item { padding: 0.45em 0.3em; border-bottom: 1px solid #eef0f2; }
QListWidget#stepList::item:selected { background: #dbe7ff; color: #0b1f5c; }
"""


def apply_theme(app: QApplication, large_text: bool) -> None:
    font = QFont(app.font())
    font.setPointSize(LARGE_PT if large_text else NORMAL_PT)
    app.setFont(font)
    size = font.pointSize()
    app.setStyleSheet(STYLE.replace("{title}", str(round(size * 1.5)))
                      .replace("{item}", str(round(size * 1.1))))
