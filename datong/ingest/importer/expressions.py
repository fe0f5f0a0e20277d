"""DuckDB SQL for one mapped value: what it is, and why a line's value is unusable.

Each field compiles to a value expression (NULL when absent) and a problem expression (NULL
when fine, else a reason). Conversions read the column's text, so Parquet numbers and CSV
strings go through the same exact rules; money is parsed as a decimal string, never a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from datong.errors import Invalid
from datong.ingest.importer.mapping import EPOCH_FORMATS, Field, Money, Rule, Timestamp

# Trimmed from text values besides ASCII white space: the no-break and ideographic spaces.
_WIDE_BLANKS = ("\u00a0", "\u3000")
_TRUE = ("true", "t", "yes", "y", "1", "是")
_FALSE = ("false", "f", "no", "n", "0", "否")
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
_WHOLE = r"[+-]?[0-9]+(\.0*)?"


# (key, SQL expression or None for a constant, the constant, expression is JSON already)
Member = tuple[str, str | None, object, bool]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Compiled:
    value: str
    problem: str  # refers to the value by the column name it is stored under
    blame: str  # the column(s) the reject file names when the problem is not NULL


class Columns:
    """The file's columns and their Arrow types, as the mapping refers to them.

    `text()` hands out an alias for a column's trimmed text; `texts()` lists the expressions
    to compute them once, in a stage before anything reads them."""

    def __init__(self, schema: pa.Schema, mapping_path: Path, file_name: str) -> None:
        self._types = {f.name: f.type for f in schema}
        self._mapping_path = mapping_path
        self._file_name = file_name
        self._texts: dict[str, str] = {}

    def check(self, name: str, key: str) -> str:
        if name not in self._types:
            known = ", ".join(n for n in self._types if n != "__line")
            raise Invalid(f"{self._mapping_path}: {key}: no column {name!r} in {self._file_name}"
                          f" (its columns: {known})", field=key)
        return ident(name)

    def type(self, name: str) -> pa.DataType:
        kind = self._types[name]
        return kind.value_type if pa.types.is_dictionary(kind) else kind

    def text(self, name: str, key: str) -> str:
        self.check(name, key)
        return self._texts.setdefault(name, f"__t{len(self._texts)}")

    def with_texts(self, table: pa.Table) -> pa.Table:
        """The table plus its string columns trimmed by Arrow (far faster than DuckDB's trim
        with a set of characters), as `__a<n>` for `texts()` to read."""
        for name, alias in self._texts.items():
            if _is_text(self.type(name)):
                table = table.append_column(f"__a{alias[3:]}", trimmed(table.column(name)))
        return table

    def texts(self) -> list[str]:
        """DuckDB expressions computing each text alias."""
        return [f"{self._text_sql(name, alias)} AS {alias}" for name, alias in self._texts.items()]

    def raw(self, name: str) -> str:
        return f"CAST({ident(name)} AS VARCHAR)"

    def _text_sql(self, name: str, alias: str) -> str:
        """The value as text, NULL when empty; whole floats print without `.0`."""
        col, kind = ident(name), self.type(name)
        if _is_text(kind):
            return f"nullif(__a{alias[3:]}, '')"
        if pa.types.is_floating(kind):
            return (f"CASE WHEN isfinite({col}) THEN CASE WHEN {col} = trunc({col}) AND "
                    f"abs({col}) < 1e15 THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) "
                    f"ELSE CAST({col} AS VARCHAR) END END")
        return f"nullif(trim(CAST({col} AS VARCHAR)), '')"


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text without surrounding white space, the no-break and ideographic spaces too.

    No Python scalars are passed to Arrow: converting one makes pyarrow import pandas."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    text = pc.ascii_trim_whitespace(column)
    unusual = [pc.starts_with(text, c) for c in _WIDE_BLANKS]
    unusual += [pc.ends_with(text, c) for c in _WIDE_BLANKS]
    mask = unusual[0]
    for more in unusual[1:]:
        mask = pc.or_(mask, more)
    if pc.any(mask).as_py():  # rare, and the Unicode-aware trim is slow
        text = pc.if_else(mask, pc.utf8_trim_whitespace(text), text)
    return text


def compile_field(f: Field, cols: Columns, money: Money, name: str) -> Compiled:
    """A column or template field, stored as column `name` → value and problem SQL."""
    if f.template is not None:
        value, problem, empty = _template(f, cols), "NULL", f"{name} IS NULL"
    else:
        value, problem, empty = _converted(f, cols, money, name)
    if f.fallback is not None:  # string fields only: the other column's text where empty
        other = cols.text(f.fallback, f"{f.key}.else")
        value, empty = f"coalesce({value}, {other})", f"{name} IS NULL"
    if f.required:
        problem = f"CASE WHEN {empty} THEN 'is empty' ELSE {problem} END"
    return Compiled(value, _prefixed(f.key, problem), "+".join(dict.fromkeys(f.columns)))


def _template(f: Field, cols: Columns) -> str:
    parts = []
    for text, column in f.template or ():
        if text:
            parts.append(literal(text))
        if column is not None:
            parts.append(cols.text(column, f"{f.key}.template"))
    return "(" + " || ".join(parts) + ")"  # NULL when any placeholder's column is empty


def _converted(f: Field, cols: Columns, money: Money, name: str) -> tuple[str, str, str]:
    """(value, problem, is-empty test) for a column field."""
    assert f.column is not None
    col = cols.check(f.column, f.key)
    kind = cols.type(f.column)
    if f.type == "integer" and pa.types.is_integer(kind):
        return f"TRY_CAST({col} AS BIGINT)", "NULL", f"{col} IS NULL"
    if f.type == "integer" and pa.types.is_floating(kind):  # 17850.0 → 17850; 1.5 is refused
        return (f"CASE WHEN {col} = trunc({col}) THEN TRY_CAST({col} AS BIGINT) END",
                f"CASE WHEN {name} IS NULL AND isfinite({col}) THEN "
                f"'not a whole number: ' || CAST({col} AS VARCHAR) END",
                f"NOT coalesce(isfinite({col}), false)")
    text = cols.text(f.column, f.key)
    empty = f"{name} IS NULL AND {text} IS NULL"
    if f.type == "string":
        return text, "NULL", empty
    if f.type == "money":
        return (*_money(text, money, name), empty)
    value = {
        "integer": f"CASE WHEN regexp_full_match({text}, {literal(_WHOLE)}) THEN "
                   f"TRY_CAST(TRY_CAST({text} AS DECIMAL(38, 0)) AS BIGINT) END",
        "number": f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) THEN "
                  f"TRY_CAST({text} AS DOUBLE) END",
        "boolean": f"CASE WHEN lower({text}) IN ({_list(_TRUE)}) THEN true "
                   f"WHEN lower({text}) IN ({_list(_FALSE)}) THEN false END",
    }[f.type]
    what = {"integer": "a whole number", "number": "a number", "boolean": "true or false"}[f.type]
    return value, (f"CASE WHEN {name} IS NULL AND {text} IS NOT NULL THEN "
                   f"'not {what}: ' || left({text}, 60) END"), empty


def _money(text: str, money: Money, name: str) -> tuple[str, str]:
    """Major units as written ("2.55") → integer minor units (255), exactly: the text is
    parsed as a decimal (a float column's text is its shortest round-trip form)."""
    e = money.exponent
    places = rf"(\.[0-9]{{0,{e}}}0*)?|\.[0-9]{{1,{e}}}0*" if e else r"(\.0*)?|\.0+"
    exact = rf"[+-]?([0-9]+{places})"
    allowed = _NUMBER if money.rounding == "half_up" else exact
    value = (f"CASE WHEN regexp_full_match({text}, {literal(allowed)}) THEN "
             f"TRY_CAST(TRY_CAST({text} AS DECIMAL(38, {e})) * {10 ** e} AS BIGINT) END")
    digits = f"{e} decimal places" if e != 1 else "1 decimal place"
    problem = (
        f"CASE WHEN {name} IS NOT NULL OR {text} IS NULL THEN NULL "
        f"WHEN NOT regexp_full_match({text}, {literal(_NUMBER)}) THEN "
        f"'not an amount: ' || left({text}, 60) "
        f"WHEN NOT regexp_full_match({text}, {literal(allowed)}) THEN "
        f"{text} || ' has more than {digits} for {money.currency}' "
        f"ELSE 'amount out of range: ' || left({text}, 60) END"
    )
    return value, problem


def _prefixed(key: str, problem: str) -> str:
    return f"{literal(key + ': ')} || ({problem})" if problem != "NULL" else "NULL"


def _list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(literal(v) for v in values)


def event_name(default: str, rules: tuple[Rule, ...], cols: Columns) -> str:
    """The event name: the first matching rule's, else the default."""
    if not rules:
        return literal(default)
    whens = " ".join(f"WHEN {_test(r, cols)} THEN {literal(r.name)}" for r in rules)
    return f"CASE {whens} ELSE {literal(default)} END"


def _test(rule: Rule, cols: Columns) -> str:
    text = cols.text(rule.column, f"{rule.key}.column")
    operand = rule.operand
    if rule.op == "in":
        return f"{text} IN ({_list(operand)})" if operand else "false"
    if rule.op == "empty":
        return f"{text} IS NULL"
    if rule.op in ("less_than", "greater_than"):
        sign = "<" if rule.op == "less_than" else ">"
        return f"TRY_CAST({text} AS DOUBLE) {sign} {float(operand)!r}"
    function = {"equals": None, "starts_with": "starts_with", "ends_with": "ends_with",
                "contains": "contains", "matches": "regexp_matches"}[rule.op]
    if function is None:
        return f"{text} = {literal(operand)}"
    return f"coalesce({function}({text}, {literal(operand)}), false)"


def timestamp(ts: Timestamp, cols: Columns, name: str) -> Compiled:
    """Microseconds since the epoch (UTC); naive times are read in the session's time zone."""
    if ts.column is None:
        return Compiled("NULL", "NULL", "")
    col, kind = cols.check(ts.column, "timestamp.column"), cols.type(ts.column)
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        naive = not getattr(kind, "tz", None)
        parsed = f"CAST(CAST({col} AS TIMESTAMP) AS TIMESTAMPTZ)" if naive else col
        problem = f"CASE WHEN {col} IS NULL THEN 'timestamp: is empty' END"
        return Compiled(f"epoch_us({parsed})", problem, ts.column)
    text = cols.text(ts.column, "timestamp.column")
    if ts.format in EPOCH_FORMATS:
        scale = 1000.0 if ts.format == "epoch_ms" else 1.0
        parsed = f"try(to_timestamp(TRY_CAST({text} AS DOUBLE) / {scale}))"
    elif ts.format is not None:
        parsed = f"TRY_CAST(try_strptime({text}, {literal(ts.format)}) AS TIMESTAMPTZ)"
    else:
        parsed = f"TRY_CAST({text} AS TIMESTAMPTZ)"
    expected = f"in the format {ts.format}" if ts.format else "in ISO 8601"
    problem = (f"CASE WHEN {text} IS NULL THEN 'timestamp: is empty' WHEN {name} IS NULL "
               f"THEN 'timestamp: not a time {expected}: ' || left({text}, 60) END")
    return Compiled(f"epoch_us({parsed})", problem, ts.column)


def json_object(members: list[Member]) -> str:
    """SQL for a JSON object text of the members; a NULL member is left out, not null."""
    if not members:
        return "NULL"
    parts = []
    for key, expression, constant, is_json in members:
        name = orjson.dumps(key).decode() + ":"
        if expression is None:
            parts.append(literal(name + orjson.dumps(constant).decode()))
        else:
            value = expression if is_json else f"to_json({expression})"
            parts.append(f"CASE WHEN {expression} IS NOT NULL THEN {literal(name)} || {value} END")
    return "'{' || concat_ws(',', " + ", ".join(parts) + ") || '}'"
