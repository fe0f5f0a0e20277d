"""The clerk's counter page: find the customer in front of you by phone or member number and
see what they looked at, carted or bought online lately, to recommend in store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection, select

from datong.profiles import service as profiles
from datong.profiles.interest import online_interest
from datong.profiles.search import lookup_at_counter, summaries
from datong.profiles.tables import store_counts
from datong.web.deps import AtCounter
from datong.web.render import render
from datong.web.sessions import ConsoleUser

router = APIRouter(prefix="/console", include_in_schema=False)
# Actions the membership and offers modules add to the counter once installed.
PENDING_ACTIONS = ("counter.enrol", "counter.points", "counter.coupon", "counter.reservation")


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
    rules = request.app.state.runtime.settings.rules
    customer = None
    status = 200
    if q.strip():
        with request.app.state.runtime.engine.connect().execution_options(
                readonly=True) as db, db.begin():
            person = lookup_at_counter(db=db, rules=rules, text=q)
            customer = _customer(db, rules, person, user) if person is not None else None
        status = 200 if customer is not None else 404
    return render(request, "counter.html", {
        "q": q, "customer": customer, "looked_up": bool(q.strip()),
        "pending": PENDING_ACTIONS,
    }, user=user, status=status)
