"""Customers: search, the 360 page (profile, tags, merges, timeline) and the queue of
probable matches to accept or reject."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from datong.auth.roles import Role
from datong.bounds import Id
from datong.errors import DatongError, Invalid, NotFound
from datong.identity import service as identity
from datong.identity.suggestions import service as suggestions
from datong.identity.suggestions.records import person_traits
from datong.identity.suggestions.tables import STATUSES
from datong.loyalty import service as loyalty
from datong.loyalty.program import load_program
from datong.loyalty.statement import statement
from datong.offers import reservations
from datong.offers.context import OffersContext
from datong.offers.coupons import person_coupons
from datong.offers.referral import inviter_referrals
from datong.pipeline import person_listeners
from datong.profiles import service as profiles
from datong.profiles.search import search_persons, summaries
from datong.profiles.tags import add_tag, remove_tag
from datong.web.actions import act, run
from datong.web.deps import AdminOnly, Marketing, PostAdmin, PostMarketing
from datong.web.refusals import explain
from datong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
TIMELINE_PAGE = 25
STATEMENT_PAGE = 20
SUGGESTIONS_PAGE = 25


def _read(request: Request) -> Any:
    return request.app.state.runtime.engine.connect().execution_options(readonly=True)


def _member_first(db: Connection, settings: Any, text: str) -> int | None:
    """The person behind a datong member number (M000000123, any case) or the rotating
    member code the app shows; None when the text is neither or names no member."""
    if not loyalty.looks_like_member_key(text):
        return None
    try:
        return loyalty.find_member(db=db, settings=settings, key=text).person_id
    except NotFound:
        return None


def _search(db: Connection, settings: Any, text: str) -> list[dict[str, Any]]:
    found = search_persons(db=db, rules=settings.rules, query=text)
    member = _member_first(db, settings, text)
    if member is not None:
        found = summaries(db=db, person_ids=[member]) + [
            s for s in found if s["person_id"] != member]
    numbers = loyalty.member_numbers(db, [s["person_id"] for s in found])
    return [{**s, "member_no": numbers.get(s["person_id"])} for s in found]


@router.get("/customers", response_class=HTMLResponse)
def customer_search(request: Request, user: Marketing, q: str = "") -> HTMLResponse:
    settings = request.app.state.runtime.settings
    found: list[dict[str, Any]] = []
    failure = None
    if q.strip():
        with _read(request) as db, db.begin():
            try:
                found = _search(db, settings, q.strip())
            except DatongError as exc:  # e.g. a member code that has expired
                failure = explain(request, exc)
    return render(request, "customers.html", {"q": q, "found": found, "failure": failure,
                                              "searched": bool(q.strip())}, user=user)


def _profile_context(db: Connection, settings: Any, person_id: int, cursor: str | None,
                     user: Any) -> dict[str, Any]:
    profile = profiles.get_profile(db=db, rules=settings.rules, key=str(person_id))
    person = profile["person_id"]
    page = profiles.timeline(db=db, person_id=person, cursor=cursor, limit=TIMELINE_PAGE)
    edges = identity.live_edges(db=db, person_id=person) if user.role == Role.admin else []
    names = {i["id"]: f"{i['type']}:{i['value']}"
             for i in identity.person_identifiers(db=db, person_id=person)}
    return {
        "profile": profile, "timeline": page, "cursor": cursor,
        "merges": identity.merge_history(db=db, person_id=person),
        "edges": [{**e, "a": names.get(e["a_id"], e["a_id"]), "b": names.get(e["b_id"],
                                                                          e["b_id"])}
                  for e in edges],
        "name": profile["traits"].get("name") or profile["traits"].get("full_name"),
        **_o2o(db, settings, person),
    }


def _o2o(db: Connection, settings: Any, person: int) -> dict[str, Any]:
    """Membership, points statement, coupons by status, reservations and referrals."""
    ctx = OffersContext.build(settings)
    member = loyalty.member_for_person(db=db, person_id=person)
    coupons = person_coupons(db=db, ctx=ctx, person_id=person)
    by_status: dict[str, list[dict[str, Any]]] = {}
    for coupon in coupons:
        by_status.setdefault(coupon["status"], []).append(coupon)
    return {
        "member": member,
        "tier_name": load_program(db).tier(member.tier).name if member else None,
        "points": statement(db=db, member=member, limit=STATEMENT_PAGE) if member else None,
        "coupons": by_status,
        "bookings": reservations.person_reservations(db=db, ctx=ctx, person_id=person),
        "referrals": inviter_referrals(db=db, ctx=ctx, person_id=person),
    }


@router.get("/customers/{person_id}", response_class=HTMLResponse)
def customer_page(request: Request, user: Marketing, person_id: Id,
                  cursor: str | None = None) -> Response:
    settings = request.app.state.runtime.settings
    with _read(request) as db, db.begin():
        context = _profile_context(db, settings, person_id, cursor, user)
    survivor = context["profile"]["person_id"]
    if survivor != person_id:  # merged into another: show the survivor's page
        return RedirectResponse(f"/console/customers/{survivor}", status_code=303)
    return render(request, "customer.html", context, user=user)


@router.post("/customers/{person_id}/tags")
def post_tag(request: Request, user: PostMarketing, person_id: Id,
             tag: Annotated[str, Form(max_length=200)] = "") -> RedirectResponse:
    def action(db: Connection) -> str:
        person = identity.current_person(db=db, person_id=person_id)
        add_tag(db=db, person_id=person, tag=tag, actor=user.principal.name)
        return tag.strip()

    return act(request, f"/console/customers/{person_id}", action,
               lambda t, added: t("customer.tag_added", tag=added))


@router.post("/customers/{person_id}/tags/remove")
def post_untag(request: Request, user: PostMarketing, person_id: Id,
               tag: Annotated[str, Form(max_length=200)] = "") -> RedirectResponse:
    def action(db: Connection) -> str:
        remove_tag(db=db, person_id=identity.current_person(db=db, person_id=person_id),
                   tag=tag)
        return tag

    return act(request, f"/console/customers/{person_id}", action,
               lambda t, gone: t("customer.tag_removed", tag=gone))


@router.post("/customers/{person_id}/unmerge")
def post_unmerge(request: Request, user: PostAdmin, person_id: Id,
                 identifier: Annotated[str, Form(max_length=260)] = "",
                 edge_id: Annotated[str, Form(max_length=20)] = "") -> RedirectResponse:
    runtime = request.app.state.runtime

    def action(db: Connection) -> dict[str, Any]:
        if edge_id and not edge_id.isdigit():
            raise Invalid("edge_id must be a number", field="edge_id", code="bad_edge")
        return identity.unmerge(
            db=db, person_id=person_id, edge_id=int(edge_id) if edge_id else None,
            identifier=identifier or None, rules=runtime.settings.rules,
            actor=user.principal.name,
            listeners=person_listeners(runtime.settings, runtime.outbox))

    def said(t: Any, result: dict[str, Any]) -> str:
        if not result["split"]:
            return t("customer.unmerge_no_split")
        return t("customer.unmerged", persons=", ".join(str(p) for p in result["persons"]))

    return act(request, f"/console/customers/{person_id}", action, said)


@router.get("/suggestions", response_class=HTMLResponse)
def suggestion_queue(request: Request, user: AdminOnly, status: str = "pending",
                     cursor: int | None = None) -> HTMLResponse:
    if status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status",
                      code="bad_status")
    with _read(request) as db, db.begin():
        rows, next_cursor = suggestions.list_suggestions(db=db, status=status, cursor=cursor,
                                                         limit=SUGGESTIONS_PAGE)
        traits = person_traits(db=db, person_ids=[p for r in rows
                                                   for p in (r["person_a"], r["person_b"])])
    return render(request, "suggestions.html", {
        "rows": rows, "traits": traits, "status": status, "statuses": STATUSES,
        "next_cursor": next_cursor,
    }, user=user)


@router.post("/suggestions/{suggestion_id}/accept")
def post_accept(request: Request, user: PostAdmin, suggestion_id: Id) -> RedirectResponse:
    runtime = request.app.state.runtime
    merge = partial(identity.merge_persons, rules=runtime.settings.rules,
                    listeners=person_listeners(runtime.settings, runtime.outbox))
    return act(request, "/console/suggestions",
               lambda db: suggestions.accept_suggestion(
                   db=db, suggestion_id=suggestion_id, actor=user.principal.name,
                   merge=merge),
               lambda t, row: t("suggestions.accepted", survivor=row["survivor"]))


@router.post("/suggestions/{suggestion_id}/reject")
def post_reject(request: Request, user: PostAdmin, suggestion_id: Id) -> RedirectResponse:
    return act(request, "/console/suggestions",
               lambda db: suggestions.reject_suggestion(
                   db=db, suggestion_id=suggestion_id, actor=user.principal.name),
               lambda t, row: t("suggestions.rejected"))


@router.post("/suggestions/run")
def post_run(request: Request, user: PostAdmin) -> RedirectResponse:
    runtime = request.app.state.runtime
    threshold = runtime.settings.identity_suggestion_threshold

    def action() -> Any:  # scoring reads and writes through the engine in its own steps
        return suggestions.run_suggestions(engine=runtime.engine, rules=runtime.settings.rules,
                                           threshold=threshold)

    return run(request, "/console/suggestions", action,
               lambda t, s: t("suggestions.ran", new=s.new, pairs=s.pairs))
