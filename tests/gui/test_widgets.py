"""The window's own widgets and models, each on its own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from consult_aid.content import load_catalog
from consult_aid.domain import Clinician, Patient
from consult_aid.domain.signature import PAD_HEIGHT, PAD_WIDTH
from consult_aid.services.consults import start_consult
from consult_aid.services.settings import UiSettings, load_settings, write_settings
from consult_aid.storage.consults import ConsultRepository
from consult_aid.ui.archive import ArchiveModel
from consult_aid.ui.context import AppContext, local_now
from consult_aid.ui.widgets.icon_array import AFFECTED, OTHERS, IconArray
from consult_aid.ui.widgets.signature_pad import INK, SignaturePad
from tests.signed_in import sign_in_db

from .conftest import draw


def near(image: QImage, x0: float, y0: float, x1: float, y1: float, colour: QColor,
         tolerance: int = 60) -> int:
    """How many pixels in the rectangle (x0, y0)-(x1, y1) are within ``tolerance`` of
    ``colour`` (sum of the red, green and blue differences)."""
    count = 0
    for y in range(max(0, int(y0)), min(image.height(), int(y1))):
        for x in range(max(0, int(x0)), min(image.width(), int(x1))):
            c = image.pixelColor(x, y)
            if (abs(c.red() - colour.red()) + abs(c.green() - colour.green())
                    + abs(c.blue() - colour.blue())) <= tolerance:
                count += 1
    return count


def test_signature_pad_records_a_mouse_stroke_in_pad_units(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(500, 150)
    pad.show()
    with qtbot.waitSignal(pad.changed):
        draw(pad, [(50, 75), (250, 30), (450, 120)])
    (stroke,) = pad.strokes()
    xs = [p.x for p in stroke.points]
    assert xs == [100.0, 500.0, 900.0]
    assert all(0 <= p.y <= PAD_HEIGHT and p.pressure == 0.5 for p in stroke.points)
    drawing = pad.grab().toImage()
    # ink along both segments (around their midpoints), none in corners far from the stroke
    assert near(drawing, 145, 48, 155, 58, INK) > 0
    assert near(drawing, 345, 70, 355, 80, INK) > 0
    assert near(drawing, 0, 0, 40, 40, INK) == near(drawing, 420, 0, 500, 40, INK) == 0
    assert near(drawing, 0, 110, 60, 150, INK) == 0
    with qtbot.waitSignal(pad.changed):
        pad.clear()
    assert pad.is_empty()
    assert near(pad.grab().toImage(), 0, 0, 500, 150, INK) == 0  # the ink is gone too


def test_signature_pad_keeps_pen_pressure(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(400, 120)
    pad.show()
    device = QPointingDevice.primaryPointingDevice()
    for kind, x, pressure in ((QTabletEvent.Type.TabletPress, 40, 0.2),
                              (QTabletEvent.Type.TabletMove, 200, 0.9),
                              (QTabletEvent.Type.TabletRelease, 200, 0.0)):
        pos = QPointF(x, 60)
        event = QTabletEvent(kind, device, pos, pad.mapToGlobal(pos), pressure, 0.0, 0.0,
                             0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier,
                             Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        QApplication.sendEvent(pad, event)
    (stroke,) = pad.strokes()
    assert [p.pressure for p in stroke.points] == [0.2, 0.9]
    assert stroke.points[-1].x == PAD_WIDTH / 2


def test_signature_pad_read_only_ignores_drawing(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(300, 90)
    pad.set_read_only(True)
    draw(pad, [(10, 10), (100, 50)])
    assert pad.is_empty()


def test_icon_array_fills_as_many_people_as_the_frequency(qtbot: QtBot) -> None:
    icons = IconArray(23)
    qtbot.addWidget(icons)
    icons.resize(icons.sizeHint())
    image = icons.grab().toImage()
    cell = image.width() / 10

    def filled(index: int) -> bool:
        row, col = divmod(index, 10)
        colour = image.pixelColor(int((col + 0.5) * cell), int((row + 0.7) * cell))
        return colour.alpha() > 0 and colour.red() > 150 and colour.blue() < 100

    assert [filled(i) for i in (0, 22)] == [True, True]
    assert [filled(i) for i in (23, 99)] == [False, False]

    def in_cell(index: int, colour: QColor) -> int:
        row, col = divmod(index, 10)
        return near(image, col * cell, row * cell, (col + 1) * cell, (row + 1) * cell, colour)

    # the other 77 people are drawn too, as outlines (colour is never the only cue)
    assert all(in_cell(i, OTHERS) >= 5 for i in (23, 57, 99))
    assert all(in_cell(i, AFFECTED) == 0 for i in (23, 57, 99))
    assert all(in_cell(i, OTHERS) == 0 for i in (0, 22))


def test_archive_model_lists_and_searches_consults(qtbot: QtBot, ctx: AppContext) -> None:
    pack = load_catalog(None).get("intrathecal-pump")
    sign_in_db(ctx.db)
    clinician = Clinician(name="Dr Model")
    for name in ("Maria Lopez", "John Smith"):
        start_consult(ctx.db, Patient(name=name, date_of_birth=date(1960, 1, 1)), clinician,
                      pack, local_now())
    model = ArchiveModel(ctx.db, {pack.id: pack.title})
    assert model.rowCount() == 2
    assert model.columnCount() == len(ArchiveModel.COLUMNS)
    names = {model.data(model.index(r, 1)) for r in range(2)}
    assert names == {"Maria Lopez", "John Smith"}
    assert model.data(model.index(0, 4)) == "Pain pump"  # its short name; whole in the tooltip
    assert model.data(model.index(0, 4), Qt.ItemDataRole.ToolTipRole) == pack.title
    assert model.data(model.index(0, 6)) == "Draft"
    model.set_filter("lopez")
    assert model.rowCount() == 1
    assert model.data(model.index(0, 1)) == "Maria Lopez"
    assert ConsultRepository(ctx.db).get(model.summary(0).id).patient.name == "Maria Lopez"


def test_settings_keep_other_sections(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"other": {"x": 1}}')
    write_settings(path, UiSettings(large_text=True))
    assert load_settings(path).large_text is True
    assert '"other"' in path.read_text()
    path.write_text("not json")
    assert load_settings(path) == UiSettings()


def test_signature_pad_stops_taking_ink_at_the_stored_limit(qtbot: QtBot) -> None:
    """A scribble longer than a stored signature may be (MAX_POINTS) is held at the limit, so
    what the pad gives can always be saved and imported again."""
    from consult_aid.domain.limits import MAX_POINTS

    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.resize(500, 150)
    pad.show()
    path = [(5 + (i * 13) % 490, 5 + (i * 7) % 140) for i in range(MAX_POINTS + 500)]
    draw(pad, path)
    (stroke,) = pad.strokes()
    assert len(stroke.points) == MAX_POINTS
    draw(pad, [(20, 20), (40, 40)])  # a full pad takes no more strokes
    assert len(pad.strokes()) == 1
