"""The offers ingest hook: an `Order Refunded` event gives back the order's coupons, and an
`Order Completed` event may be the first order a pending referral waits for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from datong.offers.context import OffersContext
from datong.offers.referral import on_first_orders
from datong.offers.restore import restore_order
from datong.profiles.store import persons_of_events


def _order_id(row: dict[str, Any]) -> str | None:
    props = row.get("properties")
    value = props.get("order_id") if isinstance(props, dict) else None
    return str(value)[:100] if value not in (None, "") else None


def is_full_refund(row: dict[str, Any]) -> bool:
    """docs/events.md: `products` lists the refunded lines; empty or absent = the whole order."""
    products = (row.get("properties") or {}).get("products")
    return not products


class OffersHook:
    """Runs in the ingest transaction after identity and profiles (datong.pipeline)."""

    def __init__(self, ctx: OffersContext) -> None:
        self.ctx = ctx

    def __call__(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        refunds = [r for r in rows if r.get("event") == "Order Refunded" and _order_id(r)]
        for row in refunds:
            if is_full_refund(row):
                restore_order(db=db, ctx=self.ctx, order_id=str(_order_id(row)),
                              who="system", reason=f"Order Refunded event {row['id']}",
                              now=row.get("timestamp"))
        if self.ctx.settings.referral_trigger == "first_order":
            self._first_orders(db, rows)

    def _first_orders(self, db: Connection, rows: list[dict[str, Any]]) -> None:
        orders = [r["id"] for r in rows if r.get("event") == "Order Completed"]
        if not orders:
            return
        counts: dict[int, int] = {}
        for person in persons_of_events(db, orders).values():
            counts[person] = counts.get(person, 0) + 1
        on_first_orders(db, self.ctx, counts)
