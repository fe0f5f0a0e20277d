"""/api/v1/coupons: templates, issuing, validate, redeem, restore. Thin: the services check
roles and stores themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from datong.api.deps import AdminPrincipal, CurrentPrincipal, RuntimeDep
from datong.api.hotpaths import HotHandler
from datong.api.responses import json_response
from datong.auth.tokens import Principal
from datong.bounds import Id, SmallId
from datong.errors import Conflict
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
from datong.runtime import Runtime
from datong.store.database import writer_lock

router = APIRouter(prefix="/api/v1/coupons", tags=["coupons"])


async def offers_context(request: Request) -> OffersContext:
    """Async: no I/O here, so no hop to a worker thread."""
    runtime: Runtime = request.app.state.runtime
    return OffersContext.build(runtime.settings, runtime.outbox)


@contextmanager
def write(runtime: Runtime) -> Iterator[Connection]:
    """The request's transaction, opened in the thread that runs the route (a `yield`
    dependency would take the connection — and SQLite's write lock — in one worker thread and
    wait for another to run the route; under a burst every worker can end up waiting on a
    lock held by a request that has no worker left). For long work; short units go through
    the commit queue (`runtime.commits`)."""
    with writer_lock(runtime.engine), runtime.engine.begin() as conn:
        yield conn


@contextmanager
def read(runtime: Runtime) -> Iterator[Connection]:
    with runtime.engine.connect().execution_options(readonly=True) as conn, conn.begin():
        yield conn


Ctx = Annotated[OffersContext, Depends(offers_context)]


@router.post("/templates", status_code=201)
def post_template(principal: CurrentPrincipal, runtime: RuntimeDep,
                  body: TemplateCreate) -> dict[str, Any]:
    with write(runtime) as db:
        return templates.create_template(db=db, principal=principal, data=body)


@router.get("/templates")
def get_templates(principal: CurrentPrincipal, runtime: RuntimeDep,
                  status: str | None = None) -> dict[str, Any]:
    with read(runtime) as db:
        require_manager(principal, "listing coupon templates")
        return {"data": templates.list_templates(db=db, status=status)}


@router.get("/templates/{template_id}")
def get_template(principal: CurrentPrincipal, runtime: RuntimeDep,
                 template_id: SmallId) -> dict[str, Any]:
    with read(runtime) as db:
        require_manager(principal, "reading a coupon template")
        return templates.get_template(db=db, template_id=template_id)


@router.patch("/templates/{template_id}")
def patch_template(principal: CurrentPrincipal, runtime: RuntimeDep, template_id: SmallId,
                   body: TemplateUpdate) -> dict[str, Any]:
    with write(runtime) as db:
        answer = templates.update_template(db=db, principal=principal,
                                           template_id=template_id, changes=body)
    runtime.sold_out.forget(template_id)  # a raised stock is claimable at once
    return answer


@router.get("/templates/{template_id}/versions")
def get_versions(principal: CurrentPrincipal, runtime: RuntimeDep,
                 template_id: SmallId) -> dict[str, Any]:
    with read(runtime) as db:
        require_manager(principal, "reading a coupon template")
        return {"data": templates.template_versions(db=db, template_id=template_id)}


@router.post("/claim", status_code=201)
async def post_claim(principal: CurrentPrincipal, runtime: RuntimeDep,
                     body: ClaimRequest) -> Response:
    """A person claims a coupon online, or a clerk issues one in store (channel offline)."""
    status, out = await claim_call(runtime, principal, body)
    return json_response(out, status)


async def claim_call(runtime: Runtime, principal: Principal, body: ClaimRequest
                     ) -> tuple[int, dict[str, Any]]:
    remembered = body.idempotency_key is None  # a retried claim must find its coupon
    if remembered:
        runtime.sold_out.check(body.template_id)
    ctx = OffersContext.build(runtime.settings, runtime.outbox)
    try:
        out = await runtime.commits.run(lambda db: issuing.claim(
            db=db, ctx=ctx, principal=principal, template_id=body.template_id,
            person=body.person, channel=body.channel, store=body.store,
            idempotency_key=body.idempotency_key))
    except Conflict as exc:
        if remembered and exc.code == "out_of_stock":
            runtime.sold_out.note(body.template_id)
        raise
    return (201 if out["created"] else 200), out


@router.post("/issue")
def post_issue(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
               body: BulkIssueRequest) -> dict[str, Any]:
    with write(runtime) as db:
        return issuing.issue_bulk(db=db, ctx=ctx, principal=principal,
                                  template_id=body.template_id, persons=body.persons,
                                  idempotency_key=body.idempotency_key)


@router.post("/exchange", status_code=201)
def post_exchange(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx, body: ExchangeRequest,
                  response: Response) -> dict[str, Any]:
    with write(runtime) as db:
        out = issuing.exchange_points(db=db, ctx=ctx, principal=principal,
                                      template_id=body.template_id, person=body.person,
                                      idempotency_key=body.idempotency_key, channel=body.channel,
                                      store=body.store)
        if not out["created"]:
            response.status_code = 200
        return out


@router.post("/validate")
async def post_validate(principal: CurrentPrincipal, runtime: RuntimeDep,
                        body: ValidateRequest) -> Response:
    return json_response((await validate_call(runtime, principal, body))[1])


async def validate_call(runtime: Runtime, principal: Principal, body: ValidateRequest
                        ) -> tuple[int, dict[str, Any]]:
    def check() -> dict[str, Any]:
        with read(runtime) as db:
            return redemption.validate(
                db=db, ctx=OffersContext.build(runtime.settings, runtime.outbox),
                principal=principal, code=body.code, qr=body.qr,
                order_amount=body.order_amount, channel=body.channel, store=body.store,
                order_id=body.order_id)

    return 200, await run_in_threadpool(check)


@router.post("/redeem")
async def post_redeem(principal: CurrentPrincipal, runtime: RuntimeDep,
                      body: RedeemRequest) -> Response:
    """Exactly once; the answer is committed before it is sent."""
    return json_response((await redeem_call(runtime, principal, body))[1])


async def redeem_call(runtime: Runtime, principal: Principal, body: RedeemRequest
                      ) -> tuple[int, dict[str, Any]]:
    ctx = OffersContext.build(runtime.settings, runtime.outbox)
    out = await runtime.commits.run(lambda db: redemption.redeem(
        db=db, ctx=ctx, principal=principal, code=body.code, qr=body.qr,
        order_id=body.order_id, order_amount=body.order_amount, channel=body.channel,
        store=body.store, idempotency_key=body.idempotency_key))
    return 200, out


def _hot(call: Callable[[Runtime, Principal, Any], Awaitable[tuple[int, Any]]],
         model: type[BaseModel]) -> HotHandler:
    async def handle(runtime: Runtime, principal: Principal, raw: bytes) -> tuple[int, Any]:
        return await call(runtime, principal, model.model_validate_json(raw))

    return handle


# The same calls, answered in front of the framework (datong.api.hotpaths).
HOT_PATHS: dict[str, HotHandler] = {
    "/api/v1/coupons/claim": _hot(claim_call, ClaimRequest),
    "/api/v1/coupons/validate": _hot(validate_call, ValidateRequest),
    "/api/v1/coupons/redeem": _hot(redeem_call, RedeemRequest),
}


@router.post("/restore")
def post_restore(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                 body: RestoreRequest) -> dict[str, Any]:
    with write(runtime) as db:
        return restore(db=db, ctx=ctx, principal=principal, order_id=body.order_id,
                       reason=body.reason)


@router.post("/expire")
def post_expire(_: AdminPrincipal, runtime: RuntimeDep, ctx: Ctx,
                body: ExpireRequest) -> dict[str, Any]:
    with write(runtime) as db:
        return {"expired": expire_coupons(db=db, ctx=ctx, now=body.now)}


@router.get("")
def get_coupons(runtime: RuntimeDep, ctx: Ctx, principal: CurrentPrincipal,
                person: Annotated[str, Query(min_length=1)],
                status: str | None = None) -> dict[str, Any]:
    """A person's coupons (`person` = id or type:value), newest first."""
    with read(runtime) as db:
        require_manager(principal, "reading a person's coupons")
        person_id, _ = resolve(db=db, rules=ctx.rules, person=person)
        return {"person_id": person_id,
                "data": coupons.person_coupons(db=db, ctx=ctx, person_id=person_id, status=status)}


@router.get("/{coupon_id}")
def get_coupon(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
               coupon_id: Id) -> dict[str, Any]:
    with read(runtime) as db:
        require_manager(principal, "reading a coupon")
        return coupons.get_coupon(db=db, ctx=ctx, coupon_id=coupon_id)


@router.get("/{coupon_id}/qr.svg")
def get_coupon_qr(principal: CurrentPrincipal, runtime: RuntimeDep, ctx: Ctx,
                  coupon_id: Id) -> Response:
    """The coupon's QR code (code + signature) as SVG, for the holder's app to show."""
    with read(runtime) as db:
        require_manager(principal, "reading a coupon")
        found = coupons.get_coupon(db=db, ctx=ctx, coupon_id=coupon_id)
        return Response(qr_svg(found["qr"]), media_type="image/svg+xml")
