"""Event rows (the shape `datong.ingest.messages.normalize` returns) from batches of the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

from datong.ingest.messages import event_channel as _channel
from datong.ingest.messages import store_code as _store_code
from datong.ingest.sources import Source

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Batch:
    """What every event of one import shares."""

    source: Source
    received_at: datetime
    file_name: str
    run_id: int
    type: str


def event_rows(batch: pa.RecordBatch, common: Batch) -> list[dict[str, Any]]:
    """One event row per record of the batch, in the batch's order."""
    columns = ("__line", "__lines", "__mid", "__event", "__user", "__anon", "__ts",
               "__properties", "__traits")
    data = [batch.column(name).to_pylist() for name in columns]
    return [_row(common, *values) for values in zip(*data, strict=True)]


def _row(common: Batch, line: int, lines: int, message_id: str, event: str | None,
         user_id: str | None, anonymous_id: str | None, ts_us: int | None,
         properties: str | None, traits: str | None) -> dict[str, Any]:
    timestamp = common.received_at if ts_us is None else _EPOCH + timedelta(microseconds=ts_us)
    where: dict[str, Any] = {"file": common.file_name, "line": line, "run": common.run_id}
    if lines > 1:
        where["lines"] = lines
    props = orjson.loads(properties) if properties else None
    return {
        "source_id": common.source.id,
        "message_id": message_id,
        "type": common.type,
        "event": event,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "channel": _channel(common.source, props),
        "store_code": _store_code(props),
        "timestamp": timestamp,
        "original_timestamp": timestamp,
        "sent_at": None,
        "received_at": common.received_at,
        "properties": props or None,
        "traits": (orjson.loads(traits) or None) if traits else None,
        "context": {"import": where},
        "extra": None,
    }


