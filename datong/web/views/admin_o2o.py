"""Admin pages of membership and reservations: the loyalty program (tiers and all, as TOML),
in-store experiences and their reservation slots. Coupon templates: admin_coupons.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from datong.bounds import SmallId
from datong.errors import Invalid
from datong.loyalty.program import load_program, parse_toml, save_program, to_toml
from datong.offers import reservations
from datong.stores.service import list_stores
from datong.web.actions import act
from datong.web.deps import AdminOnly, PostAdmin
from datong.web.render import render

router = APIRouter(prefix="/console/admin", include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]


def _read(request: Request) -> Any:
    return request.app.state.runtime.engine.connect().execution_options(readonly=True)


@router.get("/loyalty", response_class=HTMLResponse)
def loyalty_page(request: Request, user: AdminOnly) -> HTMLResponse:
    with _read(request) as db, db.begin():
        program = load_program(db)
    return render(request, "admin_loyalty.html", {"program": program,
                                                  "toml": to_toml(program)}, user=user)


@router.post("/loyalty")
def post_program(request: Request, user: PostAdmin, toml: Text = "") -> RedirectResponse:
    return act(request, "/console/admin/loyalty",
               lambda db: save_program(db=db, program=parse_toml(toml),
                                       actor=f"staff:{user.principal.id}"),
               lambda t, version: t("admin.program_saved", version=version))


@router.get("/reservations", response_class=HTMLResponse)
def reservations_page(request: Request, user: AdminOnly) -> HTMLResponse:
    with _read(request) as db, db.begin():
        found = reservations.list_experiences(db=db)
        slots = reservations.list_slots(db=db)
        stores = list_stores(db=db)
    return render(request, "admin_reservations.html", {
        "experiences": found, "slots": slots, "stores": stores}, user=user)


@router.post("/reservations")
def post_experience(request: Request, user: PostAdmin, store: Text = "", name: Text = "",
                    description: Text = "") -> RedirectResponse:
    return act(request, "/console/admin/reservations",
               lambda db: reservations.create_experience(db=db, principal=user.principal,
                                                         store=store, name=name,
                                                         description=description),
               lambda t, made: t("admin.experience_created", name=made["name"]))


def _moment(text: str, field: str, zone: Any) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{text!r} is not a date and time like 2026-12-05T14:00",
                      field=field, code="bad_datetime") from None
    return value if value.tzinfo else value.replace(tzinfo=zone)


@router.post("/reservations/{experience_id}/slots")
def post_slot(request: Request, user: PostAdmin, experience_id: SmallId, starts: Text = "",
              ends: Text = "", capacity: Text = "") -> RedirectResponse:
    zone = request.app.state.runtime.settings.tz

    def action(db: Connection) -> list[dict[str, Any]]:
        if not capacity.strip().isdigit():
            raise Invalid("capacity must be a whole number", field="capacity",
                          code="bad_capacity")
        return reservations.add_slots(db=db, principal=user.principal,
                                      experience_id=experience_id, slots=[(
                                          _moment(starts, "starts", zone),
                                          _moment(ends, "ends", zone), int(capacity))])

    return act(request, "/console/admin/reservations", action,
               lambda t, made: t("admin.slot_added", n=len(made)))
