"""What patients find hard: exact counts over a generated archive whose answer is known."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from consult_aid.cli import main
from consult_aid.datadir import DataFolder
from consult_aid.domain import Addendum, Clinician, PackRef, TeachBack
from consult_aid.services.insights import (
    ItemInsight,
    denominator,
    filter_choices,
    insights,
    item_titles,
    percent,
)
from consult_aid.services.store import Store, open_store
from consult_aid.storage.consults import ConsultRepository
from tests.builders import CET, sample_clinician, sample_consult, sample_patient, sign_in_place
from tests.pdfcheck import builtin_pack
from tests.signed_in import folder_for_commands, sign_in_db

PUMP, STIM = "intrathecal-pump", "spinal-cord-stimulator"
P1, P2, P3 = "pump-leak-headache", "pump-wound-infection", "pump-mri-planning"
S1 = "stimulator-trial-result"
U, PARTLY, NOT_YET = TeachBack.UNDERSTOOD, TeachBack.PARTLY, TeachBack.NOT_YET
PDF = b"%PDF-1.7 a stand-in for the signed summary\n%%EOF\n"
OTHER = Clinician(name="Dr. Ben Hale", credentials="MD", clinic="Riverside Pain Clinic",
                  id="clin-2")
# (pack, clinician, day, {item: (level, re-explained, discussed)}, status)
ARCHIVE = [
    (PUMP, "clin-1", date(2026, 3, 10),
     {P1: (PARTLY, True, True), P2: (U, False, True), P3: (U, False, True)}, "signed"),
    (PUMP, "clin-1", date(2026, 5, 20),
     {P1: (NOT_YET, False, True), P2: (PARTLY, False, True), P3: (U, True, True)}, "signed"),
    (PUMP, "clin-2", date(2026, 8, 1), {P1: (U, True, True), P2: (U, False, True)}, "signed"),
    # P3 has a level but was never marked discussed: not counted
    (PUMP, "clin-2", date(2026, 11, 25),
     {P1: (PARTLY, False, True), P3: (PARTLY, False, False)}, "signed"),
    (STIM, "clin-1", date(2026, 6, 15), {S1: (NOT_YET, False, True)}, "signed"),
    # a draft's answers are not final: never counted
    (PUMP, "clin-1", date(2026, 6, 1),
     {P1: (NOT_YET, True, True), P2: (NOT_YET, True, True)}, "draft"),
    (PUMP, "clin-1", date(2026, 9, 9), {P2: (NOT_YET, False, True)}, "amended"),
]
PATIENT_NAMES = [f"Zofia Testpatient {n}" for n in range(len(ARCHIVE))]


def build_archive(db: Store) -> None:
    """Store ARCHIVE: signed consults through the repository (a stand-in PDF), one draft, one
    amended by an addendum."""
    repo = ConsultRepository(db)
    for n, (pack_id, clinician_id, day, answers, status) in enumerate(ARCHIVE):
        at = datetime(day.year, day.month, day.day, 14, 32, 5, tzinfo=CET)
        c = sample_consult(f"{n + 1:032x}", patient=sample_patient(PATIENT_NAMES[n],
                                                                    f"MRN-{n:05d}"))
        c.pack = PackRef(pack_id, "2.0.0", "ab" * 32)
        c.clinician = sample_clinician() if clinician_id == "clin-1" else OTHER
        c.created_at = c.updated_at = at
        c.decision = dataclasses.replace(c.decision, follow_up=date(2026, 12, 31))
        c.understanding.clear()
        for item_id, (level, again, discussed) in answers.items():
            u = c.understanding_of(item_id)
            u.discussed, u.level, u.re_explained = discussed, level, again
        if status == "draft":
            repo.save_draft(c)
            continue
        repo.sign(sign_in_place(c, at), PDF)
        if status == "amended":
            repo.add_addendum(c.id, Addendum(written_at=at + timedelta(days=1),
                                             author="Dr. Amara Okafor", text="Phoned back."))


@pytest.fixture
def db(data_folder: DataFolder, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with open_store(data_folder.database) as store:
        sign_in_db(store)
        folder_for_commands(data_folder.root, monkeypatch)  # the command signs in as drtest
        build_archive(store)
        yield store


def counts(report) -> list[tuple[str, int, int, int, int, int]]:  # type: ignore[no-untyped-def]
    return [(r.item_id, r.consults, r.discussed, r.partly, r.not_yet, r.re_explained)
            for r in report.items]


def test_exact_counts_over_signed_and_amended_consults_hardest_first(db) -> None:
    report = insights(db)
    assert report.consults == 6  # five signed, one amended; the draft is not counted
    assert report.consults_by_pack == {PUMP: 5, STIM: 1}
    assert counts(report) == [
        (S1, 1, 1, 0, 1, 0),  # 1 of 1 discussions hard: 100%
        (P1, 5, 4, 2, 1, 2),  # 3 of 4: 75%
        (P2, 5, 4, 1, 1, 0),  # 2 of 4: 50%
        (P3, 5, 2, 0, 0, 1),  # none, one re-explained
    ]
    assert [percent(r.hard, r.discussed) for r in report.items] == ["100%", "75%", "50%", "0%"]
    assert report.items[1].discussed_share == pytest.approx(0.8)
    assert (report.first_day, report.last_day) == (date(2026, 3, 10), date(2026, 11, 25))


def test_filter_by_pack(db) -> None:
    report = insights(db, pack_id=PUMP)
    assert report.consults == 5
    assert [r.item_id for r in report.items] == [P1, P2, P3]
    assert counts(insights(db, pack_id=STIM)) == [(S1, 1, 1, 0, 1, 0)]
    assert insights(db, pack_id="no-such-pack").empty


def test_filter_by_clinician(db) -> None:
    report = insights(db, clinician_id="clin-2")
    assert report.consults == 2
    assert counts(report) == [(P1, 2, 2, 1, 0, 1), (P2, 2, 1, 0, 0, 0)]
    assert insights(db, clinician_id="clin-1").consults == 4  # the draft stays out


def test_filter_by_dates_includes_both_days(db) -> None:
    report = insights(db, since=date(2026, 5, 20), until=date(2026, 8, 1))
    assert report.consults == 3
    assert counts(report) == [(S1, 1, 1, 0, 1, 0), (P1, 2, 2, 0, 1, 1), (P2, 2, 2, 1, 0, 0),
                              (P3, 2, 1, 0, 0, 1)]
    assert insights(db, since=date(2026, 11, 25)).consults == 1
    assert insights(db, until=date(2026, 3, 10)).consults == 1
    assert insights(db, until=date(2026, 3, 9)).empty
    both = insights(db, pack_id=PUMP, clinician_id="clin-1", since=date(2026, 4, 1))
    assert counts(both) == [(P2, 2, 2, 1, 1, 0), (P1, 2, 1, 0, 1, 0), (P3, 2, 1, 0, 0, 1)]


def test_ties_order_by_count_then_id() -> None:
    rows = [ItemInsight("p", "b", 4, 2, 1, 0, 0), ItemInsight("p", "a", 4, 4, 2, 0, 0)]
    rows.sort(key=lambda r: (-r.hard_share, -r.hard, -r.re_explained, -r.discussed,
                             r.pack_id, r.item_id))
    assert [r.item_id for r in rows] == ["a", "b"]


def test_an_empty_archive_is_an_empty_report(data_folder: DataFolder) -> None:
    with open_store(data_folder.database) as store:
        sign_in_db(store)
        report = insights(store)
    assert report.empty and report.items == () and report.consults_by_pack == {}


def test_the_words_state_the_denominator(db) -> None:
    report = insights(db, pack_id=PUMP, since=date(2026, 1, 1), until=date(2026, 12, 31))
    assert denominator(report, {PUMP: "Pain pump"}).startswith(
        "of 5 signed consults with pack Pain pump, from 2026-01-01 to 2026-12-31")
    assert "from 2026-03-10 to 2026-11-25" in denominator(insights(db))
    names = dict(filter_choices(db).clinicians)
    assert names == {"clin-1": "Dr. Amara Okafor", "clin-2": "Dr. Ben Hale"}
    assert filter_choices(db).pack_ids == (PUMP, STIM)


def test_titles_come_from_the_catalog() -> None:
    titles = item_titles([builtin_pack(PUMP)])
    assert titles[(PUMP, P1)] == builtin_pack(PUMP).item(P1).title


def test_the_command_prints_counts_and_no_patient(db, data_folder: DataFolder,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(data_folder.root), "insights", "--pack", PUMP,
                 "--since", "2026-01-01", "--until", "2026-12-31"])
    out = capsys.readouterr().out
    assert code == 0
    assert "of 5 signed consults with pack Pain pump" in out
    assert "from 2026-01-01 to 2026-12-31" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("BENEFIT OR RISK"))
    title = builtin_pack(PUMP).item(P1).title
    assert lines[first + 1].startswith(title)
    assert lines[first + 1].split()[-7:] == ["4", "of", "5", "2", "1", "75%", "2"]
    assert not any(name in out for name in PATIENT_NAMES)
    assert "MRN-" not in out and "00000000000000000000000000000001" not in out


def test_the_command_on_an_empty_archive_is_calm(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    folder_for_commands(tmp_path / "data", monkeypatch)
    assert main(["--data-dir", str(tmp_path / "data"), "insights"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No signed consults match")


def test_the_command_refuses_a_bad_date(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path / "data"), "insights", "--since", "last week"])
    assert exit_.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_filter_that_matches_nothing_names_the_ids_there_are(
        db, data_folder: DataFolder, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(data_folder.root), "insights", "--clinician", "nobody"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("No signed consults match")
    assert out[1:] == [f"Packs with signed consults: {PUMP}, {STIM}.",
                       "Clinicians with signed consults: clin-1 (Dr. Amara Okafor); "
                       "clin-2 (Dr. Ben Hale)."]
