"""The consult's JSON form, version 1 (docs/consult-json.md, resources/schema/).

Canonical text: UTF-8, two-space indent, fields in model order, non-ASCII kept, one final
newline. The same text is what the database keeps, so export -> import -> export is
byte-identical.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from consult_aid.domain import Addendum, Consult
from consult_aid.domain.limits import limit_problems
from consult_aid.domain.pack_ids import PackIds, unknown_pack_ids
from consult_aid.errors import InputError
from consult_aid.exchange import safe_json, typed_json
from consult_aid.input_files import MAX_CONSULT_JSON_BYTES, describe_size
from consult_aid.resources import resource_path

if TYPE_CHECKING:  # imported where it validates (issue 16)
    import jsonschema

FORMAT = "consult-aid/consult"
VERSION = 1
SCHEMA_FILE = ("schema", "consult-v1.schema.json")
# The window's step when a draft was last saved was once part of the consult (``last_step``,
# always the last field). It is window state, kept in its own table now: read and dropped here,
# never written; a record signed while it was part of the form keeps its fingerprint (see
# :func:`accepted_fingerprints`).
LEGACY_LAST_STEP = "last_step"


def consult_to_document(consult: Consult) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "consult": typed_json.dump(consult)}


def consult_to_json(consult: Consult) -> str:
    return canonical_text(consult_to_document(consult))


def record_fingerprint(consult: Consult) -> str:
    """SHA-256 of the consult's record as signed: what the signed PDF's fingerprint names.

    Computed over the JSON form with what is only known or added after signing left out (the
    PDF's own hash, addenda), the status as "signed", and every field still at its default
    omitted, so the same record gives the same fingerprint before signing, after signing, after
    it was amended, and after a later version of the form adds fields with defaults.
    """
    return _fingerprint(consult)


def addendum_fingerprint(consult_id: str, summary_sha256: str, addendum: Addendum) -> str:
    """SHA-256 of an addendum as signed: its id, time, author and text, and the consult and
    signed summary it amends. A signed addendum PDF names it, so an addendum in a JSON form is
    held against its PDF (a text changed or moved to another consult no longer matches)."""
    document = {"format": "consult-aid-addendum", "version": 1, "consult_id": consult_id,
                "summary_sha256": summary_sha256, "id": addendum.id,
                "written_at": addendum.written_at.isoformat(), "author": addendum.author,
                "text": addendum.text}
    return hashlib.sha256(canonical_text(document).encode("utf-8")).hexdigest()


def accepted_fingerprints(consult: Consult, legacy_steps: tuple[str, ...]) -> frozenset[str]:
    """Every fingerprint a genuine signed PDF of ``consult`` may name: today's, and — for a
    record signed while the form still carried the window's step — the same record with
    ``last_step`` set to each of ``legacy_steps`` (the step ids; the field is all that
    differs, and it says nothing clinical)."""
    return frozenset({_fingerprint(consult),
                      *(_fingerprint(consult, last_step=s) for s in legacy_steps if s)})


def _fingerprint(consult: Consult, *, last_step: str = "") -> str:
    from consult_aid.domain import ConsultStatus

    as_signed = dataclasses.replace(consult, status=ConsultStatus.SIGNED, pdf_sha256="",
                                    addenda=[])
    record = typed_json.dump(as_signed, omit_defaults=True)
    if last_step:
        record[LEGACY_LAST_STEP] = last_step  # where the field stood: after every other one
    text = canonical_text({"format": FORMAT, "version": VERSION, "consult": record})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_text(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def stored_text(consult: Consult) -> str:
    """The consult's JSON form as the database keeps it: the same document as
    :func:`consult_to_json`, compact. Python's JSON encoder writes compact text in C but
    indented text in Python, 10x slower on a consult of 80 KB (issue 16: autosave); exports
    and fingerprints keep the indented canonical text."""
    return _compact(consult_to_document(consult))


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


_STORED_HEAD = _compact({"format": FORMAT, "version": VERSION})[:-1]


def stored_parts(consult: Consult) -> dict[str, str]:
    """Each top-level part of the consult (``patient``, ``history`` ...) as the compact JSON
    text that :func:`stored_text` writes for it, in model order: an autosave compares them with
    the parts it stored last instead of reading both bodies back (issue 16)."""
    return {name: _compact(value) for name, value in typed_json.dump(consult).items()}


def stored_text_of(parts: dict[str, str]) -> str:
    """The stored text made of :func:`stored_parts`: the same characters as
    :func:`stored_text` of the consult they were taken from."""
    inner = ",".join(f"{json.dumps(name)}:{text}" for name, text in parts.items())
    return f'{_STORED_HEAD},"consult":{{{inner}}}}}'


def consult_from_json(text: str | bytes) -> Consult:
    """Parse and check a consult's JSON form; any problem raises InputError naming the field.

    What no consult holds is refused before any deep work, in this order: a text larger than
    MAX_CONSULT_JSON_BYTES; not UTF-8; JSON nested too deep, too many values, long numbers, NaN,
    a key given twice, a lone surrogate (:mod:`.safe_json`); then any field over its limit
    (:mod:`consult_aid.domain.limits`: lengths, characters, counts, ids, the pad's range),
    before the JSON Schema and the clinical rules.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_CONSULT_JSON_BYTES:
        raise InputError(f"not a consult: the JSON is {describe_size(size)}; a consult's JSON "
                         f"form is at most {describe_size(MAX_CONSULT_JSON_BYTES)}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the file is not UTF-8 text (byte {exc.start})") from None
    document = safe_json.loads(text, what="not a consult")
    return consult_from_document(document)


def consult_from_stored(text: str) -> Consult:
    """A consult as the database keeps it: read, never judged by today's limits.

    What was stored passed the checks of the version that stored it; a later, stricter limit
    (a note that is now too long) must not make a record unreadable — never lose a consult.
    Its structure and types are still checked; the window shows what is over a limit as a
    problem to fix before the draft is saved again.
    """
    document = safe_json.loads(text, what="not a stored consult")
    if not isinstance(document, dict) or document.get("format") != FORMAT \
            or document.get("version") != VERSION:
        raise InputError("the stored record is not a consult of this version")
    body = document.get("consult")
    if isinstance(body, dict) and LEGACY_LAST_STEP in body:
        body = {k: v for k, v in body.items() if k != LEGACY_LAST_STEP}
    try:
        return typed_json.load(Consult, body, "consult")
    except typed_json.FieldError as exc:
        raise InputError(f"{exc.path}: {exc.problem}") from None


def consult_from_document(document: Any) -> Consult:
    if not isinstance(document, dict):
        raise InputError("the file must hold a JSON object with format, version and consult")
    if document.get("format") != FORMAT:
        raise InputError(f"format: must be {FORMAT!r}")
    version = document.get("version")
    if version != VERSION:
        raise InputError(f"version: this Consult Aid reads version {VERSION}, "
                         f"the file has {_shown(version)}")
    over = limit_problems(Consult, document.get("consult"), "consult", first_only=True)
    if over:
        raise InputError(f"{over[0].field}: {over[0].message}")
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = _path(first.absolute_path)
        raise InputError(f"{where}: {_schema_message(first)}"
                         + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""))
    body = document.get("consult")
    if isinstance(body, dict) and LEGACY_LAST_STEP in body:
        body = {k: v for k, v in body.items() if k != LEGACY_LAST_STEP}
    try:
        consult = typed_json.load(Consult, body, "consult")
    except typed_json.FieldError as exc:
        raise InputError(f"{exc.path}: {exc.problem}") from None
    problems = consult.problems()
    if problems:
        raise InputError("; ".join(f"consult.{p.field}: {p.message}" for p in problems))
    return consult


def require_known_pack_ids(consult: Consult, pack: PackIds) -> None:
    """InputError when the consult names an id its pack does not have (a checklist item, a
    benefit or risk, a red flag, a measure): for an import or a rendering, once the consult's
    pack (``catalog.find(consult.pack.id, content_hash=consult.pack.content_hash)``) is known."""
    problems = unknown_pack_ids(consult, pack)
    if problems:
        raise InputError("; ".join(f"consult.{p.field}: {p.message}" for p in problems))


def _shown(value: Any) -> str:
    """A value from the file in a message: short, escaped (only for values that are no patient
    data, like the format version)."""
    text = repr(value) if isinstance(value, int | float | str | bool) or value is None else (
        typed_json.describe(value))
    return text if len(text) <= 40 else text[:40] + "…"


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        part_text = f"[{part}]" if isinstance(part, int) else safe_json.describe_key(
            str(part), quoted=False)
        text += part_text if isinstance(part, int) else (f".{part_text}" if text else part_text)
    return text or "(top level)"


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "an object", "array": "a list",
               "null": "null"}


