"""The mapping of a bulk import: a TOML file, checked whole before a single row is read.

Every problem names the mapping file and the key, e.g. `pos.toml: order.group_by: ...`.
The format is documented key by key in docs/import.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from datong.errors import Invalid
from datong.ingest.importer.fields import (
    FIELD_KEYS,
    Field,
    MappingError,
    choice,
    names,
    only,
    parse_field,
    short,
    string_value,
    table,
)

EVENT_TYPES = ("track", "identify")
RULE_OPS = (
    "equals", "in", "starts_with", "ends_with", "contains", "matches", "empty",
    "less_than", "greater_than",
)
ROUNDINGS = ("reject", "half_up")
FORMATS = ("csv", "parquet")
EPOCH_FORMATS = ("epoch_s", "epoch_ms")
# ISO 4217 currencies whose minor unit is not 1/100; every other code has two decimals.
_EXPONENTS = {
    **dict.fromkeys(("JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"), 0),
    **dict.fromkeys(("BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"), 3),
}
# The keys each table of a mapping may hold (docs/import.md documents every one).
KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"file", "event", "identity", "timestamp", "money", "order", "properties",
                   "traits"}),
    "file": frozenset({"format", "delimiter", "quote", "encoding"}),
    "event": frozenset({"type", "name", "rules", "key"}),
    "event.rules": frozenset({"column", "name", *RULE_OPS}),
    "identity": frozenset({"user_id", "anonymous_id", "guest_id"}),
    "timestamp": frozenset({"column", "format", "timezone"}),
    "money": frozenset({"currency", "exponent", "rounding"}),
    "order": frozenset({"group_by", "id", "total", "products"}),
    "field": FIELD_KEYS,
}
# Defaults that make the common case short: `quantity = "Qty"` is an integer column.
_PRODUCT_TYPES = {"quantity": "integer", "price": "money"}


@dataclass(frozen=True)
class Rule:
    """`column <op> operand` → this event name; the first rule that matches wins."""

    key: str
    column: str
    op: str
    operand: Any
    name: str


@dataclass(frozen=True)
class FileOptions:
    format: str | None = None
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Timestamp:
    column: str | None
    format: str | None
    timezone: str


@dataclass(frozen=True)
class Money:
    currency: str | None = None
    exponent: int = 2
    rounding: str = "reject"


@dataclass(frozen=True)
class Order:
    group_by: tuple[str, ...] = ()
    id: Field | None = None
    total: Field | None = None
    products: dict[str, Field] = field(default_factory=dict)

    @property
    def computes_total(self) -> bool:
        return self.total is None and {"quantity", "price"} <= self.products.keys()


@dataclass(frozen=True)
class Mapping:
    path: Path
    raw: dict[str, Any]
    file: FileOptions
    type: str
    event: str | None
    rules: tuple[Rule, ...]
    key: tuple[str, ...]
    user_id: Field | None
    anonymous_id: Field | None
    guest_id: Field | None
    timestamp: Timestamp
    money: Money
    order: Order | None
    properties: dict[str, Field]
    traits: dict[str, Field]

    def fields(self) -> list[Field]:
        """Every field read from the file's columns, in mapping order."""
        found = [self.user_id, self.anonymous_id, self.guest_id]
        found += [*self.properties.values(), *self.traits.values()]
        if self.order is not None:
            found += [self.order.id, self.order.total, *self.order.products.values()]
        return [f for f in found if f is not None and not f.is_constant]

    def columns(self) -> set[str]:
        """Every column the mapping reads."""
        used = {c for f in self.fields() for c in f.columns}
        used |= {r.column for r in self.rules} | set(self.key)
        used |= set(self.order.group_by if self.order else ())
        return used | ({self.timestamp.column} if self.timestamp.column else set())


