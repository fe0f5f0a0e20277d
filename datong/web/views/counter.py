"""The clerk's counter page: find the customer in front of you by phone or member number and
see what they looked at, carted or bought online lately, to recommend in store."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, select

from datong.errors import DatongError, NotFound
from datong.loyalty import service as loyalty
from datong.loyalty.program import load_program
from datong.offers import reservations
from datong.offers.context import OffersContext
from datong.offers.coupons import person_coupons
from datong.profiles import service as profiles
from datong.profiles.interest import online_interest
from datong.profiles.search import lookup_at_counter, summaries
from datong.profiles.tables import store_counts
from datong.web.deps import AtCounter
from datong.web.refusals import explain
from datong.web.render import render
from datong.web.sessions import ConsoleUser

router = APIRouter(prefix="/console", include_in_schema=False)
UPCOMING = ("booked",)


def _find(db: Connection, settings: Any, text: str) -> int | None:
    """A phone, a member number, the rotating member code the app shows, or a card number.
    No such member: the identifiers may still know the customer. Anything else (an expired
    or mistyped member code) is raised, so the clerk sees why."""
    try:
        return loyalty.find_member(db=db, settings=settings, key=text).person_id
    except NotFound:
        return lookup_at_counter(db=db, rules=settings.rules, text=text)


def _o2o(db: Connection, settings: Any, person: int) -> dict[str, Any]:
    ctx = OffersContext.build(settings)
    member = loyalty.member_for_person(db=db, person_id=person)
    wallet = [c for c in person_coupons(db=db, ctx=ctx, person_id=person) if
              c["status"] == "issued"]
    booked = [r for r in reservations.person_reservations(db=db, ctx=ctx, person_id=person)
              if r["status"] in UPCOMING]
    return {"member": member, "coupons": wallet[:10], "reservations": booked[:5],
            "tier_name": load_program(db).tier(member.tier).name if member else None}


def _customer(db: Connection, rules: Any, person: int, user: ConsoleUser) -> dict[str, Any]:
    profile = profiles.get_profile(db=db, rules=rules, key=str(person))
    here = db.execute(select(store_counts.c.orders, store_counts.c.visits).where(
        store_counts.c.person_id == person,
        store_counts.c.store_code == user.store_code)).first()
    return {
        "summary": summaries(db=db, person_ids=[person])[0],
        "computed": profile["computed"],
        "tags": profile["tags"],
        "interest": online_interest(db=db, person_id=person),
        "here": {"orders": here.orders if here else 0, "visits": here.visits if here else 0},
    }


@router.get("/counter", response_class=HTMLResponse)
def counter_page(request: Request, user: AtCounter, q: str = "") -> HTMLResponse:
    settings = request.app.state.runtime.settings
    customer = failure = None
    status = 200
    if q.strip():
        try:
            with request.app.state.runtime.engine.connect().execution_options(
                    readonly=True) as db, db.begin():
                person = _find(db, settings, q)
                if person is not None:
                    customer = {**_customer(db, settings.rules, person, user),
                                **_o2o(db, settings, person)}
            status = 200 if customer is not None else 404
        except DatongError as exc:
            failure, status = explain(request, exc), exc.status
    phone = settings.rules.normalise("phone", q) if q.strip() and not failure else None
    return render(request, "counter.html", {
        "q": q, "customer": customer, "looked_up": bool(q.strip()), "failure": failure,
        "enrol_phone": q.strip() if phone else "", "pay_key": secrets.token_hex(12),
    }, user=user, status=status)
