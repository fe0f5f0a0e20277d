"""A refunded order gives its coupons back (when their template says so and they are still
valid) — once: each redemption moves from `redeemed` to `restored` or `kept` by one
conditional update, so a replayed refund event or a second API call finds nothing to do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from datong.auth.roles import Role
from datong.auth.tokens import Principal
from datong.errors import Forbidden
from datong.offers import codes
from datong.offers.access import MANAGERS, actor
from datong.offers.context import OffersContext
from datong.offers.tables import coupon_orders, coupon_redemptions, coupons
from datong.offers.templates import load_terms
from datong.store.types import utcnow


def restore_order(*, db: Connection, ctx: OffersContext, order_id: str, who: str,
                  reason: str = "refund", now: datetime | None = None,
                  principal: Principal | None = None) -> dict[str, Any]:
    """Give back the coupons redeemed on an order; answers what was restored and what kept."""
    now = now or utcnow()
    rows = db.execute(select(coupon_redemptions).where(
        coupon_redemptions.c.order_id == order_id, coupon_redemptions.c.status == "redeemed")
        .order_by(coupon_redemptions.c.id)).all()
    if principal is not None:
        for r in rows:
            _may_restore(principal, r)
    restored: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    for r in rows:
        outcome = _restore_one(db, ctx, r, who, reason, now)
        if outcome is not None:
            (restored if outcome["restored"] else kept).append(outcome)
    return {"order_id": order_id, "restored": restored, "kept": kept}


def _may_restore(principal: Principal, redemption: Any) -> None:
    if principal.role in MANAGERS:
        return
    if principal.role in (Role.clerk, Role.store_manager) and (
            redemption.channel == "offline" and redemption.store_id == principal.store_id):
        return
    raise Forbidden("only an admin, a marketer or the store that redeemed the coupon can "
                    "give it back", code="wrong_store")


def _restore_one(db: Connection, ctx: OffersContext, r: Any, who: str, reason: str,
                 now: datetime) -> dict[str, Any] | None:
    coupon = db.execute(select(coupons).where(coupons.c.id == r.coupon_id)).first()
    assert coupon is not None
    terms = load_terms(db, coupon.template_id, coupon.version)
    why_not = None
    if not terms.restore_on_refund:
        why_not = "its template does not give coupons back on refund"
    elif coupon.valid_until <= now:
        why_not = "it has expired"
    status = "kept" if why_not else "restored"
    moved = db.execute(update(coupon_redemptions).where(
        coupon_redemptions.c.id == r.id, coupon_redemptions.c.status == "redeemed")
        .values(status=status, restored_at=now, restored_by=who))
    if moved.rowcount != 1:
        return None  # another refund got there first
    _release_order(db, r.order_id)
    base = {"coupon_id": coupon.id, "code": codes.mask(coupon.code), "redemption_id": r.id}
    if why_not:
        return {**base, "restored": False, "reason": why_not}
    db.execute(update(coupons).where(coupons.c.id == coupon.id,
                                     coupons.c.redemption_id == r.id)
               .values(status="issued", redemption_id=None))
    ctx.outbox.emit(
        db, "Coupon Restored", person_id=coupon.person_id, channel=r.channel,
        store_id=r.store_id, actor=who, dedup_key=f"coupon-restored:{r.id}",
        properties={"coupon_id": coupon.id, "template_id": coupon.template_id,
                    "code": codes.mask(coupon.code), "order_id": r.order_id,
                    "redemption_id": r.id, "reason": reason})
    return {**base, "restored": True}


def _release_order(db: Connection, order_id: str) -> None:
    db.execute(update(coupon_orders).where(coupon_orders.c.order_id == order_id,
                                           coupon_orders.c.coupons > 0)
               .values(coupons=coupon_orders.c.coupons - 1))


def restore(*, db: Connection, ctx: OffersContext, principal: Principal, order_id: str,
            reason: str = "refund") -> dict[str, Any]:
    """The API's refund: an admin or marketer (the shop), or the store that redeemed."""
    return restore_order(db=db, ctx=ctx, order_id=order_id, who=actor(principal),
                         reason=reason, principal=principal)
