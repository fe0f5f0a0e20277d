"""Field specs of a mapping, `"Column"` or `{column|template|value, type, required, else}`, and the
small checked readers of TOML values the mapping's sections share."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from datong.ingest.messages import MAX_ID

TYPES = ("string", "integer", "number", "money", "boolean")
FIELD_KEYS = frozenset({"column", "template", "value", "type", "required", "else"})


class MappingError(Exception):
    """A problem at one key of the mapping; `load_mapping` turns it into Invalid."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Field:
    """Where one output value comes from: a column, a template over columns, or a constant."""

    key: str
    column: str | None = None
    template: tuple[tuple[str, str | None], ...] | None = None
    value: Any = None
    type: str = "string"
    required: bool = False
    fallback: str | None = None  # `else`: the column whose text is used where this is empty

    @property
    def is_constant(self) -> bool:
        return self.column is None and self.template is None

    @property
    def columns(self) -> tuple[str, ...]:
        own = (self.column,) if self.column is not None else tuple(
            col for _, col in self.template or () if col is not None)
        return own if self.fallback is None else (*own, self.fallback)


def parse_field(spec: Any, key: str, default_type: str) -> Field:
    """`"Column"`, `{column=..}`, `{template=..}` or `{value=..}`, with `type` and `required`."""
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, dict):
        raise MappingError(key, "a column name, or a table with column, template or value")
    only(spec, key, FIELD_KEYS)
    sources = [k for k in ("column", "template", "value") if k in spec]
    if len(sources) != 1:
        raise MappingError(key, "needs exactly one of column, template or value")
    kind = choice(spec, f"{key}.type", TYPES, default_type)
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise MappingError(f"{key}.required", "must be true or false")
    if "value" in spec:
        if "type" in spec or required or "else" in spec:
            raise MappingError(key, "a constant value takes no type, required or else")
        return Field(key, value=spec["value"])
    fallback = None
    if "else" in spec:
        fallback = string_value(spec, f"{key}.else", "")
        if not fallback:
            raise MappingError(f"{key}.else", "must name a column")
        if kind != "string":
            raise MappingError(f"{key}.else", "only a string field can fall back to a column")
    if "template" in spec:
        if kind != "string":
            raise MappingError(f"{key}.type", "a template always gives a string")
        return Field(key, template=parse_template(spec["template"], f"{key}.template"),
                     required=required, fallback=fallback)
    column = string_value(spec, f"{key}.column", "")
    if not column:
        raise MappingError(f"{key}.column", "must name a column")
    return Field(key, column=column, type=kind, required=required, fallback=fallback)


def parse_template(text: Any, key: str) -> tuple[tuple[str, str | None], ...]:
    if not isinstance(text, str):
        raise MappingError(key, "must be a string such as \"guest:{InvoiceNo}\"")
    parts: list[tuple[str, str | None]] = []
    try:
        for literal, name, spec, conversion in string.Formatter().parse(text):
            if spec or conversion:
                raise MappingError(key, "placeholders take no format: write {Column}")
            if name == "":
                raise MappingError(key, "an empty placeholder {} names no column")
            parts.append((literal, name))
    except ValueError as exc:
        raise MappingError(key, f"{exc} (write {{{{ and }}}} for literal braces)") from None
    if not any(name for _, name in parts):
        raise MappingError(key, "has no {Column} placeholder; use value = ... for a constant")
    return tuple(parts)


def table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key.rsplit(".", 1)[-1], {})
    if not isinstance(value, dict):
        raise MappingError(key, "must be a table")
    return value


def names(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise MappingError(key, "must be a column name or an array of column names")
    return tuple(value)


def string_value(raw: dict[str, Any], key: str, default: str) -> str:
    value = raw.get(key.rsplit(".", 1)[-1], default)
    if not isinstance(value, str):
        raise MappingError(key, "must be a string")
    return value


def short(value: str, key: str) -> str:
    if not value.strip() or len(value) > MAX_ID:
        raise MappingError(key, f"must be 1 to {MAX_ID} characters")
    return value


def choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...], default: str | None) -> Any:
    value = raw.get(key.rsplit(".", 1)[-1], default)
    if value is not None and value not in allowed:
        raise MappingError(key, f"must be one of {', '.join(allowed)}, not {value!r}")
    return value


def only(raw: dict[str, Any], section: str, allowed: frozenset[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        where = f"{section}.{unknown[0]}" if section else unknown[0]
        raise MappingError(where, f"unknown key; expected one of {', '.join(sorted(allowed))}")
