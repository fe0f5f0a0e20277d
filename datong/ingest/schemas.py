"""Shapes of the event log and quarantine as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventPublic(BaseModel):
    id: int
    messageId: str  # noqa: N815 - Segment's spelling
    type: str
    event: str | None
    source: str
    channel: str
    store: str | None
    userId: str | None  # noqa: N815
    anonymousId: str | None  # noqa: N815
    timestamp: datetime
    originalTimestamp: datetime | None  # noqa: N815
    sentAt: datetime | None  # noqa: N815
    receivedAt: datetime  # noqa: N815
    properties: dict[str, Any] | None
    traits: dict[str, Any] | None
    context: dict[str, Any] | None
    extra: dict[str, Any] | None


class EventFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = None
    type: str | None = None
    event: str | None = None
    channel: str | None = None
    store: str | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    message_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class QuarantinePublic(BaseModel):
    id: int
    source: str | None
    messageId: str | None  # noqa: N815
    reasonCode: str  # noqa: N815
    reason: str
    status: str
    receivedAt: datetime  # noqa: N815
    resolvedAt: datetime | None  # noqa: N815
    eventId: int | None  # noqa: N815
    raw: Any


class Page(BaseModel):
    data: list[Any]
    next_cursor: int | None
