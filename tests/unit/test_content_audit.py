"""IPDAS self-audit: both packs pass; a pack stripped of one feature fails that criterion."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from consult_aid.content import Pack, builtin_packs_dir, load_pack
from consult_aid.content.audit import CERTIFYING, QUALIFYING, audit

TODAY = date(2026, 11, 28)


@pytest.fixture(params=["intrathecal-pump", "spinal-cord-stimulator",
                        "intrathecal-baclofen"])
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(builtin_packs_dir() / f"{request.param}.toml")


def failed_names(pack: Pack) -> list[str]:
    return [c.name for c in audit(pack, TODAY).failed]


def test_both_packs_pass_all_twelve_criteria(pack: Pack) -> None:
    report = audit(pack, TODAY)
    assert report.passed, report.text()
    assert [c.group for c in report.criteria].count(QUALIFYING) == 6
    assert [c.group for c in report.criteria].count(CERTIFYING) == 6
    assert "all 12 criteria met" in report.text()


def test_stripped_update_policy_fails_update_policy_only(pack: Pack) -> None:
    stripped = dataclasses.replace(pack, update_policy="")
    assert failed_names(stripped) == ["update policy"]
    assert "[FAIL] update policy" in audit(stripped, TODAY).text()


def test_stripped_funding_fails_funding(pack: Pack) -> None:
    assert failed_names(dataclasses.replace(pack, funding="")) == ["funding"]
    no_coi = dataclasses.replace(pack, funding="Funded by the clinic.")
    assert audit(no_coi, TODAY).criterion("funding").reason == (
        "the funding statement does not address conflicts of interest")


def test_decision_in_two_sentences_fails_decision(pack: Pack) -> None:
    two = dataclasses.replace(pack, decision="Should you try it? Or not?")
    assert failed_names(two) == ["decision"]


def test_future_publication_date_fails(pack: Pack) -> None:
    later = dataclasses.replace(pack, published=date(2030, 1, 1), next_review=date(2031, 1, 1))
    assert failed_names(later) == ["publication date"]


def test_overdue_review_is_noted_but_not_failed(pack: Pack) -> None:
    report = audit(pack, date(2030, 1, 1))
    assert report.criterion("update policy").passed
    assert "overdue" in report.criterion("update policy").reason


def test_option_without_risks_fails_negative_features_and_balance(pack: Pack) -> None:
    options = list(pack.options)
    options[0] = dataclasses.replace(options[0], risks=())
    names = failed_names(dataclasses.replace(pack, options=tuple(options)))
    assert "negative features" in names and "balanced detail" in names


def test_terse_benefits_against_long_risks_fail_balance(pack: Pack) -> None:
    options = list(pack.options)
    terse = tuple(dataclasses.replace(b, text="It may help.", uncertainty="Unsure.")
                  for b in options[0].benefits)
    options[0] = dataclasses.replace(options[0], benefits=terse)
    report = audit(dataclasses.replace(pack, options=tuple(options)), TODAY)
    assert [c.name for c in report.failed] == ["balanced detail"]
    assert options[0].id in report.criterion("balanced detail").reason


def test_no_status_quo_option_fails_options(pack: Pack) -> None:
    options = tuple(dataclasses.replace(o, status_quo=False) for o in pack.options)
    # keeping current care, taken for a treatment, also cites no source (balance across options)
    assert failed_names(dataclasses.replace(pack, options=options)) == ["options",
                                                                          "balanced detail"]


def test_missing_living_with_fails(pack: Pack) -> None:
    options = list(pack.options)
    options[1] = dataclasses.replace(options[1], living_with="")
    assert failed_names(dataclasses.replace(pack, options=tuple(options))) == [
        "living with each option"]


def test_missing_uncertainty_and_uncited_number_fail(pack: Pack) -> None:
    options = list(pack.options)
    first = options[0]
    quantified = next(i for i in first.risks if i.frequency is not None)
    risks = tuple(dataclasses.replace(i, uncertainty="", references=()) if i is quantified
                  else i for i in first.risks)
    options[0] = dataclasses.replace(first, risks=risks)
    names = failed_names(dataclasses.replace(pack, options=tuple(options)))
    assert "uncertainty" in names and "citations" in names


def test_condition_missing_fails(pack: Pack) -> None:
    # the source of a condition's name (PSPS type 2), if the pack has one, is then cited nowhere
    cited = any(c.references for c in pack.conditions)
    assert failed_names(dataclasses.replace(pack, conditions=())) == (
        ["condition", "citations"] if cited else ["condition"])
