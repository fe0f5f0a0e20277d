"""Membership's public face: what the API, the CLI and other domains (offers, the console)
call. Every function takes the connection (one transaction) and what it needs, by keyword."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from datong.auth.tokens import Principal
from datong.errors import Conflict, Invalid, NotFound
from datong.ingest.log import EventHook
from datong.loyalty import codes
from datong.loyalty.enrol import Enrolment, append_system_event, check_clerk
from datong.loyalty.enrol import enrol as _enrol
from datong.loyalty.ledger import Cause
from datong.loyalty.members import (
    Member,
    get_member,
    looks_like_member_key,
    member_by_phone,
    member_numbers,
    member_of_person,
    resolve_member,
    store_code_of,
)
from datong.loyalty.program import load_program
from datong.loyalty.redeem import acting_store, check_key, check_points, spender
from datong.loyalty.tables import orders
from datong.outbox.service import Outbox
from datong.settings import Settings
from datong.store.types import utcnow

DEFAULT_TIMEZONE = str(Settings.model_fields["timezone"].default)

__all__ = ["Enrolment", "Member", "adjust_points", "enrol", "enrol_link", "get_member",
           "looks_like_member_key", "member_code", "member_for_person", "member_numbers",
           "record_order", "redeem_points", "settle_hold", "spend_points"]


def member_for_person(*, db: Connection, person_id: int) -> Member | None:
    """The member a person is (following merged persons), or None."""
    return member_of_person(db, person_id)


def spend_points(*, db: Connection, person_id: int, points: int, cause_type: str,
                 cause_ref: str, idempotency_key: str, actor: str, channel: str | None = None,
                 store_id: int | None = None, settings: Settings | None = None,
                 outbox: Outbox | None = None, principal: Principal | None = None) -> int:
    """Spend points now (no hold) and return the new spendable balance. The same key again
    answers the first result without spending. Raises Conflict(insufficient_points) or
    NotFound(not_a_member). Coupons call it with cause_type="coupon"."""
    member = member_of_person(db, person_id)
    if member is None:
        raise NotFound(f"person {person_id} is not a member", code="not_a_member",
                       field="person_id")
    store_id = acting_store(principal, store_id)
    key = check_key(idempotency_key)
    terms = {"op": "spend", "points": check_points(points), "cause_type": cause_type,
             "cause_ref": cause_ref}
    cause = Cause(cause_type, cause_ref, actor, channel, store_id)
    tz = settings.tz if settings is not None else ZoneInfo(DEFAULT_TIMEZONE)
    answer = spender(db, load_program(db), tz, outbox or Outbox()).spend(
        member.id, points, cause, key, terms)
    return int(answer["spendable"])


def enrol(*, db: Connection, settings: Settings, outbox: Outbox, hooks: Sequence[EventHook],
          data: Enrolment, actor: str, principal: Principal | None = None) -> Member:
    """Enrol the customer with `data.phone` (see datong.loyalty.enrol)."""
    return _enrol(db=db, data=data, rules=settings.rules, program=load_program(db),
                  secret=settings.secret_key, outbox=outbox, hooks=hooks, actor=actor,
                  principal=principal)


def find_member(*, db: Connection, settings: Settings, key: str,
                now: datetime | None = None) -> Member:
    """By id, member number, rotating member code or phone."""
    text = key.strip()
    if text.startswith("+") or (text.isdigit() and len(text) == 11 and text[0] == "1"):
        phone = settings.rules.normalise("phone", text)
        found = None
        if phone is not None:
            found = member_by_phone(db, phone)
        if found is None:
            raise NotFound(f"no member has the phone {text!r}", code="not_a_member",
                           field="phone")
        return found
    return resolve_member(db, text, secret=settings.secret_key, now=now or utcnow(),
                          code_seconds=lambda: load_program(db).member_code_seconds)


def redeem_points(*, db: Connection, settings: Settings, outbox: Outbox, member_id: int,
                  points: int, idempotency_key: str, order_ref: str, actor: str,
                  channel: str | None = None, store_id: int | None = None,
                  hold: bool = False, hold_seconds: int | None = None,
                  principal: Principal | None = None) -> dict[str, Any]:
    """Points as payment at POS or checkout: spent now, or held for capture/release."""
    store_id = acting_store(principal, store_id)
    key = check_key(idempotency_key)
    if not order_ref or not order_ref.strip():
        raise Invalid("an order_ref is required", field="order_ref")
    if channel is None:
        channel = "offline" if store_id is not None else "online"
    terms = {"op": "hold" if hold else "redeem", "points": check_points(points),
             "order_ref": order_ref, "member": member_id}
    cause = Cause("payment", order_ref.strip(), actor, channel, store_id,
                  f"paid with points on order {order_ref.strip()}")
    run = spender(db, load_program(db), settings.tz, outbox)
    member = get_member(db, member_id)
    if hold:
        return run.hold(member.id, points, cause, key, terms, hold_seconds)
    return run.spend(member.id, points, cause, key, terms)


def settle_hold(*, db: Connection, settings: Settings, outbox: Outbox, member_id: int,
                hold_id: int, capture: bool, actor: str,
                principal: Principal | None = None) -> dict[str, Any]:
    store_id = acting_store(principal, None) if principal is not None else None
    member = get_member(db, member_id)
    return spender(db, load_program(db), settings.tz, outbox).settle(
        member.id, hold_id, capture=capture, actor=actor, store_id=store_id)


def adjust_points(*, db: Connection, settings: Settings, outbox: Outbox, member_id: int,
                  points: int, reason: str, idempotency_key: str, actor: str
                  ) -> dict[str, Any]:
    """An admin's correction with its reason (positive or negative, never below zero)."""
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise Invalid("points must be a whole number other than 0", field="points")
    if not reason or not reason.strip():
        raise Invalid("an adjustment needs a reason", field="reason")
    key = check_key(idempotency_key)
    member = get_member(db, member_id)
    cause = Cause("admin", reason.strip()[:200], actor, note=reason.strip())
    terms = {"op": "adjust", "points": points, "reason": reason.strip(), "member": member.id}
    return spender(db, load_program(db), settings.tz, outbox).adjust(
        member.id, points, cause, key, terms)


