"""What a clerk does at the counter, each for their own store and signed with their name:
enrol a member, record a POS order (points follow from it), pay with points, check a coupon's
discount and then redeem it, check a reservation in. The services refuse a clerk acting for
another store; this layer only turns forms into calls and answers into messages."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from datong.errors import DatongError, Invalid
from datong.ingest import log
from datong.loyalty import service as loyalty
from datong.loyalty.enrol import system_source_id
from datong.loyalty.redeem import acting_store
from datong.offers import redemption, reservations
from datong.offers.context import OffersContext
from datong.store.types import utcnow
from datong.stores.service import get_store
from datong.web.actions import act
from datong.web.coupon_form import FieldError, yuan_to_fen
from datong.web.deps import PostCounter
from datong.web.refusals import explain
from datong.web.render import money, render
from datong.web.sessions import ConsoleUser

router = APIRouter(prefix="/console/counter", include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]


def fen(text: str, field: str = "amount") -> int:
    """¥ as typed (`129`, `129.9`, `1,299.00`) → integer fen; never a float."""
    try:
        return yuan_to_fen(text)
    except FieldError:
        raise Invalid(f"{text!r} is not an amount in yuan above 0 with at most two decimals",
                      field=field, code="bad_amount") from None


def _back(q: str, **extra: str) -> str:
    return "/console/counter?" + urlencode({"q": q, **extra}) if q else "/console/counter"


def _store_id(db: Connection, code: str) -> int:
    return get_store(db=db, code=code).id


def _offers(request: Request) -> OffersContext:
    runtime = request.app.state.runtime
    return OffersContext.build(runtime.settings, runtime.outbox)


@router.post("/enrol")
def post_enrol(request: Request, user: PostCounter, phone: Text = "", name: Text = "",
               store: Text = "") -> RedirectResponse:
    runtime = request.app.state.runtime

    def action(db: Connection) -> loyalty.Member:
        data = loyalty.Enrolment(phone=phone, name=name, channel="offline",
                                 store_id=_store_id(db, store or user.store_code or ""),
                                 clerk=user.principal.name)
        return loyalty.enrol(db=db, settings=runtime.settings, outbox=runtime.outbox,
                             hooks=runtime.writer.hooks, data=data, actor=_actor(user),
                             principal=user.principal)

    return act(request, _back(phone), action,
               lambda t, m: t("counter.enrolled", member_no=m.member_no))


def _actor(user: ConsoleUser) -> str:
    return f"staff:{user.principal.id}"


def _pos_order(db: Connection, hooks: Any, *, member_no: str, store_code: str, clerk: str,
               order_id: str, total: int) -> None:
    """The order as the POS would send it, so earning runs exactly as for a real POS."""
    now = utcnow()
    row = {"source_id": system_source_id(db), "message_id": f"counter-{store_code}-{order_id}",
           "type": "track", "event": "Order Completed", "user_id": None,
           "anonymous_id": f"counter-{uuid.uuid4().hex}", "channel": "offline",
           "store_code": store_code, "timestamp": now, "original_timestamp": now,
           "sent_at": None, "received_at": now, "traits": None, "extra": None,
           "properties": {"order_id": order_id, "total": total, "revenue": total,
                          "currency": "CNY", "store_id": store_code, "staff_id": clerk,
                          "member_no": member_no, "channel": "store"},
           "context": {"library": {"name": "datong-console"}, "store_id": store_code}}
    log.append(db=db, rows=[row], hooks=hooks)


@router.post("/order")
def post_order(request: Request, user: PostCounter, q: Text = "", member_no: Text = "",
               order_id: Text = "", amount: Text = "", store: Text = "") -> RedirectResponse:
    runtime = request.app.state.runtime

    def action(db: Connection) -> dict[str, Any]:
        code = store or user.store_code or ""
        acting_store(user.principal, _store_id(db, code))  # a clerk's own store only
        if not order_id.strip():
            raise Invalid("give the POS order number", field="order_id", code="order_id_missing")
        member = loyalty.find_member(db=db, settings=runtime.settings, key=member_no)
        before = member.balance + member.pending
        _pos_order(db, runtime.writer.hooks, member_no=member.member_no, store_code=code,
                   clerk=user.principal.name, order_id=order_id.strip(),
                   total=fen(amount))
        after = loyalty.get_member(db, member.id)
        return {"earned": after.balance + after.pending - before, "pending": after.pending}

    return act(request, _back(q), action,
               lambda t, r: t("counter.order_recorded", earned=r["earned"], pending=r["pending"]))


@router.post("/points/pay")
def post_pay(request: Request, user: PostCounter, q: Text = "", member_no: Text = "",
             order_id: Text = "", points: Text = "", key: Text = "",
             store: Text = "") -> RedirectResponse:
    runtime = request.app.state.runtime

    def action(db: Connection) -> dict[str, Any]:
        if not points.strip().isdigit():
            raise Invalid("points must be a whole number above 0", field="points",
                          code="bad_points")
        member = loyalty.find_member(db=db, settings=runtime.settings, key=member_no)
        return loyalty.redeem_points(
            db=db, settings=runtime.settings, outbox=runtime.outbox, member_id=member.id,
            points=int(points), idempotency_key=key or secrets.token_hex(8),
            order_ref=order_id, actor=_actor(user), channel="offline",
            store_id=_store_id(db, store or user.store_code or ""), principal=user.principal)

    return act(request, _back(q), action, lambda t, r: t("counter.paid_points",
                                                         balance=r.get("spendable", "")))


def _coupon_form(request: Request, user: ConsoleUser, *, q: str, code: str, amount: str,
                 order_id: str, store: str, check: dict[str, Any] | None,
                 failure: str | None, status: int = 200) -> HTMLResponse:
    return render(request, "counter_coupon.html", {
        "q": q, "code": code, "amount": amount, "order_id": order_id, "store": store,
        "check": check, "failure": failure, "key": secrets.token_hex(12),
    }, user=user, status=status)


def _coupon_args(code: str) -> dict[str, str | None]:
    """A scanned QR carries the signed payload; anything else is a typed code."""
    text = code.strip()
    return {"qr": text, "code": None} if text.count(".") == 2 else {"code": text, "qr": None}


@router.post("/coupon/check", response_class=HTMLResponse)
def post_coupon_check(request: Request, user: PostCounter, q: Text = "", code: Text = "",
                      amount: Text = "", order_id: Text = "",
                      store: Text = "") -> HTMLResponse:
    """Show what the coupon takes off this order before anything is redeemed."""
    store = store or user.store_code or ""
    try:
        with request.app.state.runtime.engine.connect() as db, db.begin():
            check = redemption.validate(db=db, ctx=_offers(request), principal=user.principal,
                                        order_amount=fen(amount), channel="offline",
                                        store=store, order_id=order_id or None,
                                        **_coupon_args(code))
    except DatongError as exc:
        return _coupon_form(request, user, q=q, code=code, amount=amount, order_id=order_id,
                            store=store, check=None, status=exc.status,
                            failure=explain(request, exc))
    failure = None if check["redeemable"] else explain(request, check["reason"] or {})
    return _coupon_form(request, user, q=q, code=code, amount=amount, order_id=order_id,
                        store=store, check=check, failure=failure)


@router.post("/coupon/redeem")
def post_coupon_redeem(request: Request, user: PostCounter, q: Text = "", code: Text = "",
                       amount: Text = "", order_id: Text = "", key: Text = "",
                       store: Text = "") -> Response:
    def action(db: Connection) -> dict[str, Any]:
        if not order_id.strip():
            raise Invalid("give the POS order number", field="order_id", code="order_id_missing")
        return redemption.redeem(db=db, ctx=_offers(request), principal=user.principal,
                                 order_id=order_id.strip(), order_amount=fen(amount),
                                 channel="offline", store=store or user.store_code,
                                 idempotency_key=key or secrets.token_hex(12),
                                 **_coupon_args(code))

    return act(request, _back(q), action, lambda t, r: t(
        "counter.coupon_redeemed", name=r["name"], discount=_yuan(r["discount"]),
        payable=_yuan(r["payable"])))


def _yuan(value: int) -> str:
    return money(value)


@router.post("/checkin")
def post_checkin(request: Request, user: PostCounter, q: Text = "", code: Text = "",
                 store: Text = "") -> RedirectResponse:
    scanned = code.strip().count(".") == 2  # a signed QR payload, else a typed code
    return act(request, _back(q), lambda db: reservations.check_in(
        db=db, ctx=_offers(request), principal=user.principal,
        store=store or user.store_code or "", code=None if scanned else code.strip(),
        qr=code.strip() if scanned else None),
        lambda t, r: t("counter.checked_in", name=r["experience"],
                       at=r["starts_at"].astimezone(request.app.state.runtime.settings.tz)
                       .strftime("%H:%M")))
