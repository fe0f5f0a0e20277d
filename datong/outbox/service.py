"""Emitting domain events in the caller's transaction and reading them back.

A producer (loyalty, offers, identity) calls `Outbox.emit` inside the transaction that made
the change, so the event exists exactly when the change does. Subscribers registered with the
outbox (see `datong.pipeline.outbox`) run synchronously in that transaction: referral rewards
on `Member Enrolled`, say. Consumers outside the process read `list_events` by id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from datong.errors import Invalid
from datong.outbox.tables import domain_events
from datong.store.database import insert_with_ids
from datong.store.raw import RawStatement
from datong.store.types import utcnow

CHANNELS = frozenset({"online", "offline"})


@dataclass(frozen=True)
class DomainEvent:
    id: int
    name: str
    occurred_at: datetime
    person_id: int | None = None
    channel: str | None = None
    store_id: int | None = None
    actor: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "occurred_at": self.occurred_at,
            "person_id": self.person_id, "channel": self.channel, "store_id": self.store_id,
            "actor": self.actor, "properties": dict(self.properties),
        }


# Runs in the emitting transaction; raising rolls the whole change back.
Subscriber = Callable[[Connection, DomainEvent], None]


class Outbox:
    """Writes domain events and tells the subscribers interested in each name."""

    def __init__(self, subscribers: Mapping[str, Sequence[Subscriber]] | None = None) -> None:
        self._subscribers = {name: list(subs) for name, subs in (subscribers or {}).items()}

    def subscribe(self, name: str, subscriber: Subscriber) -> None:
        self._subscribers.setdefault(name, []).append(subscriber)

    def emit(
        self, db: Connection, name: str, *, person_id: int | None = None,
        channel: str | None = None, store_id: int | None = None, actor: str | None = None,
        properties: Mapping[str, Any] | None = None, occurred_at: datetime | None = None,
        dedup_key: str | None = None,
    ) -> DomainEvent | None:
        """Record one event; None when `dedup_key` was emitted before (nothing happens)."""
        if channel is not None and channel not in CHANNELS:
            raise Invalid(f"channel must be online or offline, not {channel!r}", field="channel")
        if dedup_key is not None and _seen(db, dedup_key):
            return None
        values: dict[str, Any] = {
            "name": name, "person_id": person_id, "channel": channel, "store_id": store_id,
            "actor": actor, "properties": dict(properties or {}),
            "occurred_at": occurred_at or utcnow(), "dedup_key": dedup_key,
        }
        new = _INSERT.one(db, values)
        assert new is not None
        values.pop("dedup_key")
        event = DomainEvent(id=int(new[0]), **values)
        for subscriber in (*self._subscribers.get(name, ()), *self._subscribers.get("*", ())):
            subscriber(db, event)
        return event


    def emit_many(self, db: Connection, name: str, items: Sequence[Mapping[str, Any]]
                  ) -> list[DomainEvent]:
        """Many events of one name in one statement, for hot paths (points earned during
        ingest). Each item holds `emit`'s keyword arguments except `dedup_key`."""
        if not items:
            return []
        rows: list[dict[str, Any]] = []
        for item in items:
            channel = item.get("channel")
            if channel is not None and channel not in CHANNELS:
                raise Invalid(f"channel must be online or offline, not {channel!r}",
                              field="channel")
            rows.append({"name": name, "person_id": item.get("person_id"), "channel": channel,
                         "store_id": item.get("store_id"), "actor": item.get("actor"),
                         "properties": dict(item.get("properties") or {}),
                         "occurred_at": item.get("occurred_at") or utcnow(),
                         "dedup_key": None})
        ids = insert_with_ids(db, domain_events, rows)
        events = []
        for id_, row in zip(ids, rows, strict=True):
            row.pop("dedup_key")
            events.append(DomainEvent(id=id_, **row))
        for event in events:
            for subscriber in (*self._subscribers.get(name, ()), *self._subscribers.get("*", ())):
                subscriber(db, event)
        return events


# Through the driver: every change of the hot paths (a redemption, a claim) emits one.
_INSERT = RawStatement("""
    INSERT INTO domain_events (name, person_id, channel, store_id, actor, properties,
                               occurred_at, dedup_key)
    VALUES (:name, :person_id, :channel, :store_id, :actor, :properties, :occurred_at,
            :dedup_key)
    RETURNING id""", json=("properties",), times=("occurred_at",))
_SEEN = select(domain_events.c.id).where(domain_events.c.dedup_key == bindparam("key"))


def _seen(db: Connection, key: str) -> bool:
    return db.execute(_SEEN, {"key": key}).first() is not None


def list_events(
    *, db: Connection, name: str | None = None, person_ids: Sequence[int] | None = None,
    after_id: int = 0, limit: int = 100,
) -> list[DomainEvent]:
    """Events in id order after `after_id` (a cursor), optionally of one name or persons."""
    query = select(domain_events).where(domain_events.c.id > after_id)
    if name is not None:
        query = query.where(domain_events.c.name == name)
    if person_ids is not None:
        query = query.where(domain_events.c.person_id.in_(list(person_ids)))
    rows = db.execute(query.order_by(domain_events.c.id).limit(limit)).mappings()
    return [_event(row) for row in rows]


def _event(row: Any) -> DomainEvent:
    return DomainEvent(
        id=row["id"], name=row["name"], occurred_at=row["occurred_at"],
        person_id=row["person_id"], channel=row["channel"], store_id=row["store_id"],
        actor=row["actor"], properties=row["properties"] or {},
    )
