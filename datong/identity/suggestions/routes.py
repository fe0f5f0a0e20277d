"""Admin API for the match suggestions queue, under /api/v1/identity/suggestions."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Connection

from datong.api.deps import AdminPrincipal, DbDep, ReadDbDep, RuntimeDep
from datong.bounds import Cursor, Id
from datong.errors import Invalid
from datong.identity import service as identity
from datong.identity.suggestions import service
from datong.identity.suggestions.records import person_traits
from datong.identity.suggestions.schemas import (
    PersonTraits,
    SuggestionPage,
    SuggestionPublic,
    SuggestionReviewed,
    SuggestionRun,
)
from datong.identity.suggestions.tables import STATUSES
from datong.pipeline import person_listeners

router = APIRouter(prefix="/api/v1/identity/suggestions", tags=["identity"])

MAX_LIMIT = 200


@router.post("/run", response_model=SuggestionRun)
def post_run(runtime: RuntimeDep, _: AdminPrincipal) -> SuggestionRun:
    """Score all current persons now and refresh the queue; answers the counts."""
    summary = service.run_suggestions(
        engine=runtime.engine, rules=runtime.settings.rules,
        threshold=runtime.settings.identity_suggestion_threshold)
    return SuggestionRun(**asdict(summary))


@router.get("", response_model=SuggestionPage)
def get_suggestions(
    db: ReadDbDep, _: AdminPrincipal, status: str | None = None, cursor: Cursor | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> SuggestionPage:
    """Suggestions (all, or of one status) with both persons' key traits, oldest first."""
    if status is not None and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    rows, next_cursor = service.list_suggestions(db=db, status=status, cursor=cursor,
                                                 limit=limit)
    traits = person_traits(db=db, person_ids=[p for r in rows
                                               for p in (r["person_a"], r["person_b"])])
    return SuggestionPage(data=[_public(r, traits) for r in rows], next_cursor=next_cursor)


@router.post("/{suggestion_id}/accept", response_model=SuggestionReviewed)
def post_accept(
    db: DbDep, runtime: RuntimeDep, principal: AdminPrincipal, suggestion_id: Id
) -> SuggestionReviewed:
    """Merge the two persons (the identity rules may still refuse: 409) and mark it so."""
    merge = partial(identity.merge_persons, rules=runtime.settings.rules,
                    listeners=person_listeners(runtime.settings, runtime.outbox))
    row = service.accept_suggestion(db=db, suggestion_id=suggestion_id,
                                    actor=principal.name, merge=merge)
    return SuggestionReviewed(**_public(row, _traits_of(db, row)).model_dump(),
                              survivor=row["survivor"])


@router.post("/{suggestion_id}/reject", response_model=SuggestionReviewed)
def post_reject(db: DbDep, principal: AdminPrincipal, suggestion_id: Id) -> SuggestionReviewed:
    """Mark the pair as different people; it will not be suggested again."""
    row = service.reject_suggestion(db=db, suggestion_id=suggestion_id, actor=principal.name)
    return SuggestionReviewed(**_public(row, _traits_of(db, row)).model_dump())


def _traits_of(db: Connection, row: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return person_traits(db=db, person_ids=[row["person_a"], row["person_b"]])


def _public(row: dict[str, Any], traits: dict[int, dict[str, Any]]) -> SuggestionPublic:
    def side(person: int) -> PersonTraits:
        return PersonTraits(person_id=person, **traits.get(person, {}))

    return SuggestionPublic(
        id=row["id"], status=row["status"], match_probability=row["match_probability"],
        match_weight=row["match_weight"], features=row["features"],
        person_a=side(row["person_a"]), person_b=side(row["person_b"]),
        created_at=row["created_at"], reviewed_at=row["reviewed_at"],
        reviewed_by=row["reviewed_by"], run_id=row["run_id"],
    )
