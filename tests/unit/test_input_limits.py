"""Limits at every boundary (issue 15): each limit accepts its figure and refuses one more, with
a message that names the field or file and the figures, never the value.

The boundaries: files read from outside (consult_aid.input_files), JSON from outside
(consult_aid.exchange.safe_json), every field of a consult (consult_aid.domain.limits, also what
the window stores), pack files (consult_aid.content.safe_toml) and PDFs to verify.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import time
import typing
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from consult_aid.content import load_catalog
from consult_aid.content.catalog import INVALID
from consult_aid.content.errors import PackError
from consult_aid.content.loader import load_pack
from consult_aid.content.safe_toml import MAX_DEPTH as TOML_DEPTH
from consult_aid.content.safe_toml import MAX_KEY_DOTS, MAX_LINE_CHARS, MAX_NUMBER
from consult_aid.content.safe_toml import loads as toml_loads
from consult_aid.domain import (
    Addendum,
    Consult,
    HandoutGiven,
    Interpreter,
    PatientQuestion,
    Person,
    Point,
    Signature,
    SignerRole,
    Stroke,
)
from consult_aid.domain import limits as lim
from consult_aid.domain.limits import Items, Span, Text, limit_of, limit_problems
from consult_aid.domain.pack_ids import unknown_pack_ids
from consult_aid.domain.validation import ValidationError
from consult_aid.errors import InputError
from consult_aid.exchange import consult_json, safe_json, typed_json
from consult_aid.exchange.consult_json import consult_from_json, consult_to_json
from consult_aid.exchange.typed_json import FieldError
from consult_aid.input_files import (
    MAX_CONSULT_JSON_BYTES,
    MAX_PACK_BYTES,
    MAX_PDF_BYTES,
    InputFileError,
    read_input,
    read_password_file,
)
from consult_aid.services.consults import read_input_file
from consult_aid.signing.verify import Verdict, verify_pdf
from consult_aid.storage import open_database
from consult_aid.storage.consults import ConsultRepository
from tests.builders import NOW, sample_consult

BUILTIN_PACK = Path(__file__).resolve().parents[2] / "resources" / "procedures"


# -- files -------------------------------------------------------------------------------------
def test_a_file_at_its_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(b"x" * 1000)
    assert read_input(path, max_bytes=1000, what="consult JSON file") == b"x" * 1000
    with pytest.raises(InputFileError) as caught:
        read_input(path, max_bytes=999, what="consult JSON file")
    assert str(caught.value) == (f"{path}: is larger than a consult JSON file may be "
                                 "(1,000 bytes; the limit is 999 bytes)")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.mkfifo(p), "is a named pipe, not a regular file"),
])
def test_what_is_not_a_regular_file_is_refused_without_reading(tmp_path: Path, make,
                                                                expected: str) -> None:
    path = tmp_path / "thing"
    make(path)
    started = time.monotonic()
    with pytest.raises(InputFileError) as caught:
        read_input(path, max_bytes=100, what="PDF")
    assert time.monotonic() - started < 5  # a FIFO is never waited on
    assert str(caught.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    with pytest.raises(InputFileError, match="is a device, not a regular file"):
        read_input(Path("/dev/zero"), max_bytes=100)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_a_file_without_permission_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    path.write_bytes(b"%PDF-")
    path.chmod(0)
    with pytest.raises(InputFileError, match="permission denied"):
        read_input(path, max_bytes=100)


def test_read_input_file_keeps_its_signature_and_takes_a_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.7")
    assert read_input_file(path) == b"%PDF-1.7"
    with pytest.raises(InputError, match="limit is 4 bytes"):
        read_input_file(path, max_bytes=4)


def test_a_password_file_is_its_first_line_and_never_binary(tmp_path: Path) -> None:
    good, binary, huge = tmp_path / "pw", tmp_path / "pw.bin", tmp_path / "pw.big"
    good.write_text("s3cret pass\nignored\n", encoding="utf-8")
    binary.write_bytes(b"abc\x00def\n")  # a NUL once crashed the PKCS#12 library (a panic)
    huge.write_bytes(b"a" * 5000)
    assert read_password_file(good) == "s3cret pass"
    with pytest.raises(InputFileError, match="control character"):
        read_password_file(binary)
    with pytest.raises(InputFileError, match="larger than a password file may be"):
        read_password_file(huge)


# -- JSON structure ---------------------------------------------------------------------------
def test_nesting_at_the_limit_is_read_and_one_more_is_refused() -> None:
    deep = safe_json.MAX_DEPTH
    assert safe_json.loads("[" * deep + "]" * deep) is not None
    with pytest.raises(InputError, match=f"nested more than {deep} levels"):
        safe_json.loads("[" * (deep + 1) + "]" * (deep + 1))


def test_brackets_inside_text_are_not_nesting() -> None:
    text = json.dumps({"a": "[" * 10_000 + "{" * 10_000 + '\\"'})
    assert safe_json.loads(text)["a"].startswith("[[[")


def test_a_hundred_thousand_levels_are_refused_quickly_not_by_recursion() -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="nested more than"):
        safe_json.loads("[" * 100_000 + "]" * 100_000)
    assert time.monotonic() - started < 2


def test_too_many_lists_and_objects_are_refused_before_parsing() -> None:
    most = safe_json.MAX_CONTAINERS
    assert len(safe_json.loads("[" + ",".join(["[]"] * (most - 1)) + "]")) == most - 1
    with pytest.raises(InputError, match=f"holds {most + 1:,} lists and objects"):
        safe_json.loads("[" + ",".join(["{}"] * most) + "]")


def test_too_many_values_are_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="values; at most"):
        safe_json.loads("[" + ",".join(["0"] * safe_json.MAX_VALUES) + "]")


def test_an_integer_of_20_digits_is_read_and_21_are_refused() -> None:
    assert safe_json.loads("[-" + "9" * 20 + "]") == [-int("9" * 20)]
    with pytest.raises(InputError, match="has 21 digits; at most 20"):
        safe_json.loads("[" + "9" * 21 + "]")
    with pytest.raises(InputError, match="has 5,000 digits"):
        safe_json.loads("[" + "9" * 5000 + "]")


@pytest.mark.parametrize("number", ["1e400", "-1e999", "0." + "1" * 50])
def test_numbers_that_overflow_or_run_on_are_refused(number: str) -> None:
    with pytest.raises(InputError, match="a number in the JSON"):
        safe_json.loads(f"[{number}]")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_not_json(constant: str) -> None:
    with pytest.raises(InputError) as caught:
        safe_json.loads(f'{{"x": {constant}}}')
    assert f"{constant} is not a number JSON allows" in str(caught.value)
    assert "got a number" not in str(caught.value)


def test_a_non_finite_number_in_a_document_is_named_as_such() -> None:
    with pytest.raises(FieldError) as caught:
        typed_json.load(float, float("nan"), "consult.condition.opioid_mme_per_day")
    assert caught.value.problem == "must be a finite number, not NaN or infinity"


def test_a_key_given_twice_is_named_with_its_place() -> None:
    text = '{"consult": {"patient": {"mrn": "A", "name": "B", "mrn": "C"}}}'
    with pytest.raises(InputError) as caught:
        safe_json.loads(text)
    assert str(caught.value) == "consult.patient: the key 'mrn' is given twice (which one " \
                                "would count?)"


@pytest.mark.parametrize(("text", "place"), [
    ('{"consult": {"patient": {"name": "Ann \\ud800"}}}', "consult.patient.name: the text"),
    ('{"consult": {"checklist": {"\\udc00x": true}}}', "consult.checklist: a key"),
    ('{"list": ["ok", "\\ud83d"]}', "list[1]: the text"),
])
def test_a_lone_surrogate_is_refused_with_its_place(text: str, place: str) -> None:
    with pytest.raises(InputError) as caught:
        safe_json.loads(text)
    assert str(caught.value).startswith(place + " is not valid Unicode")


def test_a_surrogate_pair_is_one_character_and_fine() -> None:
    assert safe_json.loads('["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_a_consult_json_over_its_size_is_refused_before_parsing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = consult_to_json(sample_consult()).encode("utf-8")
    monkeypatch.setattr(consult_json, "MAX_CONSULT_JSON_BYTES", len(text))
    assert consult_from_json(text).id == sample_consult().id
    monkeypatch.setattr(consult_json, "MAX_CONSULT_JSON_BYTES", len(text) - 1)
    with pytest.raises(InputError, match="a consult's JSON form is at most"):
        consult_from_json(text)


# -- every field of a consult -----------------------------------------------------------------
def full_consult() -> Consult:
    """A consult with every optional part present, so every field has a place in its JSON."""
    c = sample_consult()
    c.participants.representative = Person("Maria Núñez", "daughter")
    c.participants.interpreter = Interpreter("Ana", "Polish", "INT-22")
    c.participants.witness = Person("Sam Lee", "nurse")
    c.condition.measures = {"goals": "Walk again"}
    c.checklist = {"pain-assessed": True}
    c.red_flags_discussed = {"anticoagulants": True}
    c.questions.append(PatientQuestion("How long?", "A week."))
    stroke = Stroke((Point(10, 20, 0.4), Point(200, 150, 0.7)))
    c.signatures = [Signature(SignerRole.PATIENT, c.patient.name, NOW,
                              SignerRole.PATIENT.meaning, (stroke,))]
    c.handouts_given = [HandoutGiven("intrathecal-pump", "Your pump", "2.0.0", NOW)]
    c.addenda = [Addendum(NOW + timedelta(days=1), "Dr A", "A note.", "a1", "ab" * 32)]
    c.pdf_sha256 = "cd" * 32
    return c


def full_document() -> dict[str, Any]:
    return json.loads(consult_to_json(full_consult()))


Path_ = tuple[str | int, ...]


def limited_fields(cls: type = Consult, data: Any = None, at: Path_ = ()
                   ) -> Iterator[tuple[Path_, Any]]:
    """(path in the consult's JSON data, limit) of every field with a limit, walked into the
    first item of each list and mapping."""
    if data is None:
        data = full_document()["consult"]
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        limit = limit_of(f)
        value = data.get(f.name)
        if limit is not None:
            yield (*at, f.name), limit
        inner = hints[f.name]
        args = [a for a in typing.get_args(inner) if a not in (type(None), Ellipsis)]
        origin = typing.get_origin(inner)
        target = (args[-1] if origin is dict else args[0]) if args else inner
        if not (isinstance(target, type) and dataclasses.is_dataclass(target)):
            continue
        if isinstance(value, dict) and typing.get_origin(inner) is dict:
            key = next(iter(value))
            yield from limited_fields(target, value[key], (*at, f.name, key))
        elif isinstance(value, list) and value:
            yield from limited_fields(target, value[0], (*at, f.name, 0))
        elif isinstance(value, dict):
            yield from limited_fields(target, value, (*at, f.name))


def put(document: dict[str, Any], at: Path_, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node: Any = changed["consult"]
    for part in at[:-1]:
        node = node[part]
    node[at[-1]] = value
    return changed


def dotted(at: Path_) -> str:
    text = "consult"
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


TEXTS = [(at, limit) for at, limit in limited_fields() if isinstance(limit, Text)]
LISTS = [(at, limit) for at, limit in limited_fields() if isinstance(limit, Items)]


def first_over(document: dict[str, Any]) -> list[Any]:
    return limit_problems(Consult, document["consult"], "consult", first_only=True)


@pytest.mark.parametrize(("at", "limit"), TEXTS, ids=[dotted(a) for a, _ in TEXTS])
def test_every_text_field_takes_its_limit_and_refuses_one_more(at: Path_, limit: Text) -> None:
    document = full_document()
    assert first_over(put(document, at, "x" * limit.max_chars)) == []
    (problem,) = first_over(put(document, at, "x" * (limit.max_chars + 1)))
    assert problem.field == dotted(at)
    assert problem.message == (f"The {limit.label} is too long ({limit.max_chars + 1:,} "
                               f"characters; the limit is {limit.max_chars:,}).")


def _many(value: Any, count: int) -> Any:
    if isinstance(value, dict):
        first = next(iter(value.values()))
        return {f"k{i}": (dict(first, item_id=f"k{i}") if isinstance(first, dict)
                          and "item_id" in first else first) for i in range(count)}
    return [value[0]] * count


@pytest.mark.parametrize(("at", "limit"), LISTS, ids=[dotted(a) for a, _ in LISTS])
def test_every_list_takes_its_limit_and_refuses_one_more(at: Path_, limit: Items) -> None:
    document = full_document()
    node: Any = document["consult"]
    for part in at:
        node = node[part]
    if at[-1] == "strokes":  # one point each, so the signature's total stays within its limit
        node = [{"points": node[0]["points"][:1]}]
    assert first_over(put(document, at, _many(node, limit.max_items))) == []
    (problem,) = first_over(put(document, at, _many(node, limit.max_items + 1)))
    assert f"({limit.max_items + 1:,}; the limit is" in problem.message
    assert problem.message.startswith("Too many")


def test_every_text_list_and_mapping_of_a_consult_has_a_limit() -> None:
    seen: set[type] = set()
    missing: list[str] = []

    def visit(cls: type) -> None:
        if cls in seen:
            return
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            origin = typing.get_origin(hint)
            if (hint is str or origin in (list, tuple, dict)) and limit_of(f) is None:
                missing.append(f"{cls.__name__}.{f.name}")
            for arg in (*typing.get_args(hint), hint):
                if isinstance(arg, type) and dataclasses.is_dataclass(arg):
                    visit(arg)

    visit(Consult)
    assert missing == []
    assert {Point, Stroke, Signature, Addendum, HandoutGiven} <= seen


def test_the_signature_pads_range_is_a_limit() -> None:
    spans = {f.name: limit_of(f) for f in dataclasses.fields(Point)}
    assert spans == {"x": Span("pen's position across the pad", 0, 1000),
                     "y": Span("pen's position down the pad", 0, 300),
                     "pressure": Span("pen pressure", 0, 1)}


SIGNATURE_POINT = ("signatures", 0, "strokes", 0, "points", 0)


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("x", 1000.0, 1000.1), ("x", 0.0, -0.1), ("x", 500.0, 1e308), ("y", 300.0, 300.5),
    ("pressure", 1.0, 1.01),
])
def test_a_stroke_point_must_lie_on_the_pad(name: str, good: float, bad: float) -> None:
    document = full_document()
    assert first_over(put(document, (*SIGNATURE_POINT, name), good)) == []
    (problem,) = first_over(put(document, (*SIGNATURE_POINT, name), bad))
    assert problem.field == dotted((*SIGNATURE_POINT, name))
    assert "must be from 0 to" in problem.message


def test_a_signature_has_at_most_max_points_over_all_its_strokes() -> None:
    document = full_document()
    point = document["consult"]["signatures"][0]["strokes"][0]["points"][0]
    half = lim.MAX_POINTS // 2
    strokes = [{"points": [point] * half}, {"points": [point] * half}]
    at = ("signatures", 0, "strokes")
    assert first_over(put(document, at, strokes)) == []
    strokes[1] = {"points": [point] * (half + 1)}
    (problem,) = first_over(put(document, at, strokes))
    assert problem.message == (f"Too many points in the signature ({lim.MAX_POINTS + 1:,}; "
                               f"the limit is {lim.MAX_POINTS:,}).")


@pytest.mark.parametrize("good", ["c0ffee00000000000000000000000001", "a", "x" * 64,
                                  "demo_consult-1", "0"])
def test_a_consult_id_of_the_programs_own_syntax_is_accepted(good: str) -> None:
    assert first_over(put(full_document(), ("id",), good)) == []


@pytest.mark.parametrize(("bad", "why"), [
    ("", "must be 1 to 64 letters"), ("../../x", "must be 1 to 64 letters"),
    ("/etc/passwd", "must be 1 to 64 letters"), ("abc\ndef", "must be one line"),
    ("a" * 1_000_000, "too long (1,000,000 characters"), ("a b", "must be 1 to 64"),
    ("-rf", "must be 1 to 64"), ("C:\\x", "must be 1 to 64"), ("a.b", "must be 1 to 64"),
])
def test_a_consult_id_that_could_be_a_path_or_split_a_line_is_refused(bad: str,
                                                                      why: str) -> None:
    (problem,) = first_over(put(full_document(), ("id",), bad))
    assert problem.field == "consult.id"
    assert why in problem.message


@pytest.mark.parametrize(("at", "value", "why"), [
    (("patient", "name"), "Ann \x1b[2J", "must be one line of text; it contains a control "
                                         "character (U+001B)"),
    (("patient", "name"), "Ann \u202eevil", "text-direction control character (U+202E)"),
    (("patient", "name"), "Ann \u2066x", "text-direction control character (U+2066)"),
    (("patient", "name"), "Ann\tLee", "a line break or tab (U+0009)"),
    (("patient", "mrn"), "M\nRN", "a line break or tab (U+000A)"),
    (("clinician", "name"), "Dr\u2028X", "a line break or tab (U+2028)"),
    (("lifestyle", "goals"), "walk\x07", "a control character (U+0007)"),
    (("lifestyle", "goals"), "walk \x9b", "a control character (U+009B)"),
    (("lifestyle", "goals"), "walk\ud800", "half a character (U+D800)"),
    (("patient", "name"), "nul\x00", "null character"),
])
def test_text_that_is_not_plain_text_is_refused(at: Path_, value: str, why: str) -> None:
    (problem,) = first_over(put(full_document(), at, value))
    assert problem.field == dotted(at)
    assert why in problem.message


def test_free_text_keeps_tabs_line_breaks_and_any_script() -> None:
    text = "Walk\tthe dog\r\nto the park\nשלום \u202bעולם\u202c مرحبا 😀"
    assert first_over(put(full_document(), ("lifestyle", "goals"), text)) == []


def test_a_key_too_long_for_a_pack_id_is_refused() -> None:
    document = full_document()
    (problem,) = first_over(put(document, ("checklist",), {"k" * 101: True}))
    assert problem.field == "consult.checklist"
    assert "checklist item id is too long (101 characters" in problem.message


@pytest.mark.parametrize(("field", "shift", "why"), [
    ("updated_at", timedelta(seconds=-1), "last change is before the consult started"),
    ("signed_at", timedelta(minutes=-5), "signed at a time before it started"),
])
def test_nothing_happens_to_a_consult_before_it_started(field: str, shift: timedelta,
                                                       why: str) -> None:
    c = sample_consult()
    setattr(c, field, c.created_at)
    assert c.problems() == []
    setattr(c, field, c.created_at + shift)
    (problem,) = c.problems()
    assert (problem.field, why in problem.message) == (field, True)


def test_the_json_import_names_the_first_field_over_its_limit() -> None:
    document = put(full_document(), ("condition", "function_notes"), "x" * 5_000_000)
    with pytest.raises(InputError) as caught:
        consult_from_json(json.dumps(document))
    assert str(caught.value) == ("consult.condition.function_notes: The note on function is "
                                 "too long (5,000,000 characters; the limit is 4,000).")


def test_the_schema_states_every_limit() -> None:
    schema = consult_json.build_schema()
    unbounded: list[str] = []
    for name, definition in schema["$defs"].items():
        for prop, rule in definition.get("properties", {}).items():
            kind = rule.get("type")
            if ((kind == "string" and "maxLength" not in rule)
                    or (kind == "array" and "maxItems" not in rule)
                    or (kind == "object" and "maxProperties" not in rule)):
                unbounded.append(f"{name}.{prop}")
    assert unbounded == []
    assert schema["$defs"]["Consult"]["properties"]["id"]["pattern"] == (
        "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    assert schema["$defs"]["Point"]["properties"]["x"] == {"type": "number", "minimum": 0.0,
                                                          "maximum": 1000.0}


def test_a_schema_complaint_never_quotes_the_value() -> None:
    document = full_document()
    document["consult"]["patient"]["sex"] = "Ann Secret-Patient"
    with pytest.raises(InputError) as caught:
        consult_from_json(json.dumps(document))
    assert "Secret" not in str(caught.value)
    assert str(caught.value).startswith("consult.patient.sex: is not one of 'female'")


def test_the_window_store_refuses_what_the_limits_refuse(tmp_path: Path) -> None:
    c = sample_consult()
    c.lifestyle.goals = "x" * (lim.WORDS + 1)
    with open_database(tmp_path / "db.sqlite3") as db:
        with pytest.raises(ValidationError) as caught:
            ConsultRepository(db).save_draft(c)
        assert caught.value.problems[0].field == "lifestyle.goals"
        assert ConsultRepository(db).count() == 0


def maximal_consult_text() -> str:
    """The consult's JSON form with every text at its limit and every list and mapping full."""
    doc = full_document()
    for at, limit in TEXTS:
        if at[-1] in ("meaning", "email"):  # the program's own sentence; needs an @
            continue
        doc = put(doc, at, "x" * limit.max_chars)
    consult = doc["consult"]
    consult["patient"]["contact"]["email"] = "x" * (lim.EMAIL - 12) + "@example.org"
    point = consult["signatures"][0]["strokes"][0]["points"][0]
    per_stroke = lim.MAX_POINTS // lim.MAX_STROKES
    strokes = [{"points": [point] * per_stroke} for _ in range(lim.MAX_STROKES)]
    consult["signatures"] = [dict(consult["signatures"][0], role=role.value, meaning=role.meaning,
                                  strokes=strokes) for role in SignerRole]
    for at, limit in LISTS:
        if len(at) == 1 and at[0] != "signatures":
            consult[at[0]] = _many(consult[at[0]], limit.max_items)
    condition = consult["condition"]
    condition["treatments_tried"] = _many(condition["treatments_tried"], lim.MAX_TREATMENTS)
    condition["measures"] = {f"m{i}": "x" * 1000 for i in range(20)}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def test_the_largest_consult_the_limits_allow_fits_every_other_limit() -> None:
    """Whatever the window can store can be exported and imported again."""
    text = maximal_consult_text()
    size = len(text.encode("utf-8"))
    assert size < MAX_CONSULT_JSON_BYTES / 2, size
    bare = safe_json._STRING.sub('""', text)
    containers = bare.count("[") + bare.count("{")
    assert containers < safe_json.MAX_CONTAINERS / 2
    assert containers + bare.count(",") < safe_json.MAX_VALUES / 2
    consult = consult_from_json(text)
    assert sum(len(s.points) for s in consult.signatures[0].strokes) == lim.MAX_POINTS
    assert len(consult.understanding) == lim.MAX_UNDERSTANDING


def test_unknown_pack_ids_are_named() -> None:
    pack = load_pack(BUILTIN_PACK / "released" / "intrathecal-pump-1.0.0.toml")
    c = sample_consult()  # recorded on this pack version
    assert (c.pack.id, c.pack.version) == (pack.id, pack.version)
    c.understanding = {}  # the sample's teach-back names a fictional item
    c.understanding_of(pack.items()[0].id).discussed = True
    c.checklist = {pack.checklist[0].id: True}
    assert unknown_pack_ids(c, pack) == []
    c.checklist["no-such-item"] = True
    (problem,) = unknown_pack_ids(c, pack)
    assert problem.field == "checklist.no-such-item"
    assert problem.message == (f"'no-such-item' is not a candidacy checklist item of pack "
                               f"{pack.id} {pack.version}.")
    with pytest.raises(InputError, match=r"consult\.checklist\.no-such-item: 'no-such-item'"):
        consult_json.require_known_pack_ids(c, pack)


# -- pack files -------------------------------------------------------------------------------
def test_a_key_of_nine_parts_is_read_and_ten_are_refused() -> None:
    parts = MAX_KEY_DOTS + 1
    assert toml_loads(".".join(["a"] * parts) + " = 1\n", "p.toml")
    with pytest.raises(PackError) as caught:
        toml_loads(".".join(['"a"'] * (parts + 1)) + " = 1\n", "p.toml")
    assert str(caught.value.problems[0]) == (f"p.toml: line 1: a key of {parts + 1} parts "
                                             f"joined by dots; at most {parts} parts are read")


def test_dots_in_text_and_comments_are_not_keys() -> None:
    text = ('url = "https://doi.org/10.1016/j.jpain.2019.01.003.a.b.c.d.e.f"\n'
            "# a.b.c.d.e.f.g.h.i.j.k.l\n" "t = '''x.x.x.x.x.x.x.x.x.x.x'''\n")
    assert toml_loads(text, "p.toml")["t"] == "x.x.x.x.x.x.x.x.x.x.x"


@pytest.mark.parametrize(("text", "why"), [
    ("a" + ".a" * 100_000 + " = 1\n", "the line is 200,005 characters"),  # 23 GB in tomllib
    ("a" + ".a" * 4_990 + " = 1\n", "a key of 4,991 parts"),
    ("[a" + ".a" * 4_990 + "]\n", "a key of 4,991 parts"),
    ("x = {" + "a." * 4_990 + "a = 1}\n", "a key of 4,991 parts"),
])
def test_a_long_dotted_key_is_refused_in_milliseconds(text: str, why: str) -> None:
    started = time.monotonic()
    with pytest.raises(PackError, match=why):
        toml_loads(text, "p.toml")
    assert time.monotonic() - started < 1


def test_a_line_at_its_limit_is_read_and_one_character_more_is_refused() -> None:
    line = 'x = "' + "y" * (MAX_LINE_CHARS - 6) + '"'
    assert len(line) == MAX_LINE_CHARS
    assert toml_loads(line + "\n", "p.toml")
    with pytest.raises(PackError, match="line 2: the line is 10,001 characters"):
        toml_loads("a = 1\n" + line + " \n", "p.toml")


def test_nesting_at_the_limit_is_read_and_one_more_is_refused_in_a_pack() -> None:
    assert toml_loads("x = " + "[" * TOML_DEPTH + "]" * TOML_DEPTH + "\n", "p.toml")
    with pytest.raises(PackError, match="nested more than 16 deep"):
        toml_loads("x = " + "[" * (TOML_DEPTH + 1) + "]" * (TOML_DEPTH + 1) + "\n", "p.toml")
    with pytest.raises(PackError, match="nested more than"):
        toml_loads("x = " + "{a = " * 1000 + "}" * 1000 + "\n", "p.toml")
    assert toml_loads('x = "' + "[" * 100 + '"\n', "p.toml")  # in text: not nesting


@pytest.mark.parametrize(("value", "why"), [
    (str(MAX_NUMBER + 1), "larger than a pack needs"), ("-" + "9" * 400, "larger than"),
    ("9" * 5000, "far too long"), ("0x" + "f" * 5000, "larger than"), ("inf", "finite"),
    ("nan", "finite"), ("-inf", "finite"),
])
def test_numbers_no_pack_needs_are_refused(value: str, why: str) -> None:
    assert toml_loads(f"count = {MAX_NUMBER}\n", "p.toml") == {"count": MAX_NUMBER}
    with pytest.raises(PackError) as caught:
        toml_loads(f"[a]\ncount = {value}\n", "p.toml")
    assert why in str(caught.value)


def test_a_pack_file_larger_than_its_limit_or_a_pipe_is_refused(tmp_path: Path) -> None:
    big, pipe = tmp_path / "big.toml", tmp_path / "pipe.toml"
    big.write_bytes(b"# x\n" * (MAX_PACK_BYTES // 4 + 1))
    os.mkfifo(pipe)
    with pytest.raises(PackError, match="is larger than a pack file may be"):
        load_pack(big, source="clinic")
    with pytest.raises(PackError, match="is a named pipe"):
        load_pack(pipe, source="clinic")


def test_bad_clinic_packs_are_listed_as_invalid_and_never_stop_the_catalog(
        tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "dotted.toml").write_text("a" + ".a" * 100_000 + " = 1\n")
    (packs / "deep.toml").write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (packs / "bigint.toml").write_text("id = 'big'\nversion = " + "9" * 5000 + "\n")
    os.mkfifo(packs / "pipe.toml")
    started = time.monotonic()
    catalog = load_catalog(packs)
    clinic = [e for e in catalog.entries() if e.source == "clinic"]
    assert time.monotonic() - started < 20
    assert sorted(e.path.name for e in clinic) == ["bigint.toml", "deep.toml", "dotted.toml",
                                                   "pipe.toml"]
    for entry in clinic:
        assert entry.status == INVALID and len(entry.problems) == 1
        assert entry.pack_id == entry.path.stem  # its declared id cannot be read either
    assert catalog.get("intrathecal-pump")  # the built-in packs are all there


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('id = "pain-assessed"', 'id = "' + "p" * 101 + '"',
     "checklist[0].id: The id is too long (101 characters; the limit is 100)."),
    ('id = "pain-assessed"', 'id = "pain\\u202eassessed"',
     "checklist[0].id: The id contains a text-direction control character (U+202E)"),
])
def test_what_a_consult_records_from_a_pack_fits_the_consults_limits(
        tmp_path: Path, old: str, new: str, problem: str) -> None:
    """Else a consult on the pack could never be saved: the pack is refused instead."""
    text = (BUILTIN_PACK / "intrathecal-pump.toml").read_text(encoding="utf-8")
    assert old in text
    pack = tmp_path / "intrathecal-pump.toml"
    pack.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(pack, source="clinic")
    assert any(problem in str(p) for p in caught.value.problems), caught.value.problems


# -- PDFs to verify ----------------------------------------------------------------------------
def deep_pdf(depth: int) -> bytes:
    head = b"%PDF-1.7\n"
    obj1 = (b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth
            + b" >>\nendobj\n")
    obj2 = b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    xref_at = len(head) + len(obj1) + len(obj2)
    xref = (b"xref\n0 3\n0000000000 65535 f \n" + b"%010d 00000 n \n" % len(head)
            + b"%010d 00000 n \n" % (len(head) + len(obj1)))
    return (head + obj1 + obj2 + xref + b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n"
            + str(xref_at).encode() + b"\n%%EOF\n")


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_a_pdf_nested_thousands_deep_is_unreadable_not_a_traceback(depth: int) -> None:
    result = verify_pdf(deep_pdf(depth))
    assert result.verdict is Verdict.UNREADABLE
    assert result.problems == ("The PDF cannot be read (its objects are nested far deeper "
                               "than any real document's).",)


def test_a_pdf_larger_than_its_limit_is_not_read() -> None:
    result = verify_pdf(b"%PDF-1.7\n" + b" " * MAX_PDF_BYTES)
    assert result.verdict is Verdict.UNREADABLE
    assert "a PDF is checked up to 20 MiB" in result.problems[0]


def test_a_pdf_of_many_ends_is_tried_a_few_times_only() -> None:
    started = time.monotonic()
    result = verify_pdf(b"%PDF-1.7\n" + b"junk\n%%EOF\n" * 20_000)
    assert result.verdict is Verdict.UNREADABLE
    assert time.monotonic() - started < 10
