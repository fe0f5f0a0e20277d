"""The marketer's overview: customers, channels, revenue and events, with date and store
filters; figures from the analytics engine, charts drawn in the browser from the same data."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from datong.analytics import o2o
from datong.analytics.activity import report_window
from datong.analytics.overview import (
    Overview,
    OverviewQuery,
    check_store,
    load_overview,
    window,
)
from datong.analytics.persons import IdentityMaps
from datong.engines import create_engine
from datong.stores.service import list_stores
from datong.web.deps import Marketing
from datong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
DEFAULT_DAYS = 30


def _maps(request: Request) -> IdentityMaps:
    """The app's cache of the identifier map (kept while the identity graph is unchanged)."""
    state = request.app.state
    if not hasattr(state, "identity_maps"):
        state.identity_maps = IdentityMaps()
    maps: IdentityMaps = state.identity_maps
    return maps


def _o2o(db: Any, query: OverviewQuery, store_ids: dict[str, int]) -> dict[str, Any]:
    start, end = window(query)
    where = store_ids.get(query.store) if query.store else None
    return {"members": o2o.new_members(db, start, end, where),
            "funnel": o2o.coupon_funnel(db, start, end, where),
            "points": o2o.points_moved(db, start, end, where)}


def _chart_data(found: Overview) -> dict[str, Any]:
    days = sorted({str(r["day"]) for r in found.daily})
    series: dict[str, dict[str, dict[str, int]]] = {"online": {}, "offline": {}}
    for row in found.daily:
        series.setdefault(row["channel"], {})[str(row["day"])] = row
    def column(channel: str, key: str) -> list[int]:
        return [int(series[channel].get(d, {}).get(key, 0) or 0) for d in days]
    return {
        "days": days,
        "revenue": {c: column(c, "revenue") for c in ("online", "offline")},
        "customers": {c: column(c, "customers") for c in ("online", "offline")},
        "mix": found.mix,
    }


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, user: Marketing, since: date | None = None,
                  until: date | None = None, store: str | None = None) -> HTMLResponse:
    runtime = request.app.state.runtime
    settings = runtime.settings
    today = datetime.now(settings.tz).date()
    last = until or today
    first, end = report_window(since, last + timedelta(days=1), today=today,
                               days=DEFAULT_DAYS)
    query = OverviewQuery(since=first, until=end, zone=settings.timezone,
                          store=check_store(store))
    started = time.perf_counter()
    with runtime.engine.connect().execution_options(readonly=True) as db, db.begin():
        stores = list_stores(db=db)
        with create_engine(settings) as engine:
            found = load_overview(db=db, engine=engine, query=query, maps=_maps(request))
        o2o = _o2o(db, query, {s.code: s.id for s in stores})
    took = time.perf_counter() - started
    names = {s.code: s.name for s in stores}
    return render(request, "overview.html", {
        "found": found, "stores": stores, "store_names": names,
        "since": first, "until": end - timedelta(days=1), "store": query.store or "",
        "chart": _chart_data(found), **o2o,
        "took_ms": round(took * 1000),
    }, user=user)
