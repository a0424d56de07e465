"""Broken packs are rejected with every problem, each with file, key path and message.

Each bad pack is the built-in pump pack with one deliberate change, written into tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.content import PackError, PackProblem, builtin_packs_dir, load_pack

GOOD = builtin_packs_dir() / "intrathecal-pump.toml"


def variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = GOOD.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"fixture text not found: {old!r}"
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[PackProblem]:
    with pytest.raises(PackError) as caught:
        load_pack(path, source="clinic")
    problems = caught.value.problems
    assert problems
    assert all(p.file == str(path) for p in problems)
    text = str(caught.value)
    for p in problems:  # str() lists every problem
        assert f"{p.key_path}: {p.message}" in text
    return problems


def only(problems: list[PackProblem], key_path: str) -> PackProblem:
    matching = [p for p in problems if p.key_path == key_path]
    assert matching, f"no problem at {key_path}; got {[str(p) for p in problems]}"
    return matching[0]


def test_the_unchanged_pack_is_valid(tmp_path: Path) -> None:
    assert load_pack(variant(tmp_path, "", "", 0)).id == "intrathecal-pump"


def test_missing_top_level_field(tmp_path: Path) -> None:
    path = variant(tmp_path, 'decision = "Do you want', 'nothing_here = "Do you want')
    problems = problems_of(path)
    assert "required" in only(problems, "decision").message
    assert "unknown key 'nothing_here'" in only(problems, "nothing_here").message


def test_missing_field_in_a_nested_item(tmp_path: Path) -> None:
    path = variant(tmp_path, 'teach_back = "In your own words, what could happen if a refill is '
                             'missed?"\n', "")
    problem = only(problems_of(path), "options[0].risks[10].teach_back")
    assert "required" in problem.message


def test_unknown_reference(tmp_path: Path) -> None:
    path = variant(tmp_path, 'references = ["neuman-2013"]', 'references = ["newman-2013"]')
    problems = problems_of(path)
    assert "unknown reference 'newman-2013'" in only(
        problems, "options[0].risks[4].references[0]").message
    assert "'neuman-2013' is never cited" in only(problems, "references[4]").message


def test_duplicate_item_id(tmp_path: Path) -> None:
    path = variant(tmp_path, 'id = "pump-deep-infection"', 'id = "pump-skin-infection"')
    problem = only(problems_of(path), "options[0].risks[1].id")
    assert problem.message == ("duplicate benefit or risk id 'pump-skin-infection'; already "
                               "used at options[0].risks[0]")


def test_frequency_over_100_percent(tmp_path: Path) -> None:
    path = variant(tmp_path, "count = 23, timeframe", "count = 1023, timeframe")
    problems = problems_of(path)
    assert "over 100%" in only(problems, "options[0].risks[0].frequency.count").message
    assert len(problems) == 1


def test_negative_count_and_inverted_range(tmp_path: Path) -> None:
    path = variant(tmp_path, "low = 8, high = 61", "low = 30, high = 61")
    problem = only(problems_of(path), "options[0].risks[0].frequency.low")
    assert "above the count 23" in problem.message


def test_a_second_denominator_style_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, "count = 230, timeframe",
                   "count = 23, denominator = 100, timeframe")
    problem = only(problems_of(path), "options[0].risks[4].frequency.denominator")
    assert "one denominator throughout a pack" in problem.message


def test_quantified_item_without_a_reference(tmp_path: Path) -> None:
    path = variant(tmp_path, 'references = ["neuman-2013"]\n', "")
    problems = problems_of(path)
    assert "must cite" in only(problems, "options[0].risks[4].references").message


def test_frequency_and_not_quantified_are_exclusive(tmp_path: Path) -> None:
    path = variant(tmp_path, 'not_quantified = "This is a known limit of the pump',
                   'frequency = { count = 5, timeframe = "a year" }\n'
                   'not_quantified = "This is a known limit of the pump')
    problem = only(problems_of(path), "options[0].risks[12].not_quantified")
    assert "not both" in problem.message


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("published = 2026-11-24", 'published = "2026-02-30"', "published", "not a valid date"),
    ("next_review = 2027-11-24", "next_review = 2025-01-01", "next_review",
     "must be after the publication date"),
    ("published = 2026-11-24", "published = 2026-11-24T10:00:00", "published",
     "without a time"),
])
def test_bad_dates(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert words in only(problems_of(variant(tmp_path, old, new)), key).message


def test_broken_toml_syntax_gives_line_and_column(tmp_path: Path) -> None:
    path = variant(tmp_path, 'title = "Pain pump (intrathecal drug delivery): trial and implant"',
                   'title = "Pain pump (intrathecal drug delivery): trial and implant')
    problems = problems_of(path)
    assert len(problems) == 1
    line = GOOD.read_text(encoding="utf-8").splitlines().index(
        'title = "Pain pump (intrathecal drug delivery): trial and implant"') + 1
    assert problems[0].key_path.startswith(f"line {line}, column ")
    assert problems[0].message.startswith("TOML syntax error")


def test_invalid_unquoted_date_is_a_syntax_error(tmp_path: Path) -> None:
    problems = problems_of(variant(tmp_path, "published = 2026-11-24", "published = 2026-02-30"))
    assert problems[0].key_path.startswith("line ")


def test_unknown_red_flag_fact(tmp_path: Path) -> None:
    path = variant(tmp_path, 'fact = "history.sleep_apnoea"', 'fact = "history.sleep_apnea"')
    problem = only(problems_of(path), "red_flags[5].fact")
    assert "unknown consult fact 'history.sleep_apnea'" in problem.message
    assert "history.sleep_apnoea" in problem.message  # lists what is known


def test_missing_comparison_answer(tmp_path: Path) -> None:
    path = variant(tmp_path, 'mri = "Yes. Medicines do not affect MRI scans."\n', "")
    assert "must answer comparison question 'mri'" in only(
        problems_of(path), "options[2].answers.mri").message


def test_placeholder_outside_the_handout_and_unknown_placeholder(tmp_path: Path) -> None:
    path = variant(tmp_path, 'what = "Carry on with the care you have now."',
                   'what = "Call {clinic_phone}."')
    assert "only filled in the handout" in only(
        problems_of(path), "options[3].answers.what").message
    path = variant(tmp_path, "call {clinic_name} at once", "call {clinic_fax} at once")
    assert "unknown placeholder {clinic_fax}" in only(
        problems_of(path), "handout.sections[3].paragraphs[0]").message


def test_handout_without_phone_placeholder(tmp_path: Path) -> None:
    path = variant(tmp_path, "{clinic_phone}", "the clinic")
    assert "{clinic_phone}" in only(problems_of(path), "handout").message


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace("count = 23, timeframe", "count = 1023, timeframe")
    text = text.replace('id = "pump-deep-infection"', 'id = "pump-skin-infection"')
    text = text.replace('version = "1.0.0"', 'version = "one"')
    path = tmp_path / "many.toml"
    path.write_text(text, encoding="utf-8")
    keys = {p.key_path for p in problems_of(path)}
    assert {"options[0].risks[0].frequency.count", "options[0].risks[1].id",
            "version"} <= keys


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "absent.toml")[0].key_path == "(file)"
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Caf\u00e9"'.encode("latin-1"))
    assert "UTF-8" in problems_of(path)[0].message


# -- sources of the figures in option and handout text ----------------------------------------
PUMP_OPTION_REFS = 'references = ["pacc-2017", "pacc-2017-trialing", "pump-labelling"]'
TRIAL_SECTION = 'heading = "What the trial is"\n'
TRIAL_SECTION_REFS = TRIAL_SECTION + 'references = ["pacc-2017-trialing", "pacc-2017"]'


def test_unknown_reference_in_an_option(tmp_path: Path) -> None:
    path = variant(tmp_path, PUMP_OPTION_REFS,
                   'references = ["pacc-2017", "pacc-2017-trialing", "pump-label"]')
    problems = problems_of(path)
    assert only(problems, "options[0].references[2]").message.startswith(
        "unknown reference 'pump-label'; add it under [[references]]")
    assert len(problems) == 1  # pump-labelling is still cited elsewhere


def test_unknown_reference_in_a_handout_section(tmp_path: Path) -> None:
    path = variant(tmp_path, TRIAL_SECTION_REFS,
                   TRIAL_SECTION + 'references = ["pacc-2017-trialling"]')
    problem = only(problems_of(path), "handout.sections[0].references[0]")
    assert "unknown reference 'pacc-2017-trialling'" in problem.message


def test_a_figure_in_a_step_of_an_option_without_references(tmp_path: Path) -> None:
    problems = problems_of(variant(tmp_path, PUMP_OPTION_REFS + "\n", ""))
    assert only(problems, "options[0].steps[2]").message.startswith(
        'contains a figure ("6 hours") but options[0] cites no reference; add references = ')
    assert 'contains a figure ("6 weeks to 6 months") but options[0] cites no reference' in \
        only(problems, "options[0].steps[5]").message
    assert '("5 to 7 years")' in only(problems, "options[0].steps[7]").message
    assert {p.key_path for p in problems} == {
        "options[0].steps[2]", "options[0].steps[5]", "options[0].steps[7]",
        "options[0].living_with", "options[0].answers.operation", "options[0].answers.visits",
    }  # the benefits and risks cite their own sources; other options hold no figure


def test_a_new_figure_in_an_option_that_cites_nothing(tmp_path: Path) -> None:
    path = variant(tmp_path, '"Come back to talk about how you are doing.",',
                   '"Come back in 4 weeks to talk about how you are doing.",')
    problem = only(problems_of(path), "options[2].steps[2]")
    assert problem.message.startswith(
        'contains a figure ("4 weeks") but options[2] cites no reference')


def test_a_figure_in_a_handout_section_without_references(tmp_path: Path) -> None:
    problems = problems_of(variant(tmp_path, TRIAL_SECTION_REFS, TRIAL_SECTION + "references = []"))
    assert [p.key_path for p in problems] == ["handout.sections[0].paragraphs[1]"]
    assert problems[0].message.startswith(
        'contains a figure ("6 hours") but handout.sections[0] cites no reference')


def test_a_figure_in_a_warning_sign_needs_warning_references(tmp_path: Path) -> None:
    sign = '"A bad headache that does not go away.",'
    path = variant(tmp_path, sign, '"A bad headache that lasts over 2 days.",')
    problem = only(problems_of(path), "handout.warning_signs[1]")
    assert problem.message.startswith(
        'contains a figure ("2 days") but handout cites no reference; add '
        'warning_references = ')
    text = path.read_text(encoding="utf-8").replace(
        "warning_signs = [", 'warning_references = ["neuman-2013"]\nwarning_signs = [', 1)
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert pack.handout.warning_references == ("neuman-2013",)
    assert "neuman-2013" in pack.handout.references()


def test_a_reference_cited_only_by_an_option_counts_as_cited(tmp_path: Path) -> None:
    from consult_aid.content.audit import audit

    checklist_only = 'text = "Selection and follow-up arranged in line with British Pain ' \
                     'Society best practice."\nreferences = ["bps-2015"]'
    moved = checklist_only.replace('["bps-2015"]', '["pacc-2017"]')
    path = variant(tmp_path, checklist_only, moved)
    assert "'bps-2015' is never cited" in only(problems_of(path), "references[2]").message
    text = path.read_text(encoding="utf-8").replace(
        PUMP_OPTION_REFS, PUMP_OPTION_REFS.replace('"]', '", "bps-2015"]'))
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert "bps-2015" in pack.option("pump").references
    report = audit(pack)
    assert report.criterion("citations").passed, report.criterion("citations").reason
    assert report.passed


# -- sources of the figures in condition text ------------------------------------------------
CANCER_PAIN = ('description = """Pain caused by cancer or its treatment that other care has not '
               'eased \\\nenough."""\n')


