"""/api/v1/members and /api/v1/loyalty: thin HTTP over datong.loyalty.service."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from datong.api.deps import AdminPrincipal, CurrentPrincipal, ReadDbDep, RuntimeDep
from datong.auth.tokens import Principal
from datong.bounds import Id
from datong.errors import Invalid
from datong.loyalty import service
from datong.loyalty.enrol import Enrolment
from datong.loyalty.members import Member
from datong.loyalty.program import (
    load_program,
    parse_program,
    parse_toml,
    program_version,
    save_program,
)
from datong.loyalty.schemas import (
    AdjustCreate,
    EnrolCreate,
    EnrolLinkCreate,
    OrderCreate,
    RedeemCreate,
)
from datong.loyalty.statement import MAX_LIMIT as STATEMENT_LIMIT
from datong.loyalty.statement import statement
from datong.runtime import Runtime
from datong.stores.service import get_store

# The principal comes first in every signature: it borrows a pooled connection for a moment,
# and must not wait for one while this request already holds its transaction's connection.
router = APIRouter(tags=["loyalty"])


def _transaction(runtime: Runtime) -> AbstractContextManager[Connection]:
    """The writing routes wait for a member's row lock (SQLite: the writer lock). They open
    their transaction inside the route, not as a DbDep: a request waiting for the lock then
    holds no worker thread that the request holding it still needs to commit."""
    return runtime.engine.begin()


def _answer(data: dict[str, Any], status: int = 200) -> JSONResponse:
    """A finished response: FastAPI needs no worker thread to serialise it."""
    return JSONResponse(jsonable_encoder(data), status_code=status)


def actor_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.id}"


def _store_id(db: Any, code: str | None) -> int | None:
    return None if code is None else get_store(db=db, code=code).id


def _member(db: Any, runtime: Any, key: str) -> Member:
    return service.find_member(db=db, settings=runtime.settings, key=key)


def _view(db: Connection, member: Member) -> dict[str, Any]:
    """The member with its tier's name and benefits (the same in every channel)."""
    tier = load_program(db).tier(member.tier)
    return {**member.as_dict(), "tier_name": tier.name, "benefits": {
        "points_multiplier": str(tier.multiplier), "member_price": tier.member_price,
        "birthday_bonus": tier.birthday_bonus}}


@router.get("/api/v1/loyalty/program")
def get_program(_: CurrentPrincipal, db: ReadDbDep) -> dict[str, Any]:
    return {"version": program_version(db), "program": load_program(db).model_dump(mode="json")}


@router.put("/api/v1/loyalty/program")
async def put_program(principal: AdminPrincipal, request: Request,
                      runtime: RuntimeDep) -> dict[str, Any]:
    """Replace the program: a JSON body, or TOML with Content-Type application/toml."""
    raw = await request.body()
    if "toml" in request.headers.get("content-type", ""):
        program = parse_toml(raw.decode("utf-8", "replace"))
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise Invalid("the body is not JSON (send TOML as application/toml)",
                          field="program") from None
        program = parse_program(data)
    with runtime.engine.begin() as db:
        version = save_program(db=db, program=program, actor=actor_of(principal))
    return {"version": version, "program": program.model_dump(mode="json")}


@router.post("/api/v1/loyalty/enrol-links", status_code=201)
def post_enrol_link(principal: CurrentPrincipal, request: Request, db: ReadDbDep,
                    runtime: RuntimeDep, body: EnrolLinkCreate) -> dict[str, Any]:
    """A signed link (with QR code) for a store's poster or a clerk's card."""
    return service.enrol_link(db=db, settings=runtime.settings,
                              store_id=get_store(db=db, code=body.store).id, clerk=body.clerk,
                              base_url=str(request.base_url), days=body.days,
                              principal=principal)


@router.post("/api/v1/members", status_code=201, response_class=JSONResponse)
def post_member(principal: CurrentPrincipal, runtime: RuntimeDep,
                body: EnrolCreate) -> JSONResponse:
    """Enrol by phone from any channel; a second enrolment names the existing member."""
    with _transaction(runtime) as db:
        data = Enrolment(phone=body.phone, name=body.name, channel=body.channel,
                         store_id=_store_id(db, body.store), clerk=body.clerk,
                         referral_code=body.referral_code, enrol_token=body.enrol_token)
        member = service.enrol(db=db, settings=runtime.settings, outbox=runtime.outbox,
                               hooks=runtime.writer.hooks, data=data,
                               actor=actor_of(principal), principal=principal)
        return _answer(_view(db, member), 201)


