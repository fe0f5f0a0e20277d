"""Overview figures of membership and offers: new members by channel and store, coupons
claimed → redeemed by claim and redeem channel, points earned and redeemed. These are state
(members, coupons, ledger entries), aggregated where they live, in the state store's SQL:
one small grouped query each, whatever the size of the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from datong.loyalty.tables import entries, members
from datong.offers.tables import coupon_redemptions, coupons
from datong.stores.tables import stores


def new_members(db: Connection, start: datetime, end: datetime,
                store_id: int | None = None) -> list[dict[str, Any]]:
    """Members enrolled in [start, end) per channel and store."""
    query = (select(members.c.channel, stores.c.code, func.count().label("members"))
             .outerjoin(stores, stores.c.id == members.c.store_id)
             .where(members.c.enrolled_at >= start, members.c.enrolled_at < end,
                    members.c.merged_into.is_(None))
             .group_by(members.c.channel, stores.c.code)
             .order_by(func.count().desc()))
    if store_id is not None:
        query = query.where(members.c.store_id == store_id)
    return [{"channel": r.channel, "store": r.code, "members": int(r.members)}
            for r in db.execute(query)]


def coupon_funnel(db: Connection, start: datetime, end: datetime,
                  store_id: int | None = None) -> list[dict[str, Any]]:
    """Coupons claimed in [start, end) per claim channel, and how many of them were redeemed
    online and in store (so far)."""
    redeemed_in = coupon_redemptions.c.channel
    query = (select(coupons.c.claim_channel, redeemed_in.label("redeem_channel"),
                    func.count().label("coupons"))
             .outerjoin(coupon_redemptions, (coupon_redemptions.c.id == coupons.c.redemption_id)
                        & (coupons.c.status == "redeemed"))
             .where(coupons.c.issued_at >= start, coupons.c.issued_at < end)
             .group_by(coupons.c.claim_channel, redeemed_in))
    if store_id is not None:
        query = query.where((coupons.c.claim_store_id == store_id)
                            | (coupon_redemptions.c.store_id == store_id))
    funnel: dict[str, dict[str, Any]] = {}
    for r in db.execute(query):
        row = funnel.setdefault(r.claim_channel, {"claim_channel": r.claim_channel,
                                                  "claimed": 0, "online": 0, "offline": 0})
        row["claimed"] += int(r.coupons)
        if r.redeem_channel in ("online", "offline"):
            row[r.redeem_channel] += int(r.coupons)
    for row in funnel.values():
        row["rate"] = (row["online"] + row["offline"]) / row["claimed"] if row["claimed"] else 0
    return sorted(funnel.values(), key=lambda r: r["claim_channel"], reverse=True)


def points_moved(db: Connection, start: datetime, end: datetime,
                 store_id: int | None = None) -> dict[str, int]:
    """Points earned (incl. pending) and redeemed in [start, end), by kind of entry."""
    query = (select(entries.c.kind, func.sum(entries.c.points).label("points"))
             .where(entries.c.created_at >= start, entries.c.created_at < end,
                    entries.c.kind.in_(("earn", "redeem", "expire", "reverse")))
             .group_by(entries.c.kind))
    if store_id is not None:
        query = query.where(entries.c.store_id == store_id)
    found = {r.kind: int(r.points or 0) for r in db.execute(query)}
    return {"earned": found.get("earn", 0), "redeemed": -found.get("redeem", 0),
            "expired": -found.get("expire", 0), "reversed": -found.get("reverse", 0)}
