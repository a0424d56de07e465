"""Right on real screen sizes: at 1280×720 and 1366×768, with normal and larger text, no
visible control on any consult step is squeezed below its minimum size, and no single-line
label or button cuts its text; what does not fit scrolls instead."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from consult_aid.domain import Clinician
from consult_aid.domain.steps import STEP_IDS
from consult_aid.services.consults import save_draft, start_consult
from consult_aid.services.demo import mid_discussion
from consult_aid.storage.people import ClinicianRepository
from consult_aid.ui.context import AppContext
from consult_aid.ui.theme import apply_theme
from tests.builders import NOW, sample_patient
from tests.signed_in import add_account

from .conftest import make_window
from .test_window import settle_layouts

SIZES = [(1280, 720), (1366, 768)]
CHECKED = (QLabel, QLineEdit, QComboBox, QAbstractButton)
SLACK = 1  # px: rounding between a hint and a layout


def squeezed(root: QWidget) -> list[str]:
    """Visible controls under ``root`` narrower or lower than their minimum size hint, and
    one-line labels whose text is wider than the label."""
    found: list[str] = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, CHECKED) or not w.isVisibleTo(root) or w.width() <= 0:
            continue
        hint = w.minimumSizeHint()
        if isinstance(w, QLabel) and w.wordWrap():  # wraps: only its height matters
            too_small = w.height() + SLACK < w.heightForWidth(w.width()) \
                if w.hasHeightForWidth() else False
        elif isinstance(w, QLineEdit | QComboBox):
            # a field must show a whole line of its text: Qt's minimum hint for a styled line
            # edit is a few pixels above what it needs, so the line itself is the measure
            if isinstance(w.parentWidget(), QComboBox):
                continue  # the combo box's own editor, measured with the combo box
            too_small = (w.height() + SLACK < w.fontMetrics().height() + 6
                         or w.width() + SLACK < w.fontMetrics().averageCharWidth() * 4)
        else:
            too_small = (w.width() + SLACK < hint.width()
                         or w.height() + SLACK < hint.height())
        if isinstance(w, QLabel) and not w.wordWrap() and w.text() and "<" not in w.text():
            text = w.text().replace("&", "")
            too_small = too_small or w.fontMetrics().horizontalAdvance(text) > \
                w.contentsRect().width() + SLACK
        if too_small:
            name = getattr(w, "text", lambda: "")() if hasattr(w, "text") else ""
            found.append(f"{type(w).__name__} {w.objectName() or ''} '{str(name)[:40]}' "
                         f"{w.width()}x{w.height()} < {hint.width()}x{hint.height()}")
    return found


@pytest.mark.parametrize("large_text", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_no_step_squeezes_a_control(qtbot: QtBot, ctx: AppContext, clinic: object,
                                    size: tuple[int, int], large_text: bool) -> None:
    pack = ctx.catalog.get("intrathecal-pump")
    consult = start_consult(ctx.db, sample_patient(), clinic, pack, NOW)  # type: ignore[arg-type]
    save_draft(ctx.db, mid_discussion(consult, pack, NOW), now=NOW)
    ctx.settings.large_text = large_text
    window = make_window(qtbot, ctx)
    try:
        window.resize(*size)
        window.open_consult(consult.id)
        view = window.consult_view
        assert view is not None
        problems: dict[str, list[str]] = {}
        for step in STEP_IDS:
            view.go_to(step)
            settle_layouts()
            found = squeezed(view)
            if found:
                problems[step] = found[:5]
        assert problems == {}
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("large_text", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_no_other_screen_squeezes_a_control(qtbot: QtBot, ctx: AppContext,
                                            identity_files: object, size: tuple[int, int],
                                            large_text: bool) -> None:
    """First run, then (with a clinician) the start screen, the archive and the settings."""
    ctx.settings.large_text = large_text
    window = make_window(qtbot, ctx)
    try:
        window.resize(*size)
        problems: dict[str, list[str]] = {}
        settle_layouts()
        assert window.stack.currentWidget() is window.setup_page
        if found := squeezed(window.setup_page):
            problems["first run"] = found[:5]
        ClinicianRepository(ctx.db).save(Clinician(name="Dr Squeeze", clinic="Clinic",
                                                   clinic_phone="555"))
        shutil.copytree(identity_files, ctx.data.identity, dirs_exist_ok=True)  # type: ignore
        window.signed_in(add_account(ctx.db))  # as after the sign-in page
        for name, show, page in (("start", window.show_start, window.start),
                                 ("archive", window.show_archive, window.archive),
                                 ("settings", window.show_settings, window.settings_page)):
            show()
            settle_layouts()
            if found := squeezed(page):
                problems[name] = found[:5]
        assert problems == {}
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # offscreen dialogs
@pytest.mark.parametrize("large_text", [False, True])
def test_the_dialogs_squeeze_nothing(qtbot: QtBot, ctx: AppContext, clinic: object,
                                     large_text: bool) -> None:
    """The signing view and the addendum dialog, shown in a 1280×720 window."""
    from consult_aid.domain import SignerRole
    from consult_aid.ui.addendum_dialog import AddendumDialog
    from consult_aid.ui.widgets.signing_dialog import SigningDialog

    ctx.settings.large_text = large_text
    window = make_window(qtbot, ctx)
    try:
        window.resize(1280, 720)
        settle_layouts()
        dialogs: list[QWidget] = [
            SigningDialog(SignerRole.PATIENT, "Patient", "Maria Fernanda Rodríguez", (), window),
            AddendumDialog("Dr Test Clinician", window)]
        problems: dict[str, list[str]] = {}
        for dialog in dialogs:
            dialog.show()
            settle_layouts()
            if found := squeezed(dialog):
                problems[type(dialog).__name__] = found[:5]
            dialog.close()
        assert problems == {}
    finally:
        window.close()
        apply_theme(QApplication.instance(), large_text=False)  # type: ignore[arg-type]
