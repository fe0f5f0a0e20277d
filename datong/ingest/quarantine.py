"""The quarantine: messages that failed validation, kept with their reason until replayed."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, select

from datong.errors import Conflict, Invalid, NotFound
from datong.ingest import log
from datong.ingest.messages import Arrival, Rejected, normalize
from datong.ingest.schemas import Page, QuarantinePublic
from datong.ingest.sources import Source
from datong.ingest.tables import quarantine, sources
from datong.store.types import utcnow

STATUSES = ("pending", "replayed", "discarded")


def _query() -> Any:
    return select(
        quarantine, sources.c.name.label("source_name"), sources.c.channel.label("source_channel")
    ).outerjoin(sources, sources.c.id == quarantine.c.source_id)


def _public(row: Any) -> QuarantinePublic:
    return QuarantinePublic(
        id=row["id"], source=row["source_name"], messageId=row["message_id"],
        reasonCode=row["reason_code"], reason=row["reason"], status=row["status"],
        receivedAt=row["received_at"], resolvedAt=row["resolved_at"], eventId=row["event_id"],
        raw=orjson.loads(row["raw"]),
    )


def list_quarantine(
    *, db: Connection, status: str | None, reason_code: str | None, cursor: int | None, limit: int
) -> Page:
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    if not 1 <= limit <= 1000:
        raise Invalid("limit must be between 1 and 1000", field="limit")
    query = _query()
    if status is not None:
        query = query.where(quarantine.c.status == status)
    if reason_code is not None:
        query = query.where(quarantine.c.reason_code == reason_code)
    if cursor is not None:
        query = query.where(quarantine.c.id < cursor)
    rows = db.execute(query.order_by(quarantine.c.id.desc()).limit(limit + 1)).mappings().all()
    data = [_public(r) for r in rows[:limit]]
    return Page(data=data, next_cursor=data[-1].id if len(rows) > limit else None)


def get_quarantined(*, db: Connection, item_id: int) -> QuarantinePublic:
    return _public(_row(db, item_id))


def _row(db: Connection, item_id: int) -> Any:
    row = db.execute(_query().where(quarantine.c.id == item_id)).mappings().first()
    if row is None:
        raise NotFound(f"no quarantined message {item_id}", field="id")
    return row


def replay(
    *, db: Connection, item_id: int, fixed: dict[str, Any] | None = None,
    hooks: tuple[log.EventHook, ...] = (),
) -> QuarantinePublic:
    """Validate the message again (as stored, or as fixed by the caller) and append it."""
    row = _row(db, item_id)
    if row["status"] != "pending":
        raise Conflict(f"message {item_id} is {row['status']} already", field="id")
    if row["source_id"] is None:
        raise Invalid("the message has no source to replay it for", field="id")
    message = fixed if fixed is not None else orjson.loads(row["raw"])
    source = Source(row["source_id"], row["source_name"], row["source_channel"])
    try:
        event = normalize(message, None, Arrival(source, row["received_at"]))
    except Rejected as exc:
        raise Invalid(f"the message still fails: {exc.reason}", code=exc.code) from None
    log.append(db=db, rows=[event], hooks=hooks)
    event_id = db.execute(
        select(log.events.c.id).where(
            log.events.c.source_id == source.id, log.events.c.message_id == event["message_id"]
        )
    ).scalar_one()
    db.execute(
        quarantine.update().where(quarantine.c.id == item_id).values(
            status="replayed", resolved_at=utcnow(), event_id=event_id
        )
    )
    return _public(_row(db, item_id))


def discard(*, db: Connection, item_id: int) -> QuarantinePublic:
    row = _row(db, item_id)
    if row["status"] != "pending":
        raise Conflict(f"message {item_id} is {row['status']} already", field="id")
    db.execute(
        quarantine.update().where(quarantine.c.id == item_id)
        .values(status="discarded", resolved_at=utcnow())
    )
    return _public(_row(db, item_id))
