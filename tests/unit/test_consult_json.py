"""The consult's JSON form: documented schema, exact round trip, precise errors."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult_aid.cli import main
from consult_aid.domain import ConsultStatus, PatientQuestion
from consult_aid.errors import InputError
from consult_aid.exchange.consult_json import (
    build_schema,
    consult_from_json,
    consult_to_json,
)
from consult_aid.resources import resource_path
from consult_aid.services.consults import export_json, import_json
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import sample_consult
from tests.signed_in import folder_for_commands, sign_in_db

SCHEMA_PATH = resource_path("schema", "consult-v1.schema.json")

HOSTILE = [
    "<b>bold", "<img src=\"/etc/passwd\">", "<a href='https://evil.example'>x</a>", "&amp; &lt;",
    "\"quotes\" and 'apostrophes'", "emoji 😀🩺💉", "مرحبا بالعالم", "עברית \u202eRTL override",
    "tab\tand\nnewline\r\n", "\x01\x07\x1b[31m control", "x" * 10_000, "\\ backslash \\u0000",
]

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=200),
)


# What the consult's limits refuse (consult_aid.domain.limits; tests/unit/test_input_limits.py):
# control characters in any text, and also line breaks, tabs and bidi controls in one line.
_NOT_IN_PROSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NOT_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _prose(value: str, limit: int) -> str:
    return _NOT_IN_PROSE.sub("", value)[:limit]


def _line(value: str, limit: int) -> str:
    return _NOT_IN_LINE.sub("", value)[:limit]


def test_the_committed_schema_is_the_one_the_model_defines() -> None:
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == build_schema(), (
        "regenerate: python -c \"from consult_aid.exchange.consult_json import write_schema_text; "
        "print(write_schema_text(), end='')\" > resources/schema/consult-v1.schema.json")


def test_an_export_validates_against_the_schema() -> None:
    document = json.loads(consult_to_json(sample_consult()))
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_the_text_is_canonical() -> None:
    text = consult_to_json(sample_consult())
    assert text.endswith("}\n")
    assert "Łukasz Øster-Müller" in text  # not \u-escaped
    assert text == consult_to_json(consult_from_json(text))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=text, goals=text, words=text, question=text, answer=text, diagnosis=text)
def test_round_trip_through_the_database_is_byte_identical(
    tmp_path_factory: pytest.TempPathFactory, name: str, goals: str, words: str, question: str,
    answer: str, diagnosis: str,
) -> None:
    consult = sample_consult()
    consult.patient.name = _line(name, 200) if _line(name, 200).strip() else "A. Patient"
    consult.lifestyle.goals = _prose(goals, 2000)
    consult.condition.diagnosis = _line(diagnosis, 500)
    consult.understanding["ipump-infection"].patient_words = _prose(words, 2000)
    consult.questions.append(PatientQuestion(_prose(question, 2000), _prose(answer, 4000)))
    first = consult_to_json(consult)  # as exported: every id assigned
    with open_database(tmp_path_factory.mktemp("db") / "db.sqlite3") as db:
        sign_in_db(db)
        import_json(db, first)
        result = export_json(db, consult.id)
    assert result.summary_pdf is None  # a draft has no signed PDF
    assert result.addendum_pdfs == ()
    exported = result.text
    assert exported == first
    assert consult_from_json(exported) == consult


@pytest.mark.parametrize(("mutate", "field", "problem"), [
    (lambda d: d["consult"]["condition"].__setitem__("pain_now", 11),
     "consult.condition.pain_now", "0 (no pain) to 10"),
    (lambda d: d["consult"]["condition"].__setitem__("pain_now", "seven"),
     "consult.condition.pain_now", "is not valid"),
    (lambda d: d["consult"]["patient"].__setitem__("date_of_birth", "2026-02-30"),
     "consult.patient.date_of_birth", "not a real date"),
    (lambda d: d["consult"]["patient"].__setitem__("date_of_birth", "2099-01-01"),
     "consult.patient.date_of_birth", "in the future"),
    (lambda d: d["consult"]["patient"].pop("name"),
     "consult.patient", "'name' is missing"),
    (lambda d: d["consult"].__setitem__("status", "finished"),
     "consult.status", "is not one of"),
    (lambda d: d["consult"]["lifestyle"].__setitem__("favourite_colour", "blue"),
     "consult.lifestyle", "unknown field"),
    (lambda d: d["consult"].__setitem__("created_at", "2026-11-25T14:32:05"),
     "consult.created_at", "time zone"),
    (lambda d: d.__setitem__("version", 7),
     "version", "reads version 1"),
    (lambda d: d["consult"]["patient"].__setitem__("name", "nul\u0000byte"),
     "consult.patient.name", "null character"),
])
def test_bad_json_names_the_field_and_the_problem(mutate, field: str, problem: str) -> None:
    document = json.loads(consult_to_json(sample_consult()))
    mutate(document)
    with pytest.raises(InputError) as caught:
        consult_from_json(json.dumps(document))
    message = str(caught.value)
    assert message.startswith(field + ":") or f"{field}:" in message, message
    assert problem in message


def test_cli_import_of_bad_json_exits_2_and_writes_nothing(tmp_path: Path, capsys,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    document = json.loads(consult_to_json(sample_consult()))
    document["consult"]["condition"]["pain_worst"] = 42
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    data = folder_for_commands(tmp_path / "data", monkeypatch)
    assert main(["--data-dir", str(data), "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "consult.condition.pain_worst" in err
    with open_database(data / "consult-aid.sqlite3") as db:
        assert ConsultRepository(db).count() == 0
        assert db.connection.execute("SELECT count(*) FROM patients").fetchone()[0] == 0


def test_cli_rejects_broken_json_syntax(tmp_path: Path, capsys,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder_for_commands(tmp_path / "d", monkeypatch)
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": "consult-aid/consult", "version": 1, "consult": {', "utf-8")
    assert main(["--data-dir", str(tmp_path / "d"), "import", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_cli_export_import_export_is_byte_identical(tmp_path: Path, capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first_dir = folder_for_commands(tmp_path / "one", monkeypatch)
    second_dir = folder_for_commands(tmp_path / "two", monkeypatch)
    source = tmp_path / "in.json"
    source.write_text(consult_to_json(sample_consult()), encoding="utf-8")
    assert main(["--data-dir", str(first_dir), "import", str(source)]) == 0
    out1 = tmp_path / "out1.json"
    assert main(["--data-dir", str(first_dir), "export", sample_consult().id, "--json",
                 "--out", str(out1)]) == 0
    assert main(["--data-dir", str(second_dir), "import", str(out1)]) == 0
    out2 = tmp_path / "out2.json"
    assert main(["--data-dir", str(second_dir), "export", sample_consult().id, "--json",
                 "--out", str(out2)]) == 0
    assert out1.read_bytes() == out2.read_bytes() == source.read_bytes()
    # importing the same consult twice is refused
    assert main(["--data-dir", str(second_dir), "import", str(out1)]) == 2
    assert "already stored" in capsys.readouterr().err


def test_the_record_fingerprint_ignores_only_what_comes_after_signing() -> None:
    from datetime import timedelta

    from consult_aid.domain import Addendum
    from consult_aid.exchange.consult_json import record_fingerprint
    from tests.builders import sign_in_place

    signed = sign_in_place(sample_consult())
    before = record_fingerprint(signed)
    signed.pdf_sha256 = "ab" * 32
    signed.addenda.append(Addendum(signed.created_at + timedelta(days=1), "Dr A", "note"))
    assert record_fingerprint(signed) == before
    signed.decision.next_steps = "changed"
    assert record_fingerprint(signed) != before


def test_the_record_fingerprint_ignores_fields_still_at_their_default() -> None:
    """A later version that adds a field with a default keeps old fingerprints valid."""
    from consult_aid.exchange import typed_json
    from consult_aid.exchange.consult_json import record_fingerprint
    from tests.builders import sign_in_place

    signed = sign_in_place(sample_consult())
    full = typed_json.dump(signed)
    sparse = typed_json.dump(signed, omit_defaults=True)
    assert "red_flags_discussed" in full and "red_flags_discussed" not in sparse
    before = record_fingerprint(signed)
    signed.red_flags_discussed["anticoagulants"] = True
    assert record_fingerprint(signed) != before


def test_a_record_signed_when_the_form_carried_the_window_step_keeps_its_fingerprint() -> None:
    """``last_step`` left the record (window state). A file written before still reads, and a
    PDF signed then, whose fingerprint covered ``"last_step": "review"``, still matches."""
    import hashlib

    from consult_aid.domain.steps import STEP_IDS
    from consult_aid.exchange.consult_json import (
        accepted_fingerprints,
        canonical_text,
        record_fingerprint,
    )
    from consult_aid.exchange.typed_json import dump

    consult = sample_consult()
    document = json.loads(consult_to_json(consult))
    document["consult"]["last_step"] = "review"  # as version 1 files were written
    old = consult_from_json(json.dumps(document))
    assert old == consult
    as_signed = dump(dataclasses.replace(consult, status=ConsultStatus.SIGNED, pdf_sha256="",
                                         addenda=[]), omit_defaults=True)
    legacy_text = canonical_text({"format": "consult-aid/consult", "version": 1,
                                  "consult": {**as_signed, "last_step": "review"}})
    legacy = hashlib.sha256(legacy_text.encode("utf-8")).hexdigest()
    accepted = accepted_fingerprints(consult, STEP_IDS)
    assert legacy in accepted and record_fingerprint(consult) in accepted
    changed = dataclasses.replace(consult, lifestyle=dataclasses.replace(consult.lifestyle,
                                                                         goals="Something else"))
    assert legacy not in accepted_fingerprints(changed, STEP_IDS)
    assert "last_step" not in consult_to_json(old)  # never written again
