"""Coupon templates in the console: the list with issued / stock and coupons by status, a
structured form to create one, a form to change its stock, status and per-person limit, and
issuing to a list of customers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from datong.bounds import SmallId
from datong.errors import DatongError, Invalid
from datong.loyalty.program import load_program
from datong.offers import issuing, templates
from datong.offers.context import OffersContext
from datong.offers.schemas import TemplateUpdate
from datong.stores.service import list_stores
from datong.web.actions import act
from datong.web.coupon_form import (
    CHANNELS,
    KINDS,
    FieldError,
    FormErrors,
    TemplateForm,
    read_template_form,
    to_template,
    whole,
)
from datong.web.deps import AdminOnly, PostAdmin
from datong.web.i18n import Translator
from datong.web.refusals import explain
from datong.web.render import language, redirect, render
from datong.web.sessions import ConsoleUser

router = APIRouter(prefix="/console/admin", include_in_schema=False)
BACK = "/console/admin/coupons"
STATUSES = ("active", "paused", "ended")
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=40)]
FilledIn = Annotated[TemplateForm, Depends(read_template_form)]


def _page(request: Request, user: ConsoleUser, *, form: TemplateForm | None = None,
          errors: dict[str, str] | None = None, failure: str | None = None,
          status: int = 200) -> HTMLResponse:
    with request.app.state.runtime.engine.connect().execution_options(
            readonly=True) as db, db.begin():
        rows = templates.list_templates(db=db)
        stores = list_stores(db=db)
        tiers = load_program(db).tiers
    return render(request, "admin_coupons.html", {
        "templates": rows, "stores": stores, "tiers": tiers, "kinds": KINDS,
        "channels": CHANNELS, "statuses": STATUSES, "form": form or TemplateForm(),
        "errors": errors or {}, "failure": failure,
    }, user=user, status=status)


@router.get("/coupons", response_class=HTMLResponse)
def coupons_page(request: Request, user: AdminOnly) -> HTMLResponse:
    return _page(request, user)


@router.post("/coupons", response_model=None)
def post_template(request: Request, user: PostAdmin, form: FilledIn) -> Response:
    """Create from the form; a field to fix shows the form again with its message."""
    runtime = request.app.state.runtime
    try:
        with runtime.engine.begin() as db:
            stores = [s.code for s in list_stores(db=db)]
            tiers = [t.code for t in load_program(db).tiers]
            data = to_template(form, zone=runtime.settings.tz, stores=stores, tiers=tiers)
            made = templates.create_template(db=db, principal=user.principal, data=data)
    except FormErrors as exc:
        return _page(request, user, form=form, errors=exc.errors, status=400,
                     failure=explain(request, Invalid("check the fields marked",
                                                      code="bad_template")))
    except DatongError as exc:
        return _page(request, user, form=form, failure=explain(request, exc),
                     status=exc.status)
    return redirect(request, BACK, flash=("ok", _said(request, "admin.template_created",
                                                      name=made["name"], id=made["id"])))


def _said(request: Request, key: str, **values: Any) -> str:
    return Translator(language(request))(key, **values)


def _changes(stock: str, limit: str, status: str) -> TemplateUpdate:
    if status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status",
                      code="bad_status")
    try:
        count = whole(stock) if stock.strip() else None
    except FieldError:
        raise Invalid("stock must be a whole number above 0 (empty: unlimited)",
                      field="stock", code="bad_stock") from None
    try:
        per_person = whole(limit, high=1000)
    except FieldError:
        raise Invalid("the per-person limit must be a whole number from 1 to 1000",
                      field="per_person_limit", code="bad_limit") from None
    return TemplateUpdate.model_validate({"stock": count, "unlimited_stock": count is None,
                                          "per_person_limit": per_person, "status": status})


@router.post("/coupons/{template_id}/edit")
def post_edit(request: Request, user: PostAdmin, template_id: SmallId, stock: Short = "",
              per_person_limit: Short = "", status: Short = "") -> RedirectResponse:
    """Stock (raised or lowered, never below what was issued), status and per-person limit."""
    def action(db: Any) -> dict[str, Any]:
        answer = templates.update_template(db=db, principal=user.principal,
                                           template_id=template_id,
                                           changes=_changes(stock, per_person_limit, status))
        request.app.state.runtime.sold_out.forget(template_id)
        return answer

    return act(request, BACK, action, lambda t, r: t(
        "admin.template_saved", name=r["name"], status=t(f"tplstatus.{r['status']}")))


@router.post("/coupons/{template_id}/issue")
def post_issue(request: Request, user: PostAdmin, template_id: SmallId,
               persons: Text = "") -> RedirectResponse:
    runtime = request.app.state.runtime
    wanted = [p.strip() for p in persons.replace(",", "\n").splitlines() if p.strip()]

    def action(db: Any) -> dict[str, Any]:
        if not wanted:
            raise Invalid("list the persons, one a line (123 or phone:138…)", field="persons",
                          code="no_persons")
        return issuing.issue_bulk(db=db, ctx=OffersContext.build(runtime.settings,
                                                                 runtime.outbox),
                                  principal=user.principal, template_id=template_id,
                                  persons=wanted)

    return act(request, BACK, action, lambda t, r: t(
        "admin.issued", issued=len(r["issued"]), refused=len(r["refused"])))
