"""Folding many rows into existing ones in one statement: insert, or combine on a key clash.

For counters kept by the ingest hooks: each column says how a new value combines with the
stored one (`sum`, `min`, `max`), so the caller never reads the rows it changes. SQLite runs
`INSERT … ON CONFLICT DO UPDATE` through the driver's executemany; PostgreSQL COPYs the rows
into a temporary table and runs one `INSERT … SELECT … ON CONFLICT DO UPDATE`. The rows must
not repeat a key (aggregate them first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table

from datong.store.types import json_dumps, sqlite_time

_PLAIN = frozenset({int, str, float, type(None), bool})

# How each dialect spells a two-argument minimum and maximum (both may meet NULLs: the
# coalesce keeps whichever side is known).
_EXTREMES = {"sqlite": ("min", "max"), "postgresql": ("least", "greatest")}


def _combine(dialect: str, table: str, column: str, how: str) -> str:
    old, new = f'{table}."{column}"', f'excluded."{column}"'
    if how == "sum":
        return f"{old} + {new}"
    lowest, highest = _EXTREMES[dialect]
    fn = lowest if how == "min" else highest
    return f"coalesce({fn}({old}, {new}), {old}, {new})"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return sqlite_time(value)
    return json_dumps(value) if isinstance(value, dict | list) else value


def _postgres_value(value: Any) -> Any:
    return json_dumps(value) if isinstance(value, dict | list) else value


def _converter(dialect: str) -> Callable[[Any], Any]:
    return _sqlite_value if dialect == "sqlite" else _postgres_value


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
    convert = _converter(dialect)
    values = [tuple(v if type(v) in _PLAIN else convert(v) for v in row) for row in rows]
    if dialect != "postgresql":
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}",
                             values)
        return
    stage = f"_upsert_{table.name}"
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} "
                    f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        cur.execute(f"TRUNCATE {stage}")
        with cur.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
                    f"{conflict}")
