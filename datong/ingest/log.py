"""Appends to the event log and the quarantine in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, func, select

from datong.ingest.tables import events, quarantine
from datong.store.arrays import unnest
from datong.store.database import is_postgres
from datong.store.types import json_dumps, sqlite_time, utc_text

# Called in the same transaction with the rows that were new (each with its "id"): how later
# domains (identity, loyalty) keep their state in step with the log.
EventHook = Callable[[Connection, list[dict[str, Any]]], None]


@dataclass
class AppendResult:
    inserted: set[tuple[int, str]] = field(default_factory=set)
    quarantined: int = 0


def append(
    *, db: Connection, rows: Sequence[dict[str, Any]], rejected: Sequence[dict[str, Any]] = (),
    hooks: Sequence[EventHook] = (),
) -> AppendResult:
    """Insert new events (a replayed messageId per source is skipped) and quarantine rows;
    the hooks get the new events with their ids, in this transaction.

    The hot path of every ingest (HTTP, imports, the demo), so it skips SQLAlchemy's
    per-value processing: PostgreSQL inserts the columns as arrays (one statement), SQLite
    inserts through the driver and finds the new rows by id (the write lock is held, so ids
    only grow).
    """
    result = AppendResult()
    if rows:
        returned = _insert_postgres(db, rows) if is_postgres(db) else _insert_sqlite(db, rows)
        ids = {(source_id, message_id): id_ for id_, source_id, message_id in returned}
        result.inserted = set(ids)
        if hooks and ids:
            new = _new_rows(rows, ids)
            for hook in hooks:
                hook(db, new)
    if rejected:
        db.execute(quarantine.insert(), list(rejected))
        result.quarantined = len(rejected)
    return result


def _new_rows(
    rows: Sequence[dict[str, Any]], ids: dict[tuple[int, str], int]
) -> list[dict[str, Any]]:
    new: list[dict[str, Any]] = []
    for row in rows:
        key = (row["source_id"], row["message_id"])
        if key in ids:
            new.append({**row, "id": ids.pop(key)})
    return new


_COLUMNS = tuple(c.name for c in events.columns if c.name != "id")
_TIMES = frozenset({"timestamp", "sent_at", "received_at"})
_ONCE_TIMES = frozenset({"original_timestamp"})  # read by no hook: not worth remembering
_JSONS = frozenset({"properties", "traits", "context", "extra"})


def _time_text(value: datetime | None) -> str | None:
    """A time as SQLite stores it (`sqlite_time` remembers recent ones: the rows of one
    request share their received_at and sent_at; the hooks convert each timestamp again)."""
    return None if value is None else sqlite_time(value)


def _once_time_text(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def _json_text(value: Any) -> str:
    """JSON text of a column; most events have no traits and no extra (stored as JSON null,
    as SQLAlchemy's JSON type stores None)."""
    return "null" if value is None else json_dumps(value)


def _insert_sqlite(db: Connection, rows: Sequence[dict[str, Any]]) -> list[tuple[int, int, str]]:
    before = db.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()
    # Column by column, so that the conversions run through map() rather than a Python loop.
    columns: list[Any] = list(zip(*map(itemgetter(*_COLUMNS), rows), strict=True))
    for i, name in enumerate(_COLUMNS):
        if name in _TIMES:
            columns[i] = map(_time_text, columns[i])
        elif name in _ONCE_TIMES:
            columns[i] = map(_once_time_text, columns[i])
        elif name in _JSONS:
            columns[i] = map(_json_text, columns[i])
    names = ", ".join(_COLUMNS)
    marks = ", ".join("?" for _ in _COLUMNS)
    db.exec_driver_sql(
        f"INSERT INTO events ({names}) VALUES ({marks}) "
        "ON CONFLICT (source_id, message_id) DO NOTHING", list(zip(*columns, strict=True)),
    )
    raw = db.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()  # plain tuples: a result row per new event would cost more
    try:
        cursor.execute("SELECT id, source_id, message_id FROM events WHERE id > ?", (before,))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _insert_postgres(db: Connection, rows: Sequence[dict[str, Any]]
                     ) -> list[tuple[int, int, str]]:
    columns: list[Any] = [list(c) for c in zip(*map(itemgetter(*_COLUMNS), rows), strict=True)]
    for i, name in enumerate(_COLUMNS):
        if name in _JSONS:
            columns[i] = list(map(_json_text, columns[i]))
    names = ", ".join(f'"{c}"' for c in _COLUMNS)
    driver = db.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO events ({names}) SELECT * FROM {unnest(events, _COLUMNS)} "
            "ON CONFLICT (source_id, message_id) DO NOTHING RETURNING id, source_id, message_id",
            columns)
        return list(cursor.fetchall())