def member_code(*, db: Connection, settings: Settings, member_id: int,
                now: datetime | None = None) -> dict[str, Any]:
    """The rotating code the app shows at the counter, with its QR code."""
    member = get_member(db, member_id)
    program = load_program(db)
    code = codes.member_code(secret=settings.secret_key, member_id=member.id,
                             now=now or utcnow(), seconds=program.member_code_seconds)
    return {"member_no": member.member_no, "code": code.code, "expires_at": code.expires_at,
            "qr_svg": code.qr_svg}


def enrol_link(*, db: Connection, settings: Settings, store_id: int, clerk: str | None,
               base_url: str, days: int | None = None,
               principal: Principal | None = None) -> dict[str, Any]:
    """A signed enrolment link (and its QR code) for a store's poster or a clerk's card."""
    store_id = acting_store(principal, store_id) or store_id
    if store_code_of(db, store_id) is None:
        raise NotFound(f"no store {store_id}", field="store")
    if clerk is not None:
        check_clerk(db, clerk, store_id)
    if days is not None and not 1 <= days <= 3650:
        raise Invalid("days must be between 1 and 3650", field="days")
    token = codes.sign_enrol_link(secret=settings.secret_key, store_id=store_id, clerk=clerk,
                                  now=utcnow(), days=days)
    url = f"{base_url.rstrip('/')}/join?t={token}"
    return {"store_id": store_id, "clerk": clerk, "token": token, "url": url,
            "qr_svg": codes.qr_data_uri(url)}


def record_order(*, db: Connection, settings: Settings, hooks: Sequence[EventHook],
                 member_id: int, order_id: str, total: int, actor: str,
                 store_id: int | None = None, channel: str | None = None,
                 products: list[dict[str, Any]] | None = None, clerk: str | None = None,
                 principal: Principal | None = None) -> dict[str, Any]:
    """A clerk adds points for a till order: the order is written to the event log as an
    `Order Completed` of the member (datong's own source) and earns through the same hook
    as any order — once per `order_id`, pending during the return window. Answers what it
    earned."""
    member = get_member(db, member_id)
    store_id = acting_store(principal, store_id)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise Invalid("total must be whole fen, 0 or more", field="total")
    if not order_id or not order_id.strip():
        raise Invalid("an order_id is required", field="order_id")
    channel = channel or ("offline" if store_id is not None else "online")
    store_code = store_code_of(db, store_id)
    props: dict[str, Any] = {"order_id": order_id.strip(), "total": total,
                             "member_no": member.member_no, "phone": member.phone,
                             "channel": "store" if channel == "offline" else "online",
                             "products": products or []}
    if store_code:
        props["store_id"] = store_code
    if clerk:
        props["staff_id"] = clerk
    append_system_event(db=db, hooks=hooks, kind="track", event="Order Completed",
                        message_id=f"order-{order_id.strip()}"[:100], channel=channel,
                        store_code=store_code, properties=props, traits=None,
                        context={"library": {"name": "datong-loyalty"}, "actor": actor})
    found = db.execute(select(orders.c.member_id, orders.c.points, orders.c.status,
                              orders.c.available_at, orders.c.paid)
                       .where(orders.c.order_id == order_id.strip())).first()
    if found is None:
        raise Invalid("the order earned nothing (no usable amount)", field="total")
    if int(found.member_id) != member.id:
        raise Conflict(f"order {order_id} earned for another member already",
                       code="order_taken", field="order_id", params={"order_id": order_id})
    after = get_member(db, member.id)
    return {"member_no": member.member_no, "order_id": order_id.strip(),
            "points": int(found.points), "status": found.status,
            "available_at": found.available_at, "paid": int(found.paid),
            "points_now": after.as_dict()["points"]}
