"""The console's routes: the public home page, then each area's pages under /console."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from datong.ingest.tables import events, sources
from datong.stores.tables import stores
from datong.web import assets
from datong.web.render import render
from datong.web.views import (
    admin,
    admin_coupons,
    admin_o2o,
    auth,
    counter,
    counter_actions,
    customers,
    overview,
)

router = APIRouter(include_in_schema=False)
for area in (assets, auth, overview, customers, counter, counter_actions, admin, admin_o2o,
             admin_coupons):
    router.include_router(area.router)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    runtime = request.app.state.runtime
    with runtime.engine.connect().execution_options(readonly=True) as conn:
        counts = {
            "events": conn.execute(select(func.count()).select_from(events)).scalar_one(),
            "stores": conn.execute(select(func.count()).select_from(stores)).scalar_one(),
            "sources": conn.execute(select(func.count()).select_from(sources)).scalar_one(),
        }
    return render(request, "home.html", {"counts": counts}, user=None)


@router.get("/console", include_in_schema=False)
def console_root() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=307)
