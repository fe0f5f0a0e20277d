"""Reading the event log for the lake: how far it is safe to go, then chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, Select, String, Text, cast, func, select, type_coerce

from datong.ingest.tables import events, sources
from datong.lake.schema import COLUMNS, JSON_TEXT, TIMES, to_table

FETCH_ROWS = 5_000


def safe_bound(conn: Connection, *, after: int, cutoff: datetime) -> int:
    """The first event id this sync must not reach.

    That is the oldest event received at or after `cutoff` (its neighbours may still be
    uncommitted), else one past the newest id now, so the sync ends at what exists now.
    """
    fresh = conn.execute(
        select(func.min(events.c.id)).where(events.c.id > after, events.c.received_at >= cutoff)
    ).scalar()
    if fresh is not None:
        return int(fresh)
    newest = conn.execute(select(func.max(events.c.id))).scalar()
    return max(int(newest or 0), after) + 1


def _column(name: str) -> Any:
    if name == "source":
        return sources.c.name.label("source")
    column = events.c[name]
    if name in TIMES:
        # The stored value as the driver gives it, without a per-row Python conversion.
        return type_coerce(column, String).label(name)
    if name in JSON_TEXT:
        return cast(column, Text).label(name)
    return column


def _chunk_query(after: int, bound: int, size: int) -> Select[Any]:
    return (
        select(*(_column(name) for name in COLUMNS))
        .select_from(events.join(sources, sources.c.id == events.c.source_id))
        .where(events.c.id > after, events.c.id < bound)
        .order_by(events.c.id)
        .limit(size)
    )


def _fetch(conn: Connection, query: Select[Any]) -> pa.Table | None:
    # Streamed (a server-side cursor on PostgreSQL) and converted to Arrow a few thousand rows
    # at a time: Python row objects cost ten times the memory of the same rows in Arrow.
    result = conn.execution_options(stream_results=True).execute(query)
    batches = [to_table(rows) for rows in iter(lambda: result.fetchmany(FETCH_ROWS), [])]
    return pa.concat_tables(batches) if batches else None


def read_chunks(engine: Engine, *, after: int, bound: int, size: int) -> Iterator[pa.Table]:
    """Events with `after < id < bound` in id order, `size` at a time, one short read each."""
    while after + 1 < bound:
        with engine.connect().execution_options(readonly=True) as conn:
            table = _fetch(conn, _chunk_query(after, bound, size))
        if table is None:
            return
        yield table
        after = int(table["id"][-1].as_py())

