"""Broken packs are rejected with every problem, each with file, key path and message.

Each bad pack is the first-edition pump pack (released 1.0.0: self-contained, every table
written out) with one deliberate change, written into tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from consult_aid.content import PackError, PackProblem, builtin_packs_dir, load_pack

GOOD = builtin_packs_dir() / "released" / "intrathecal-pump-1.0.0.toml"  # self-contained


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
    path = variant(tmp_path, '"A headache that does not go away.",',
                   '"A headache that does not go away: call {clinic_fax}.",')
    assert "unknown placeholder {clinic_fax}" in only(
        problems_of(path), "handout.clinic_signs[2]").message


def test_the_handout_needs_no_phone_placeholder_but_known_ones_are_allowed(
        tmp_path: Path) -> None:
    """The renderer prints the numbers in the two boxes itself."""
    assert "{clinic_phone}" not in GOOD.read_text(encoding="utf-8")
    path = variant(tmp_path, '"Do not take other medicines that make you sleepy unless your '
                             'doctor agrees.",',
                   '"Questions? Call {clinic_name} on {clinic_phone}, or at night on '
                   '{out_of_hours_phone}. In danger, call {emergency_number}.",')
    pack = load_pack(path)
    assert "{emergency_number}" in pack.handout.sections[2].paragraphs[3]


# -- the handout's two boxes of signs and the after-trial part ---------------------------------
EMERGENCY_SIGNS = "emergency_signs = [\n"
CLINIC_SIGNS = "clinic_signs = [\n"


def test_warning_signs_of_the_old_format_are_refused_with_what_replaces_them(
        tmp_path: Path) -> None:
    path = variant(tmp_path, EMERGENCY_SIGNS, "warning_signs = [\n")
    problems = problems_of(path)
    old = only(problems, "handout.warning_signs").message
    assert "replaced by emergency_signs and clinic_signs" in old
    assert "emergency services" in old
    assert "required" in only(problems, "handout.emergency_signs").message


@pytest.mark.parametrize("key", ["emergency_signs", "clinic_signs"])
def test_both_lists_of_signs_are_required_and_not_empty(tmp_path: Path, key: str) -> None:
    text = GOOD.read_text(encoding="utf-8")
    start = text.index(f"{key} = [\n")
    end = text.index("\n]\n", start) + 3
    path = tmp_path / "variant.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert "required" in only(problems_of(path), f"handout.{key}").message
    path.write_text(text[:start] + f"{key} = []\n" + text[end:], encoding="utf-8")
    assert "empty list" in only(problems_of(path), f"handout.{key}").message


def test_text_that_makes_emergency_help_wait_for_the_clinic_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, '"A headache that does not go away.",',
                   '"Very slow breathing: call us. If you cannot reach us, call emergency '
                   'services.",')
    problem = only(problems_of(path), "handout.clinic_signs[2]")
    assert "makes emergency help wait for the clinic" in problem.message
    path = variant(tmp_path, '"Do not take other medicines that make you sleepy unless your '
                             'doctor agrees.",',
                   '"Call emergency services only if the clinic does not answer.",')
    assert "only if" not in GOOD.read_text(encoding="utf-8")
    assert only(problems_of(path), "handout.sections[2].paragraphs[3]")


def test_a_figure_in_an_emergency_sign_needs_emergency_references(tmp_path: Path) -> None:
    refs = 'emergency_references = ["asa-asra-2016", "fda-baclofen-2002"]\n'
    path = variant(tmp_path, refs, "")
    text = path.read_text(encoding="utf-8").replace(
        '"New weakness or numbness in your legs.",',
        '"New weakness or numbness in your legs within 2 days.",', 1)
    path.write_text(text, encoding="utf-8")
    problem = only(problems_of(path), "handout.emergency_signs[3]")
    assert problem.message.startswith(
        'contains a figure ("2 days") but handout cites no reference; add '
        'emergency_references = ')


def test_the_after_trial_part_cites_its_figures(tmp_path: Path) -> None:
    after_refs = ("(asa-asra-2016).\n"
                  'references = ["pacc-2017", "asa-asra-2016"]\n')
    path = variant(tmp_path, after_refs, "(asa-asra-2016).\n")
    problem = only(problems_of(path), "handout.after_trial.how_long")
    assert problem.message.startswith(
        'contains a figure ("6 hours") but handout.after_trial cites no reference; add '
        'references = ')
    assert [p.key_path for p in problems_of(path)] == ["handout.after_trial.how_long"]
    pack = load_pack(GOOD)
    assert pack.handout.after_trial is not None
    assert pack.handout.after_trial.references == ("pacc-2017", "asa-asra-2016")


def test_the_after_trial_part_needs_who_how_long_and_what_to_watch(tmp_path: Path) -> None:
    path = variant(tmp_path, 'who = "An adult must stay with you if you go home the same day."\n',
                   'whom = "An adult."\n')
    problems = problems_of(path)
    assert "required" in only(problems, "handout.after_trial.who").message
    assert "unknown key 'whom'" in only(problems, "handout.after_trial.whom").message
    text = GOOD.read_text(encoding="utf-8")
    start = text.index("watch = [\n")
    end = text.index("\n]\n", start) + 3
    path.write_text(text[:start] + "watch = []\n" + text[end:], encoding="utf-8")
    assert "empty list" in only(problems_of(path), "handout.after_trial.watch").message


# -- frequencies: named group, whole numbers, one allowed denominator --------------------------
HEADACHE_GROUP = ', group = "people who had a pain pump put in at one US clinic"'


def test_a_frequency_without_a_group_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, HEADACHE_GROUP, "")
    problems = problems_of(path)
    assert [p.key_path for p in problems] == ["options[0].risks[4].frequency.group"]
    assert "required" in problems[0].message
    path = variant(tmp_path, HEADACHE_GROUP, ', group = "  "')
    assert "is empty" in only(problems_of(path), "options[0].risks[4].frequency.group").message


@pytest.mark.parametrize(("old", "new", "key", "rounded"), [
    ("count = 39, timeframe", "count = 38.9, timeframe", "options[0].risks[7].frequency.count",
     "39"),
    ("low = 8, high = 61", "low = 7.6, high = 61", "options[0].risks[0].frequency.low", "8"),
    ("low = 8, high = 61", "low = 8, high = 60.5", "options[0].risks[0].frequency.high", "61"),
])
def test_a_fractional_figure_is_refused(tmp_path: Path, old: str, new: str, key: str,
                                        rounded: str) -> None:
    problems = problems_of(variant(tmp_path, old, new))
    assert [p.key_path for p in problems] == [key]
    assert "is not a whole number" in problems[0].message
    assert f"(here {rounded})" in problems[0].message


def test_a_whole_number_written_with_a_decimal_point_is_accepted(tmp_path: Path) -> None:
    pack = load_pack(variant(tmp_path, "count = 39, timeframe", "count = 39.0, timeframe"))
    f = pack.item("pump-death").frequency
    assert f is not None and f.whole_count == 39


@pytest.mark.parametrize("denominator", [10000, 50])
def test_only_100_or_1000_as_the_denominator(tmp_path: Path, denominator: int) -> None:
    path = variant(tmp_path, "denominator = 1000", f"denominator = {denominator}")
    problem = only(problems_of(path), "denominator")
    assert f"{denominator:,} is not allowed; use 100 or 1,000" in problem.message


def test_a_count_under_1_is_refused(tmp_path: Path) -> None:
    path = variant(tmp_path, "count = 4, timeframe", "count = 0, timeframe")
    problem = only(problems_of(path), "options[0].risks[3].frequency.count")
    assert "must be at least 1 in 1,000" in problem.message
    assert "fewer than 1 in 1,000" in problem.message


def test_a_range_needs_both_ends(tmp_path: Path) -> None:
    path = variant(tmp_path, "low = 8, high = 61, ", "low = 8, ")
    problem = only(problems_of(path), "options[0].risks[0].frequency.high")
    assert "both ends" in problem.message


@pytest.mark.parametrize("figure", ["38.9 in 1,000", "3.89%", "2.3 of 100", "3.9 per cent"])
def test_a_rate_with_decimals_in_patient_text_is_refused(tmp_path: Path, figure: str) -> None:
    path = variant(tmp_path, "fewer than 1 in 1,000 died within",
                   f"{figure} died within")
    problem = only(problems_of(path), "options[0].risks[7].uncertainty")
    assert problem.message.startswith(f'contains a figure with decimals ("{figure}')
    assert "whole numbers in 1,000" in problem.message


# -- options: medicines and trials --------------------------------------------------------------
PUMP_MEDICINES = ('medicines = ["Morphine", "Hydromorphone", "Fentanyl", "Ziconotide", '
                  '"Bupivacaine", "Clonidine"]')


def test_medicines_and_has_trial_are_read_and_checked(tmp_path: Path) -> None:
    pack = load_pack(GOOD)
    assert pack.option("pump").has_trial and pack.option("stimulator").has_trial
    assert not pack.option("current-care").has_trial
    assert pack.option("pump").medicines[:1] == ("Morphine",)
    path = variant(tmp_path, PUMP_MEDICINES, PUMP_MEDICINES.replace('"Clonidine"', '"morphine"'))
    assert "'morphine' is listed twice" in only(problems_of(path),
                                                "options[0].medicines[5]").message
    path = variant(tmp_path, "has_trial = true\n", 'has_trial = "yes"\n')
    assert "true or false" in only(problems_of(path), "options[0].has_trial").message
    path = variant(tmp_path, "status_quo = true\n", "status_quo = true\nhas_trial = true\n")
    assert "no trial" in only(problems_of(path), "options[3].has_trial").message


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
PUMP_OPTION_REFS = ('references = ["pacc-2017", "pacc-2017-trialing", "pump-labelling", '
                    '"asa-asra-2016"]')
TRIAL_SECTION = 'heading = "What the trial is"\n'
TRIAL_SECTION_REFS = TRIAL_SECTION + 'references = ["pacc-2017-trialing"]'
LIVING_SECTION = 'heading = "Living with a pain pump"\n'
LIVING_SECTION_REFS = LIVING_SECTION + 'references = ["pump-labelling", "pacc-2017"]'


def test_unknown_reference_in_an_option(tmp_path: Path) -> None:
    path = variant(tmp_path, PUMP_OPTION_REFS,
                   PUMP_OPTION_REFS.replace('"pump-labelling"', '"pump-label"'))
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
    problems = problems_of(variant(tmp_path, LIVING_SECTION_REFS,
                                   LIVING_SECTION + "references = []"))
    assert [p.key_path for p in problems] == ["handout.sections[2].paragraphs[0]",
                                              "handout.sections[2].paragraphs[1]"]
    assert problems[0].message.startswith(
        'contains a figure ("6 weeks to 6 months") but handout.sections[2] cites no reference')


def test_a_figure_in_a_clinic_sign_needs_clinic_references(tmp_path: Path) -> None:
    sign = '"A headache that does not go away.",'
    path = variant(tmp_path, sign, '"A headache that lasts over 2 days.",')
    problem = only(problems_of(path), "handout.clinic_signs[2]")
    assert problem.message.startswith(
        'contains a figure ("2 days") but handout cites no reference; add '
        'clinic_references = ')
    text = path.read_text(encoding="utf-8").replace(
        "clinic_signs = [", 'clinic_references = ["neuman-2013"]\nclinic_signs = [', 1)
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert pack.handout.clinic_references == ("neuman-2013",)
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
    # the first edition's only failure is the one the second edition fixed: its stimulator,
    # as an alternative, was told in 3 items (the "unbalanced alternatives")
    assert [c.name for c in report.failed] == ["balanced detail"]
    assert "stimulator has 3 benefits and risks" in report.criterion("balanced detail").reason


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