@router.get("/api/v1/members")
def find_member(_: CurrentPrincipal, db: ReadDbDep, runtime: RuntimeDep,
                q: Annotated[str, Query(min_length=1, max_length=40)]) -> dict[str, Any]:
    """Look a member up by phone, member number or the rotating code a clerk scanned."""
    return _view(db, _member(db, runtime, q))


@router.get("/api/v1/members/{key}")
def get_member(_: CurrentPrincipal, db: ReadDbDep, runtime: RuntimeDep,
               key: str) -> dict[str, Any]:
    return _view(db, _member(db, runtime, key))


@router.get("/api/v1/members/{key}/statement")
def get_statement(_: CurrentPrincipal, db: ReadDbDep, runtime: RuntimeDep, key: str,
                  cursor: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=STATEMENT_LIMIT)] = 50
                  ) -> dict[str, Any]:
    return statement(db=db, member=_member(db, runtime, key), cursor=cursor, limit=limit)


@router.get("/api/v1/members/{key}/code")
def get_code(_: CurrentPrincipal, db: ReadDbDep, runtime: RuntimeDep,
             key: str) -> dict[str, Any]:
    """The rotating member code (digits and QR) the app shows at the counter."""
    member = _member(db, runtime, key)
    return service.member_code(db=db, settings=runtime.settings, member_id=member.id)


@router.post("/api/v1/members/{key}/points/redeem")
def post_redeem(principal: CurrentPrincipal, runtime: RuntimeDep, key: str,
                body: RedeemCreate) -> JSONResponse:
    """Pay with points (now, or as a hold to capture or release), answering the balance."""
    with _transaction(runtime) as db:
        member = _member(db, runtime, key)
        return _answer(service.redeem_points(
            db=db, settings=runtime.settings, outbox=runtime.outbox, member_id=member.id,
            points=body.points, idempotency_key=body.idempotency_key,
            order_ref=body.order_ref, actor=actor_of(principal), channel=body.channel,
            store_id=_store_id(db, body.store), hold=body.hold,
            hold_seconds=body.hold_seconds, principal=principal))


@router.post("/api/v1/members/{key}/points/holds/{hold_id}/{action}")
def post_settle(principal: CurrentPrincipal, runtime: RuntimeDep, key: str,
                hold_id: Id, action: str) -> JSONResponse:
    """Capture (spend) or release a hold."""
    if action not in ("capture", "release"):
        raise Invalid("the action is capture or release", field="action")
    with _transaction(runtime) as db:
        member = _member(db, runtime, key)
        return _answer(service.settle_hold(
            db=db, settings=runtime.settings, outbox=runtime.outbox, member_id=member.id,
            hold_id=hold_id, capture=action == "capture", actor=actor_of(principal),
            principal=principal))


@router.post("/api/v1/members/{key}/points/adjust")
def post_adjust(principal: AdminPrincipal, runtime: RuntimeDep, key: str,
                body: AdjustCreate) -> JSONResponse:
    """An admin's correction, with its reason."""
    with _transaction(runtime) as db:
        member = _member(db, runtime, key)
        return _answer(service.adjust_points(
            db=db, settings=runtime.settings, outbox=runtime.outbox, member_id=member.id,
            points=body.points, reason=body.reason, idempotency_key=body.idempotency_key,
            actor=actor_of(principal)))


@router.post("/api/v1/members/{key}/orders", status_code=201)
def post_order(principal: CurrentPrincipal, runtime: RuntimeDep, key: str,
               body: OrderCreate) -> JSONResponse:
    """Add points for a till order (a clerk for their own store); once per order_id."""
    with _transaction(runtime) as db:
        member = _member(db, runtime, key)
        return _answer(service.record_order(
            db=db, settings=runtime.settings, hooks=runtime.writer.hooks,
            member_id=member.id, order_id=body.order_id, total=body.total,
            actor=actor_of(principal), store_id=_store_id(db, body.store),
            channel=body.channel, products=body.products, clerk=body.clerk,
            principal=principal), 201)