def load_mapping(path: Path, *, default_timezone: str = "UTC") -> Mapping:
    """Read and check a mapping file; every problem raises Invalid naming the file and key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Invalid(f"{path}: cannot read the mapping: {exc.strerror}", field="mapping") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"{path}: not valid TOML: {exc}", field="mapping") from None
    try:
        return parse_mapping(raw, path=path, default_timezone=default_timezone)
    except MappingError as exc:
        raise Invalid(f"{path}: {exc.key}: {exc.problem}", field=exc.key) from None


def parse_mapping(raw: dict[str, Any], *, path: Path, default_timezone: str) -> Mapping:
    only(raw, "", KEYS[""])
    event = table(raw, "event")
    identity = table(raw, "identity")
    only(event, "event", KEYS["event"])
    only(identity, "identity", KEYS["identity"])
    kind = choice(event, "event.type", EVENT_TYPES, "track")
    order = _order(raw)
    mapping = Mapping(
        path=path, raw=raw, file=_file(table(raw, "file")), type=kind,
        event=_event_name(event, kind), rules=_rules(event),
        key=names(event.get("key", []), "event.key"),
        user_id=_maybe_field(identity, "identity", "user_id"),
        anonymous_id=_maybe_field(identity, "identity", "anonymous_id"),
        guest_id=_maybe_field(identity, "identity", "guest_id"),
        timestamp=_timestamp(table(raw, "timestamp"), default_timezone),
        money=_money(table(raw, "money")), order=order,
        properties=_fields(table(raw, "properties"), "properties"),
        traits=_fields(table(raw, "traits"), "traits"),
    )
    _check_whole(mapping)
    return mapping


def _check_whole(m: Mapping) -> None:
    if m.user_id is None and m.anonymous_id is None and m.guest_id is None:
        raise MappingError("identity", "set at least one of user_id, anonymous_id or guest_id")
    if m.type == "identify" and (m.order is not None or m.rules):
        raise MappingError("event.type", "identify events have no order and no rules")
    if m.order and m.order.group_by and m.key:
        raise MappingError("event.key", "a grouped import is keyed by order.group_by already")
    uses_money = any(f.type == "money" for f in m.fields()) or m.order is not None
    if uses_money and m.money.currency is None:
        raise MappingError("money.currency", "needed by the money fields and orders, e.g. \"CNY\"")
    reserved = {"order_id", "total", "currency", "products"} & m.properties.keys()
    if m.order is not None and reserved:
        raise MappingError(f"properties.{min(reserved)}", "is set by [order]; map it there")


def _file(raw: dict[str, Any]) -> FileOptions:
    only(raw, "file", KEYS["file"])
    fmt = choice(raw, "file.format", FORMATS, None)
    delimiter = string_value(raw, "file.delimiter", ",")
    quote = string_value(raw, "file.quote", '"')
    for key, value in (("file.delimiter", delimiter), ("file.quote", quote)):
        if len(value) != 1:
            raise MappingError(key, "must be a single character")
    encoding = string_value(raw, "file.encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise MappingError("file.encoding", f"unknown encoding {encoding!r}") from None
    return FileOptions(fmt, delimiter, quote, encoding)


def _event_name(raw: dict[str, Any], kind: str) -> str | None:
    if kind == "identify":
        if "name" in raw:
            raise MappingError("event.name", "identify events have no name")
        return None
    name = string_value(raw, "event.name", "")
    if not name.strip():
        raise MappingError("event.name",
                           "a track import needs an event name, e.g. \"Order Completed\"")
    return short(name, "event.name")


def _rules(raw: dict[str, Any]) -> tuple[Rule, ...]:
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        raise MappingError("event.rules", "must be an array of tables ([[event.rules]])")
    return tuple(_rule(r, f"event.rules[{i}]") for i, r in enumerate(rules))


def _rule(raw: Any, key: str) -> Rule:
    if not isinstance(raw, dict):
        raise MappingError(key, "must be a table with column, one test and name")
    only(raw, key, KEYS["event.rules"])
    ops = [op for op in RULE_OPS if op in raw]
    if len(ops) != 1:
        raise MappingError(key, f"needs exactly one test of: {', '.join(RULE_OPS)}")
    op, operand = ops[0], raw[ops[0]]
    _check_operand(f"{key}.{op}", op, operand)
    column = string_value(raw, f"{key}.column", "")
    if not column:
        raise MappingError(f"{key}.column", "missing: the column the rule tests")
    name = short(string_value(raw, f"{key}.name", ""), f"{key}.name")
    return Rule(key, column, op, operand, name)


def _check_operand(key: str, op: str, operand: Any) -> None:
    if op == "in":
        ok = isinstance(operand, list) and all(isinstance(v, str) for v in operand)
        expected = "an array of strings"
    elif op == "empty":
        ok, expected = operand is True, "true"
    elif op in ("less_than", "greater_than"):
        ok = isinstance(operand, int | float) and not isinstance(operand, bool)
        expected = "a number"
    else:
        ok, expected = isinstance(operand, str), "a string"
    if not ok:
        raise MappingError(key, f"must be {expected}")
    if op == "matches":
        try:
            re.compile(operand)
        except re.error as exc:
            raise MappingError(key, f"not a regular expression: {exc}") from None


def _timestamp(raw: dict[str, Any], default_timezone: str) -> Timestamp:
    only(raw, "timestamp", KEYS["timestamp"])
    column = string_value(raw, "timestamp.column", "") or None
    fmt = string_value(raw, "timestamp.format", "") or None
    zone = string_value(raw, "timestamp.timezone", default_timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError("timestamp.timezone", f"unknown time zone {zone!r}") from None
    if fmt is not None and fmt not in EPOCH_FORMATS and "%" not in fmt:
        raise MappingError("timestamp.format", "a strptime format such as \"%Y/%m/%d %H:%M\", "
                                               "or epoch_s / epoch_ms")
    if column is None and fmt is not None:
        raise MappingError("timestamp.column", "missing: the column the format applies to")
    return Timestamp(column, fmt, zone)


def _money(raw: dict[str, Any]) -> Money:
    only(raw, "money", KEYS["money"])
    currency = string_value(raw, "money.currency", "") or None
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        raise MappingError("money.currency", f"an ISO 4217 code such as CNY, not {currency!r}")
    exponent = raw.get("exponent", _EXPONENTS.get(currency or "", 2))
    if isinstance(exponent, bool) or not isinstance(exponent, int) or not 0 <= exponent <= 6:
        raise MappingError("money.exponent", "must be a whole number from 0 to 6")
    return Money(currency, exponent, choice(raw, "money.rounding", ROUNDINGS, "reject"))


def _order(raw: dict[str, Any]) -> Order | None:
    if "order" not in raw:
        return None
    order = table(raw, "order")
    only(order, "order", KEYS["order"])
    group_by = order.get("group_by", [])
    group_by = names([group_by] if isinstance(group_by, str) else group_by, "order.group_by")
    products = {
        name: parse_field(spec, f"order.products.{name}", _PRODUCT_TYPES.get(name, "string"))
        for name, spec in table(order, "order.products").items()
    }
    id_spec = order.get("id", group_by[0] if len(group_by) == 1 else None)
    if id_spec is None and len(group_by) > 1:
        raise MappingError("order.id", "needed when group_by has several columns, e.g. "
                                       "{ template = \"{store}-{receipt}\" }")
    result = Order(
        group_by=group_by,
        id=None if id_spec is None else parse_field(id_spec, "order.id", "string"),
        total=_maybe_field(order, "order", "total", "money"),
        products=products,
    )
    if result.computes_total:  # a line without quantity or price cannot add to the total
        for name in ("quantity", "price"):
            result.products[name] = _required(result.products[name])
    return result


def _required(f: Field) -> Field:
    return Field(f.key, f.column, f.template, f.value, f.type, required=True,
                 fallback=f.fallback)


def _fields(raw: dict[str, Any], section: str) -> dict[str, Field]:
    return {name: parse_field(spec, f"{section}.{name}", "string") for name, spec in raw.items()}


def _maybe_field(raw: dict[str, Any], section: str, name: str,
                 kind: str = "string") -> Field | None:
    return parse_field(raw[name], f"{section}.{name}", kind) if name in raw else None


