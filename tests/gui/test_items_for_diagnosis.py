"""Items that know their patients, through the window: the diagnosis chosen in the condition
step decides which benefits and risks the benefits-and-risks step shows and counts, and the
options step's comparison carries each option's key numbers and sources for that diagnosis."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from consult_aid.domain.steps import open_items
from consult_aid.ui.main_window import MainWindow
from consult_aid.ui.steps.benefits_risks import BenefitsRisksPage
from consult_aid.ui.steps.condition import ConditionPage
from consult_aid.ui.steps.options import OptionsPage

from .helpers import add_patient_and_start

DIABETES_ONLY = "stimulator-relief-diabetic-nerve-pain"
BACK_SURGERY_ONLY = "stimulator-relief-after-back-surgery"


def choose_diagnosis(view: object, condition_id: str) -> None:
    view.go_to("condition")  # type: ignore[attr-defined]
    page = view.page("condition")  # type: ignore[attr-defined]
    assert isinstance(page, ConditionPage)
    index = page.diagnosis.findData(condition_id)
    assert index > 0, condition_id
    page.diagnosis.setCurrentIndex(index)  # as picked from the list


def test_the_diagnosis_decides_which_items_are_shown_and_required(
        qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window, pack_id="spinal-cord-stimulator")
    pack = view.session.pack
    page = view.page("benefits_risks")
    assert isinstance(page, BenefitsRisksPage)
    cards = {c.item.id: c for c in page.cards}

    # no diagnosis chosen yet: every item is shown (leaving one out is the harm)
    view.go_to("benefits_risks")
    assert cards[DIABETES_ONLY].isVisible() and cards[BACK_SURGERY_ONLY].isVisible()
    assert f"of {len(pack.items())} items still open" in page.summary.text()

    choose_diagnosis(view, "psps-2")
    view.go_to("benefits_risks")
    assert view.session.consult.condition.diagnosis_id == "psps-2"
    assert not cards[DIABETES_ONLY].isVisible()
    assert cards[BACK_SURGERY_ONLY].isVisible()
    shown = [c for c in page.cards if c.isVisible()]
    assert len(shown) == len(pack.items_for("psps-2")) < len(pack.items())
    assert f"{len(shown)} of {len(shown)} items still open" in page.summary.text()
    fields = {o.field for o in open_items(view.session.consult, pack)}
    assert f"understanding.{DIABETES_ONLY}" not in fields
    assert f"understanding.{BACK_SURGERY_ONLY}" in fields

    # the options step: key numbers and sources for this patient, in every treatment column
    view.go_to("options")
    options = view.page("options")
    assert isinstance(options, OptionsPage)
    ids = [o.id for o in pack.options]
    stimulator = options.key_cells[ids.index("stimulator")].text()
    assert "Less leg pain after back surgery: 480 in 1,000 people at 6 months" in stimulator
    assert "diabetes" not in stimulator
    for option_id in ("stimulator", "pump", "medicines"):
        assert options.source_cells[ids.index(option_id)].text()[0].isdigit(), option_id
    assert options.source_cells[ids.index("current-care")].text() == "—"

    choose_diagnosis(view, "diabetic-neuropathy")
    view.go_to("benefits_risks")
    assert cards[DIABETES_ONLY].isVisible() and not cards[BACK_SURGERY_ONLY].isVisible()
    fields = {o.field for o in open_items(view.session.consult, pack)}
    assert f"understanding.{DIABETES_ONLY}" in fields
    assert f"understanding.{BACK_SURGERY_ONLY}" not in fields


def test_medicine_items_are_marked_in_the_window(qtbot: QtBot, window: MainWindow) -> None:
    view = add_patient_and_start(qtbot, window)  # the pump pack
    page = view.page("benefits_risks")
    assert isinstance(page, BenefitsRisksPage)
    view.go_to("benefits_risks")
    card = next(c for c in page.cards if c.item.id == "pump-ziconotide-mind")
    assert card.isVisible()
    texts = [w.text() for w in card.findChildren(type(page.summary))]
    assert any("Only if the plan uses: Ziconotide." in t for t in texts)
    assert "What to expect" in [h.text() for h, _cards in page.headings]
