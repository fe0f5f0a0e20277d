"""The Arrow schema of the mirrored event log, and rows from the state store turned into it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP = pa.timestamp("us", tz="UTC")
TIMES = ("timestamp", "original_timestamp", "sent_at", "received_at")
JSON_TEXT = ("properties", "traits", "context", "extra")

EVENTS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("source_id", pa.int32(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("message_id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("event", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("anonymous_id", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("store_code", pa.string()),
        pa.field("timestamp", TIMESTAMP, nullable=False),
        pa.field("original_timestamp", TIMESTAMP),
        pa.field("sent_at", TIMESTAMP),
        pa.field("received_at", TIMESTAMP, nullable=False),
        pa.field("properties", pa.string()),
        pa.field("traits", pa.string()),
        pa.field("context", pa.string()),
        pa.field("extra", pa.string()),
    ],
    metadata={"datong.lake.events": "1"},
)
COLUMNS = tuple(EVENTS_SCHEMA.names)


def _times(values: Sequence[Any]) -> pa.Array:
    # SQLite hands back its stored text ("YYYY-MM-DD HH:MM:SS.ffffff", UTC); PostgreSQL aware
    # datetimes. Both become microseconds since the epoch in UTC.
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, str):
        return pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(TIMESTAMP)
    return pa.array(values, TIMESTAMP)


def _json_text(values: Sequence[Any]) -> pa.Array:
    # A JSON null stored in the column is the same absence as an SQL NULL.
    text = pa.array(values, pa.string())
    return pc.if_else(pc.equal(text, "null"), pa.scalar(None, pa.string()), text)


def to_table(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows selected in `COLUMNS` order (times raw, JSON as text) → a table of `EVENTS_SCHEMA`."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    arrays = []
    for field, values in zip(EVENTS_SCHEMA, columns, strict=True):
        if field.name in TIMES:
            arrays.append(_times(values))
        elif field.name in JSON_TEXT:
            arrays.append(_json_text(values))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)


def event_dates(table: pa.Table) -> pa.Array:
    """The UTC date of each event's `timestamp`, as ISO text: the partition it belongs to."""
    return pc.cast(pc.cast(table["timestamp"], pa.date32()), pa.string())
