"""Admin pages of membership and offers: the loyalty program (tiers and all, as TOML), coupon
templates (create, stock, issue, stats), in-store experiences and their reservation slots."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import Connection

from datong.errors import Invalid
from datong.loyalty.program import load_program, parse_toml, save_program, to_toml
from datong.offers import issuing, reservations, templates
from datong.offers.context import OffersContext
from datong.offers.schemas import TemplateCreate
from datong.stores.service import list_stores
from datong.web.actions import act
from datong.web.deps import AdminOnly, PostAdmin
from datong.web.render import render

router = APIRouter(prefix="/console/admin", include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]
EXAMPLE_TERMS = ('{"name": "满300减50", "kind": "amount_off", "amount_off": 5000, '
                 '"min_spend": 30000, "valid_days": 30, "channels": "both", "stock": 1000, '
                 '"per_person_limit": 1}')


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


@router.get("/coupons", response_class=HTMLResponse)
def coupons_page(request: Request, user: AdminOnly) -> HTMLResponse:
    with _read(request) as db, db.begin():
        rows = templates.list_templates(db=db)
    return render(request, "admin_coupons.html", {"templates": rows,
                                                  "example": EXAMPLE_TERMS}, user=user)


def _template(text: str) -> TemplateCreate:
    try:
        return TemplateCreate.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "terms"
        raise Invalid(f"{where}: {str(first['msg']).removeprefix('Value error, ')}",
                      field=where) from None


@router.post("/coupons")
def post_template(request: Request, user: PostAdmin, terms: Text = "") -> RedirectResponse:
    return act(request, "/console/admin/coupons",
               lambda db: templates.create_template(db=db, principal=user.principal,
                                                    data=_template(terms)),
               lambda t, made: t("admin.template_created", name=made["name"], id=made["id"]))


@router.post("/coupons/{template_id}/issue")
def post_issue(request: Request, user: PostAdmin, template_id: int,
               persons: Text = "") -> RedirectResponse:
    runtime = request.app.state.runtime
    wanted = [p.strip() for p in persons.replace(",", "\n").splitlines() if p.strip()]

    def action(db: Connection) -> dict[str, Any]:
        if not wanted:
            raise Invalid("list the persons, one a line (123 or phone:138…)", field="persons",
                          code="no_persons")
        return issuing.issue_bulk(db=db, ctx=OffersContext.build(runtime.settings,
                                                                 runtime.outbox),
                                  principal=user.principal, template_id=template_id,
                                  persons=wanted)

    return act(request, "/console/admin/coupons", action, lambda t, r: t(
        "admin.issued", issued=len(r["issued"]), refused=len(r["refused"])))


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
def post_slot(request: Request, user: PostAdmin, experience_id: int, starts: Text = "",
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
