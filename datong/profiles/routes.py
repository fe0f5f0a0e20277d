"""/api/v1/profiles: read by admins and marketers; unmerge by admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from datong.api.deps import AdminPrincipal, DbDep, MarketerPrincipal, ReadDbDep, RuntimeDep
from datong.api.responses import json_response
from datong.bounds import Id
from datong.identity import service as identity
from datong.pipeline import person_listeners
from datong.profiles import service
from datong.profiles.schemas import TagCreate, UnmergeRequest
from datong.profiles.tags import add_tag, remove_tag
from datong.runtime import Runtime

router = APIRouter(prefix="/api/v1/profiles", tags=["profiles"])


@router.get("/{key}")
async def get_profile(runtime: RuntimeDep, _: MarketerPrincipal, key: str) -> Response:
    """A profile by person id (`123`) or identifier (`phone:138 1234 5678`).

    The counter's lookup, so it takes one thread hop (connection, queries and all) and is
    serialised by orjson rather than walked by FastAPI's encoder."""
    return json_response(await run_in_threadpool(_read_profile, runtime, key))


def _read_profile(runtime: Runtime, key: str) -> dict[str, Any]:
    with runtime.engine.connect().execution_options(readonly=True) as db, db.begin():
        return service.get_profile(db=db, rules=runtime.settings.rules, key=key)


@router.get("/{person_id}/timeline")
def get_timeline(db: ReadDbDep, _: MarketerPrincipal, person_id: Id,
                 cursor: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50
                 ) -> dict[str, Any]:
    return service.timeline(db=db, person_id=person_id, cursor=cursor, limit=limit)


@router.get("/{person_id}/merges")
def get_merges(db: ReadDbDep, _: MarketerPrincipal, person_id: Id) -> dict[str, Any]:
    identity.current_person(db=db, person_id=person_id)  # 404 for an unknown person
    return {"person_id": person_id,
            "data": identity.merge_history(db=db, person_id=person_id)}


@router.post("/{person_id}/unmerge")
def post_unmerge(db: DbDep, runtime: RuntimeDep, principal: AdminPrincipal, person_id: Id,
                 body: UnmergeRequest) -> dict[str, Any]:
    """Split a person by revoking an edge or detaching an identifier; profiles follow."""
    return identity.unmerge(
        db=db, person_id=person_id, edge_id=body.edge_id, identifier=body.identifier,
        rules=runtime.settings.rules, actor=principal.name,
        listeners=person_listeners(runtime.settings, runtime.outbox))


@router.post("/{person_id}/tags", status_code=201)
def post_tag(db: DbDep, principal: MarketerPrincipal, person_id: Id,
             body: TagCreate) -> dict[str, Any]:
    person = identity.current_person(db=db, person_id=person_id)
    add_tag(db=db, person_id=person, tag=body.tag, actor=principal.name)
    return {"person_id": person, "tag": body.tag.strip(), "source": "manual"}


@router.delete("/{person_id}/tags/{tag}", status_code=204)
def delete_tag(db: DbDep, _: MarketerPrincipal, person_id: Id, tag: str) -> None:
    person = identity.current_person(db=db, person_id=person_id)
    remove_tag(db=db, person_id=person, tag=tag)
