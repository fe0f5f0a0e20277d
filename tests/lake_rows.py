"""Plain factories for lake and engine tests: event rows into the log, the lake read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from datong.ingest.log import append
from datong.ingest.tables import events, sources
from datong.lake.layout import events_root, live_parts

NOW = datetime.now(UTC).replace(microsecond=0)
MINUTE = timedelta(minutes=1)


def source_id(engine: Engine, name: str = "app") -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(sources.c.id).where(sources.c.name == name)).scalar_one())


def event_row(
    source: int, key: str, *, at: datetime, received: datetime | None = None,
    event: str | None = "Product Viewed", user: str | None = "u1", anonymous: str | None = None,
    channel: str = "online", kind: str = "track", properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "source_id": source, "message_id": key, "type": kind, "event": event,
        "user_id": user, "anonymous_id": anonymous, "channel": channel, "store_code": None,
        "timestamp": at, "original_timestamp": at, "sent_at": None,
        "received_at": received or NOW - 10 * MINUTE,
        "properties": properties if properties is not None else {"sku": key, "城市": "上海"},
        "traits": None, "context": {"ip": "127.0.0.1"}, "extra": None,
    }


def add(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as db:
        append(db=db, rows=rows)


def add_many(
    engine: Engine, n: int, *, start: int = 0, days: int = 3, bulk: bool = False, **kw: Any
) -> None:
    """`n` events spread over the last `days` days, received ten minutes ago; `bulk` inserts
    them with a plain executemany instead of the ingest path, for big tests."""
    source = source_id(engine)
    rows = [
        event_row(source, f"m{start + i}", at=NOW - timedelta(days=i % days, hours=1), **kw)
        for i in range(n)
    ]
    if not bulk:
        add(engine, rows)
        return
    with engine.begin() as db:
        db.execute(events.insert(), rows)


def state_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(i) for i in conn.execute(select(events.c.id).order_by(events.c.id)).scalars()]


def read_lake(lake_dir: Path) -> pa.Table:
    """Every row of the live part files, by id, with the date partition each came from."""
    tables = []
    for part in live_parts(events_root(lake_dir)):
        table = pq.ParquetFile(part.path).read()
        tables.append(table.append_column("date", pa.array([part.day] * table.num_rows)))
    if not tables:
        return pa.table({"id": pa.array([], pa.int64())})
    return pa.concat_tables(tables).sort_by("id")


def lake_ids(lake_dir: Path) -> list[int]:
    return [int(i) for i in read_lake(lake_dir)["id"].to_pylist()]


def part_names(lake_dir: Path) -> set[str]:
    return {f"{p.day}/{p.path.name}" for p in live_parts(events_root(lake_dir))}
