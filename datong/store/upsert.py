"""Folding many rows into existing ones in one statement: insert, or combine on a key clash.

For counters kept by the ingest hooks: each column says how a new value combines with the
stored one (`sum`, `min`, `max`), so the caller never reads the rows it changes. SQLite runs
`INSERT … ON CONFLICT DO UPDATE` through the driver's executemany; PostgreSQL runs one
`INSERT … SELECT … FROM unnest(arrays) ON CONFLICT DO UPDATE`. The rows must not repeat a key
(aggregate them first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from datong.store.arrays import column_arrays, unnest
from datong.store.types import json_dumps, sqlite_time

# How each dialect spells a two-argument minimum and maximum (both may meet NULLs: the
# coalesce keeps whichever side is known).
_EXTREMES = {"sqlite": ("min", "max"), "postgresql": ("least", "greatest")}
# Value types the drivers take as they are, and those of a column of times.
_PLAIN = frozenset({int, str, float, type(None), bool})
_TIMES = frozenset({datetime, type(None)})


def _combine(dialect: str, table: str, column: str, how: str) -> str:
    old, new = f'{table}."{column}"', f'excluded."{column}"'
    if how == "sum":
        return f"{old} + {new}"
    lowest, highest = _EXTREMES[dialect]
    fn = lowest if how == "min" else highest
    return f"coalesce({fn}({old}, {new}), {old}, {new})"


def _sqlite_column(column: tuple[Any, ...]) -> Iterable[Any]:
    """One column's values as sqlite3 takes them: times as their stored text, JSON as text.
    Decided per column from the types it holds, so plain columns cost nothing."""
    kinds = set(map(type, column))
    if kinds <= _PLAIN:
        return column
    if kinds <= _TIMES:
        return map(_time_text, column)
    return map(_sqlite_value, column)


def _time_text(value: datetime | None) -> str | None:
    return None if value is None else sqlite_time(value)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(value)
    return json_dumps(value) if isinstance(value, dict | list) else value


def _postgres_value(value: Any) -> Any:
    return json_dumps(value) if isinstance(value, dict | list) else value


def bulk_upsert(
    conn: Connection, table: Table, keys: Sequence[str], merge: Mapping[str, str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Rows of (*keys, *merge columns) in that order; `merge` maps column → sum|min|max."""
    if not rows:
        return
    dialect = conn.dialect.name
    columns = [*keys, *merge]
    names = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = {_combine(dialect, table.name, c, how)}'
                        for c, how in merge.items())
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    if dialect != "postgresql":
        marks = ", ".join("?" for _ in columns)
        converted = zip(*map(_sqlite_column, zip(*rows, strict=True)), strict=True)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}",
                             list(converted))
        return
    arrays = column_arrays(rows, len(columns))
    for i, values in enumerate(arrays):
        if not set(map(type, values)) <= _PLAIN | _TIMES:
            arrays[i] = list(map(_postgres_value, values))
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(f"INSERT INTO {table.name} ({names}) SELECT * FROM "
                    f"{unnest(table, columns)} {conflict}", arrays)
