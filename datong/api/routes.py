"""The JSON API under /api/v1: event log, quarantine, and the admin objects."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from datong.api.deps import AdminPrincipal, DbDep, ReadDbDep, RuntimeDep
from datong.bounds import Cursor, Id, JsonObject
from datong.errors import Invalid
from datong.ingest import events as event_log
from datong.ingest import quarantine
from datong.ingest.schemas import EventFilters, Page, QuarantinePublic
from datong.ingest.sources import create_source, list_sources
from datong.stores.schemas import StoreCreate, StorePublic
from datong.stores.service import create_store, list_stores

router = APIRouter(prefix="/api/v1")


@router.get("/events", response_model=Page)
def get_events(
    db: ReadDbDep, _: AdminPrincipal,
    source: str | None = None, type: str | None = None, event: str | None = None,
    channel: str | None = None, store: str | None = None, user_id: str | None = None,
    anonymous_id: str | None = None, message_id: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
    cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=event_log.MAX_LIMIT)] = 100,
) -> Page:
    filters = EventFilters(
        source=source, type=type, event=event, channel=channel, store=store, user_id=user_id,
        anonymous_id=anonymous_id, message_id=message_id, since=since, until=until,
    )
    return event_log.list_events(db=db, filters=filters, cursor=cursor, limit=limit)


@router.get("/quarantine", response_model=Page)
def get_quarantine(
    db: ReadDbDep, _: AdminPrincipal, status: str | None = None, reason: str | None = None,
    cursor: Cursor | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page:
    return quarantine.list_quarantine(
        db=db, status=status, reason_code=reason, cursor=cursor, limit=limit
    )


@router.get("/quarantine/{item_id}", response_model=QuarantinePublic)
def get_quarantined(db: ReadDbDep, _: AdminPrincipal, item_id: Id) -> QuarantinePublic:
    return quarantine.get_quarantined(db=db, item_id=item_id)


@router.post("/quarantine/{item_id}/replay", response_model=QuarantinePublic)
def replay_quarantined(
    db: DbDep, runtime: RuntimeDep, _: AdminPrincipal, item_id: Id,
    message: Annotated[JsonObject | None, Body(embed=True)] = None,
) -> QuarantinePublic:
    """Replay a quarantined message as stored, or with `{"message": {...}}` as fixed."""
    return quarantine.replay(
        db=db, item_id=item_id, fixed=message, hooks=runtime.writer.hooks
    )


@router.post("/quarantine/{item_id}/discard", response_model=QuarantinePublic)
def discard_quarantined(db: DbDep, _: AdminPrincipal, item_id: Id) -> QuarantinePublic:
    return quarantine.discard(db=db, item_id=item_id)


@router.get("/stores", response_model=list[StorePublic])
def get_stores(db: ReadDbDep, _: AdminPrincipal) -> list[StorePublic]:
    return list_stores(db=db)


@router.post("/stores", response_model=StorePublic, status_code=201)
def post_store(db: DbDep, _: AdminPrincipal, data: StoreCreate) -> StorePublic:
    return create_store(db=db, data=data)


@router.get("/sources")
def get_sources(db: ReadDbDep, _: AdminPrincipal) -> list[dict[str, Any]]:
    return list_sources(db=db)


@router.post("/sources", status_code=201)
def post_source(
    db: DbDep, runtime: RuntimeDep, _: AdminPrincipal, name: Annotated[str, Body()],
    channel: Annotated[str, Body()], user_id_type: Annotated[str, Body()] = "user_id",
) -> dict[str, Any]:
    """Create a source; the answer holds its write key, shown only this once."""
    if user_id_type not in runtime.settings.rules.by_type:
        raise Invalid(f"user_id_type must be one of {', '.join(runtime.settings.rules.by_type)}",
                      field="user_id_type")
    source, key = create_source(db=db, name=name, channel=channel, user_id_type=user_id_type)
    return {"id": source.id, "name": source.name, "channel": source.channel,
            "user_id_type": source.user_id_type, "write_key": key}
