"""/api/v1/domain-events: the platform's own events, read by admins in id order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from datong.api.deps import AdminPrincipal, ReadDbDep
from datong.bounds import INT64_MAX, Id
from datong.outbox.service import list_events

router = APIRouter(prefix="/api/v1/domain-events", tags=["domain events"])


@router.get("")
def get_domain_events(
    db: ReadDbDep, _: AdminPrincipal, name: str | None = None,
    person_id: Id | None = None, after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Events after the id `after`, oldest first; pass `next_after` back to read on."""
    found = list_events(db=db, name=name, person_ids=None if person_id is None else [person_id],
                        after_id=after, limit=limit)
    return {"data": [e.as_dict() for e in found],
            "next_after": found[-1].id if found else after}
