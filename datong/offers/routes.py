"""/api/v1/coupons: templates, issuing, validate, redeem, restore. Thin: the services check
roles and stores themselves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from datong.api.deps import AdminPrincipal, CurrentPrincipal, DbDep, ReadDbDep, RuntimeDep
from datong.offers import coupons, issuing, redemption, templates
from datong.offers.access import require_manager
from datong.offers.codes import qr_svg
from datong.offers.context import OffersContext
from datong.offers.expiry import expire_coupons
from datong.offers.people import resolve
from datong.offers.restore import restore
from datong.offers.schemas import (
    BulkIssueRequest,
    ClaimRequest,
    ExchangeRequest,
    ExpireRequest,
    RedeemRequest,
    RestoreRequest,
    TemplateCreate,
    TemplateUpdate,
    ValidateRequest,
)

router = APIRouter(prefix="/api/v1/coupons", tags=["coupons"])


def offers_context(runtime: RuntimeDep) -> OffersContext:
    return OffersContext.build(runtime.settings, runtime.outbox)


Ctx = Annotated[OffersContext, Depends(offers_context)]


@router.post("/templates", status_code=201)
def post_template(db: DbDep, principal: CurrentPrincipal, body: TemplateCreate
                  ) -> dict[str, Any]:
    return templates.create_template(db=db, principal=principal, data=body)


@router.get("/templates")
def get_templates(db: ReadDbDep, principal: CurrentPrincipal,
                  status: str | None = None) -> dict[str, Any]:
    require_manager(principal, "listing coupon templates")
    return {"data": templates.list_templates(db=db, status=status)}


@router.get("/templates/{template_id}")
def get_template(db: ReadDbDep, principal: CurrentPrincipal, template_id: int
                 ) -> dict[str, Any]:
    require_manager(principal, "reading a coupon template")
    return templates.get_template(db=db, template_id=template_id)


@router.patch("/templates/{template_id}")
def patch_template(db: DbDep, principal: CurrentPrincipal, template_id: int,
                   body: TemplateUpdate) -> dict[str, Any]:
    return templates.update_template(db=db, principal=principal, template_id=template_id,
                                     changes=body)


@router.get("/templates/{template_id}/versions")
def get_versions(db: ReadDbDep, principal: CurrentPrincipal, template_id: int
                 ) -> dict[str, Any]:
    require_manager(principal, "reading a coupon template")
    return {"data": templates.template_versions(db=db, template_id=template_id)}


@router.post("/claim", status_code=201)
def post_claim(db: DbDep, ctx: Ctx, principal: CurrentPrincipal, body: ClaimRequest,
               response: Response) -> dict[str, Any]:
    """A person claims a coupon online, or a clerk issues one in store (channel offline)."""
    out = issuing.claim(db=db, ctx=ctx, principal=principal, template_id=body.template_id,
                        person=body.person, channel=body.channel, store=body.store,
                        idempotency_key=body.idempotency_key)
    if not out["created"]:
        response.status_code = 200
    return out


@router.post("/issue")
def post_issue(db: DbDep, ctx: Ctx, principal: CurrentPrincipal, body: BulkIssueRequest
               ) -> dict[str, Any]:
    return issuing.issue_bulk(db=db, ctx=ctx, principal=principal,
                              template_id=body.template_id, persons=body.persons,
                              idempotency_key=body.idempotency_key)


@router.post("/exchange", status_code=201)
def post_exchange(db: DbDep, ctx: Ctx, principal: CurrentPrincipal, body: ExchangeRequest,
                  response: Response) -> dict[str, Any]:
    out = issuing.exchange_points(db=db, ctx=ctx, principal=principal,
                                  template_id=body.template_id, person=body.person,
                                  idempotency_key=body.idempotency_key, channel=body.channel,
                                  store=body.store)
    if not out["created"]:
        response.status_code = 200
    return out


@router.post("/validate")
def post_validate(db: ReadDbDep, ctx: Ctx, principal: CurrentPrincipal,
                  body: ValidateRequest) -> dict[str, Any]:
    return redemption.validate(db=db, ctx=ctx, principal=principal, code=body.code,
                               qr=body.qr, order_amount=body.order_amount,
                               channel=body.channel, store=body.store, order_id=body.order_id)


@router.post("/redeem")
def post_redeem(db: DbDep, ctx: Ctx, principal: CurrentPrincipal, body: RedeemRequest
                ) -> dict[str, Any]:
    return redemption.redeem(db=db, ctx=ctx, principal=principal, code=body.code, qr=body.qr,
                             order_id=body.order_id, order_amount=body.order_amount,
                             channel=body.channel, store=body.store,
                             idempotency_key=body.idempotency_key)


@router.post("/restore")
def post_restore(db: DbDep, ctx: Ctx, principal: CurrentPrincipal, body: RestoreRequest
                 ) -> dict[str, Any]:
    return restore(db=db, ctx=ctx, principal=principal, order_id=body.order_id,
                   reason=body.reason)


@router.post("/expire")
def post_expire(db: DbDep, ctx: Ctx, _: AdminPrincipal, body: ExpireRequest
                ) -> dict[str, Any]:
    return {"expired": expire_coupons(db=db, ctx=ctx, now=body.now)}


@router.get("")
def get_coupons(db: ReadDbDep, ctx: Ctx, principal: CurrentPrincipal,
                person: Annotated[str, Query(min_length=1)],
                status: str | None = None) -> dict[str, Any]:
    """A person's coupons (`person` = id or type:value), newest first."""
    require_manager(principal, "reading a person's coupons")
    person_id, _ = resolve(db=db, rules=ctx.rules, person=person)
    return {"person_id": person_id,
            "data": coupons.person_coupons(db=db, ctx=ctx, person_id=person_id, status=status)}


@router.get("/{coupon_id}")
def get_coupon(db: ReadDbDep, ctx: Ctx, principal: CurrentPrincipal, coupon_id: int
               ) -> dict[str, Any]:
    require_manager(principal, "reading a coupon")
    return coupons.get_coupon(db=db, ctx=ctx, coupon_id=coupon_id)


@router.get("/{coupon_id}/qr.svg")
def get_coupon_qr(db: ReadDbDep, ctx: Ctx, principal: CurrentPrincipal, coupon_id: int
                  ) -> Response:
    """The coupon's QR code (code + signature) as SVG, for the holder's app to show."""
    require_manager(principal, "reading a coupon")
    found = coupons.get_coupon(db=db, ctx=ctx, coupon_id=coupon_id)
    return Response(qr_svg(found["qr"]), media_type="image/svg+xml")
