"""Dataclass <-> JSON-compatible values, driven by type hints, with field paths in errors.

One generic mapping instead of one hand-written function per class: every domain field is
exported, and an import names the exact field (``consult.condition.pain_now``) that is wrong.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, overload

from consult_aid.domain.limits import Items, Limit, Span, Text, limit_of

_T = TypeVar("_T")


class FieldError(ValueError):
    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@cache
def hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_PLAIN = frozenset({str, int, float, bool, type(None)})  # exact types: not an Enum's


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...] | None] = {}


def _dataclass_fields(cls: type) -> tuple[dataclasses.Field[Any], ...] | None:
    """The fields of a dataclass type (looked up once per type), None for any other type."""
    try:
        return _FIELDS[cls]
    except KeyError:
        found = _FIELDS[cls] = dataclasses.fields(cls) if dataclasses.is_dataclass(cls) else None
        return found


@cache
def _kept_whole(cls: type) -> bool:
    """True for a frozen dataclass holding a tuple, whose every field is text, a number, or a
    frozen dataclass or tuple of them (a signature's stroke): its form never changes."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        return False
    has_tuple = False
    for hint in hints(cls).values():
        if typing.get_origin(hint) is tuple:
            has_tuple = True
            hint = typing.get_args(hint)[0]
        if hint in (str, int, float, bool):
            continue
        inner = getattr(hint, "__dataclass_params__", None)
        if inner is None or not inner.frozen or not _immutable_fields(hint):
            return False
    return has_tuple


@cache
def _immutable_fields(cls: type) -> bool:
    return all(hint in (str, int, float, bool) for hint in hints(cls).values())


# The forms of immutable values (strokes), by identity: the copies of a consult share its
# strokes, and every autosave writes the same strokes again (issue 16). The value is kept with
# its form, so its id is not reused while it is here.
_KEPT: dict[int, tuple[object, Any]] = {}
_KEPT_LIMIT = 4096


def dump(value: Any, *, omit_defaults: bool = False) -> Any:
    """JSON-compatible form; with ``omit_defaults``, dataclass fields at their default are left
    out (a form that stays the same when a later version adds fields with defaults).

    The form is for reading (JSON text is made of it): parts of it may be shared between
    calls, so it is never changed in place."""
    if type(value) in _PLAIN:  # most values: text, numbers (a consult has ~60,000 points)
        return value
    cls: type = type(value)
    if not omit_defaults and _kept_whole(cls):
        kept = _KEPT.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        if len(_KEPT) >= _KEPT_LIMIT:
            _KEPT.clear()
        form = _KEPT[id(value)] = (value, _dump(value, omit_defaults))
        return form[1]
    return _dump(value, omit_defaults)


def _dump(value: Any, omit_defaults: bool) -> Any:
    fields = _dataclass_fields(type(value))
    if fields is not None:
        return {f.name: dump(getattr(value, f.name), omit_defaults=omit_defaults)
                for f in fields
                if not (omit_defaults and _is_default(f, getattr(value, f.name)))}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [dump(v, omit_defaults=omit_defaults) for v in value]
    if isinstance(value, dict):
        return {str(k): dump(v, omit_defaults=omit_defaults) for k, v in value.items()}
    return value


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def describe(value: Any) -> str:
    """What kind of value this is, in words ("text", "a list"): never the value itself."""
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


@overload
def load(tp: type[_T], data: Any, path: str) -> _T: ...
@overload
def load(tp: Any, data: Any, path: str) -> Any: ...


def load(tp: Any, data: Any, path: str) -> Any:
    """The value of type ``tp`` that ``data`` (JSON-compatible) holds; FieldError names ``path``
    and what is wrong. A class gives an instance of it; other type forms (``int | None``,
    ``list[str]``) give Any."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise FieldError(path, "is required (null given)")
        (inner,) = [a for a in args if a is not type(None)]
        return load(inner, data, path)
    if data is None:
        raise FieldError(path, "is required (null given)")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _load_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, Enum):
        allowed = [m.value for m in tp]
        if data not in allowed:
            raise FieldError(path, f"must be one of {', '.join(map(str, allowed))}; "
                                   f"got {data!r}"[:300])
        return tp(data)
    if tp is datetime:
        if not isinstance(data, str):
            raise FieldError(path, f"must be a date and time as text, got {describe(data)}")
        try:
            value = datetime.fromisoformat(data)
        except ValueError:
            raise FieldError(path, "must be an ISO 8601 date and time, like "
                                   "2026-11-25T14:32:05+01:00") from None
        if value.tzinfo is None:
            raise FieldError(path, "needs a time zone offset, like +01:00 or Z")
        return value
    if tp is date:
        if not isinstance(data, str) or len(data) != 10:
            raise FieldError(path, "must be a date like 1961-04-12")
        try:
            return date.fromisoformat(data)
        except ValueError:
            raise FieldError(path, f"is not a real date: {data!r}") from None
    if tp is bool:
        if not isinstance(data, bool):
            raise FieldError(path, f"must be true or false, got {describe(data)}")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise FieldError(path, f"must be a whole number, got {describe(data)}")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise FieldError(path, f"must be a number, got {describe(data)}")
        try:
            number = float(data)
        except OverflowError:
            raise FieldError(path, "is too large to be a number here") from None
        if not math.isfinite(number):
            raise FieldError(path, "must be a finite number, not NaN or infinity")
        return number
    if tp is str:
        if not isinstance(data, str):
            raise FieldError(path, f"must be text, got {describe(data)}")
        if "\x00" in data:
            raise FieldError(path, "contains a null character")
        return data
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise FieldError(path, f"must be a list, got {describe(data)}")
        (inner, *_) = typing.get_args(tp)
        items = [load(inner, v, f"{path}[{i}]") for i, v in enumerate(data)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(data, dict):
            raise FieldError(path, f"must be an object, got {describe(data)}")
        _, inner = typing.get_args(tp)
        return {k: load(inner, v, f"{path}.{k}") for k, v in data.items()}
    raise TypeError(f"no JSON mapping for {tp!r} at {path}")


def _load_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise FieldError(path, f"must be an object, got {describe(data)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise FieldError(f"{path}.{unknown[0]}", "is not a known field")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = load(hints(cls)[name], data[name], f"{path}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise FieldError(f"{path}.{name}", "is required")
    return cls(**kwargs)


def schema_for(tp: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a type, adding dataclasses to ``definitions``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return {"anyOf": [schema_for(inner, definitions), {"type": "null"}]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in definitions:
            definitions[name] = {}  # placeholder against recursion
            props = {f.name: _limited(schema_for(hints(tp)[f.name], definitions), limit_of(f))
                     for f in dataclasses.fields(tp)}
            required = [f.name for f in dataclasses.fields(tp)
                        if f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING]
            definitions[name] = {"type": "object", "properties": props,
                                 "required": required, "additionalProperties": False}
            if tp.__doc__ and not tp.__doc__.startswith(f"{name}("):
                definitions[name]["description"] = " ".join(tp.__doc__.split())
        return {"$ref": f"#/$defs/{name}"}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"enum": [m.value for m in tp]}
    if tp is datetime:  # 2026-11-25T14:32:05.123456+01:00 is 32 characters
        return {"type": "string", "format": "date-time", "maxLength": 40}
    if tp is date:
        return {"type": "string", "format": "date", "maxLength": 10}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if origin in (list, tuple):
        return {"type": "array", "items": schema_for(typing.get_args(tp)[0], definitions)}
    if origin is dict:
        return {"type": "object",
                "additionalProperties": schema_for(typing.get_args(tp)[1], definitions)}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _limited(schema: dict[str, Any], limit: Limit | None) -> dict[str, Any]:
    """``schema`` with the field's declared limit (:mod:`consult_aid.domain.limits`)."""
    kind = schema.get("type")
    if isinstance(limit, Text) and kind == "string":
        out = {**schema, "maxLength": limit.max_chars}
        if limit.pattern is not None:
            out["pattern"] = f"^{limit.pattern.pattern}$"
        return out
    if isinstance(limit, Items) and kind == "array":
        out = {**schema, "maxItems": limit.max_items}
        if limit.value is not None:
            out["items"] = _limited(out["items"], limit.value)
        return out
    if isinstance(limit, Items) and kind == "object":
        out = {**schema, "maxProperties": limit.max_items}
        if limit.key is not None:
            names = _limited({"type": "string"}, limit.key)
            out["propertyNames"] = {k: v for k, v in names.items() if k != "type"}
        if limit.value is not None:
            out["additionalProperties"] = _limited(out["additionalProperties"], limit.value)
        return out
    if isinstance(limit, Span) and kind == "number":
        return {**schema, "minimum": limit.low, "maximum": limit.high}
    return schema
