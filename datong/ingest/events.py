"""Reading the event log: filters and keyset pagination, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, select

from datong.errors import Invalid
from datong.ingest.messages import TYPES
from datong.ingest.schemas import EventFilters, EventPublic, Page
from datong.ingest.tables import events, sources

MAX_LIMIT = 1000


def _filtered(query: Select[Any], f: EventFilters) -> Select[Any]:
    equal = {
        "type": events.c.type, "event": events.c.event, "channel": events.c.channel,
        "store": events.c.store_code, "user_id": events.c.user_id,
        "anonymous_id": events.c.anonymous_id, "message_id": events.c.message_id,
        "source": sources.c.name,
    }
    for name, column in equal.items():
        value = getattr(f, name)
        if value is not None:
            query = query.where(column == value)
    if f.since is not None:
        query = query.where(events.c.timestamp >= f.since)
    if f.until is not None:
        query = query.where(events.c.timestamp < f.until)
    return query


def list_events(*, db: Connection, filters: EventFilters, cursor: int | None, limit: int) -> Page:
    """A page of events newest first; `next_cursor` fetches the following page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if filters.type is not None and filters.type not in TYPES:
        raise Invalid(f"type must be one of {', '.join(TYPES)}", field="type")
    if filters.channel is not None and filters.channel not in ("online", "offline"):
        raise Invalid("channel must be online or offline", field="channel")
    query = select(events, sources.c.name.label("source_name")).join(
        sources, sources.c.id == events.c.source_id
    )
    query = _filtered(query, filters)
    if cursor is not None:
        query = query.where(events.c.id < cursor)
    rows = db.execute(query.order_by(events.c.id.desc()).limit(limit + 1)).mappings().all()
    data = [to_public(r) for r in rows[:limit]]
    return Page(data=data, next_cursor=data[-1].id if len(rows) > limit else None)


def to_public(row: Any) -> EventPublic:
    return EventPublic(
        id=row["id"], messageId=row["message_id"], type=row["type"], event=row["event"],
        source=row["source_name"], channel=row["channel"], store=row["store_code"],
        userId=row["user_id"], anonymousId=row["anonymous_id"], timestamp=row["timestamp"],
        originalTimestamp=row["original_timestamp"], sentAt=row["sent_at"],
        receivedAt=row["received_at"], properties=row["properties"], traits=row["traits"],
        context=row["context"], extra=row["extra"],
    )