def test_a_figure_in_a_condition_description_without_references(tmp_path: Path) -> None:
    path = variant(tmp_path, CANCER_PAIN, CANCER_PAIN.replace("enough.", "enough for 3 months."))
    problems = problems_of(path)
    assert [p.key_path for p in problems] == ["conditions[1].description"]
    assert problems[0].message == (
        'contains a figure ("3 months") but conditions[1] cites no reference; add references = '
        '["..."] with the source of the figure, or write the text without the number')


def test_a_figure_in_a_condition_name_without_references(tmp_path: Path) -> None:
    path = variant(tmp_path, 'name = "Pain from cancer"', 'name = "Pain from cancer (type 2)"')
    problem = only(problems_of(path), "conditions[1].name")
    assert problem.message.startswith(
        'contains a figure ("2") but conditions[1] cites no reference')


def test_a_condition_that_cites_its_figure_loads(tmp_path: Path) -> None:
    path = variant(tmp_path, CANCER_PAIN, CANCER_PAIN.replace("enough.", "enough for 3 months.")
                   + 'references = ["pacc-2017"]\n')
    pack = load_pack(path)
    assert pack.conditions[1].references == ("pacc-2017",)
    assert pack.conditions[0].references == ()


def test_unknown_reference_in_a_condition(tmp_path: Path) -> None:
    path = variant(tmp_path, CANCER_PAIN, CANCER_PAIN + 'references = ["pacc-2071"]\n')
    problems = problems_of(path)
    assert [p.key_path for p in problems] == ["conditions[1].references[0]"]
    assert problems[0].message.startswith(
        "unknown reference 'pacc-2071'; add it under [[references]]")


def test_a_condition_references_must_be_a_list_of_text(tmp_path: Path) -> None:
    path = variant(tmp_path, CANCER_PAIN, CANCER_PAIN + 'references = "pacc-2017"\n')
    message = only(problems_of(path), "conditions[1].references").message
    assert message.startswith('must be a list of texts like ["..."]')


def test_a_reference_cited_only_by_a_condition_counts_as_cited(tmp_path: Path) -> None:
    from consult_aid.content.audit import audit

    checklist_only = 'text = "Selection and follow-up arranged in line with British Pain ' \
                     'Society best practice."\nreferences = ["bps-2015"]'
    path = variant(tmp_path, checklist_only, checklist_only.replace('["bps-2015"]',
                                                                    '["pacc-2017"]'))
    assert "'bps-2015' is never cited" in only(problems_of(path), "references[2]").message
    text = path.read_text(encoding="utf-8").replace(
        CANCER_PAIN, CANCER_PAIN + 'references = ["bps-2015"]\n')
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert pack.conditions[1].references == ("bps-2015",)
    report = audit(pack)
    assert report.criterion("citations").passed, report.criterion("citations").reason