def _schema_message(error: jsonschema.ValidationError) -> str:
    """The schema's complaint in words that never quote the value (it may be patient data, or a
    megabyte of anything)."""
    rule: Any = error.validator_value
    match error.validator:
        case "required":
            return error.message.replace("is a required property", "is missing")
        case "additionalProperties":
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            extra = sorted(k for k in error.instance if k not in known) if isinstance(
                error.instance, dict) else []
            shown = ", ".join(safe_json.describe_key(str(k)) for k in extra[:3])
            return f"unknown field(s) not allowed: {shown}" + ("…" if len(extra) > 3 else "")
        case "type":
            got = typed_json.describe(error.instance)
            return f"must be {_expected({'type': rule})}, got {got}"
        case "anyOf" | "oneOf":
            wanted = " or ".join(_expected(s) for s in rule)
            got = typed_json.describe(error.instance)
            return f"is not valid here: must be {wanted}, got {got}"
        case "enum":
            return "is not one of " + ", ".join(repr(v) for v in rule)
        case "const":
            return f"must be {rule!r}"
        case "maxLength":
            return f"is longer than {rule:,} characters"
        case "maxItems" | "maxProperties":
            return f"has more than {rule:,} items"
        case "minimum" | "maximum":
            return f"must be at {'least' if error.validator == 'minimum' else 'most'} {rule:g}"
        case "pattern":
            return "does not have the form this field needs"
    return f"does not meet the schema's {error.validator!r} rule"


def _expected(schema: Any) -> str:
    if not isinstance(schema, dict):
        return "a valid value"
    if "$ref" in schema:
        return "an object"
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kind)
    return _TYPE_WORDS.get(str(kind), "a valid value")


def build_schema() -> dict[str, Any]:
    """The JSON Schema of version 1, derived from the domain model (see tests)."""
    definitions: dict[str, Any] = {}
    consult_ref = typed_json.schema_for(Consult, definitions)
    definitions["Consult"]["properties"][LEGACY_LAST_STEP] = {
        "type": "string",
        "maxLength": 64,
        "description": "Read for older files and ignored; no longer written (window state).",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://consult-aid.example/schema/consult-v1.schema.json",
        "title": "Consult Aid consult, JSON form version 1",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "version": {"const": VERSION},
            "consult": consult_ref,
        },
        "required": ["format", "version", "consult"],
        "additionalProperties": False,
        "$defs": dict(sorted(definitions.items())),
    }


@cache
def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = json.loads(resource_path(*SCHEMA_FILE).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=None)


def write_schema_text() -> str:
    return json.dumps(build_schema(), ensure_ascii=False, indent=2) + "\n"
