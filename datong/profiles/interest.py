"""What a customer looked at, put in a cart or bought online lately: what a clerk needs to
recommend in store (线上买了衣服，到店推荐同款)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from datong.identity import service as identity
from datong.identity.tables import identifiers, observations
from datong.ingest.tables import events
from datong.store.types import utcnow

# Segment e-commerce events that show interest in products, strongest last.
KINDS = {"Product Viewed": "viewed", "Product Added": "carted", "Order Completed": "bought"}
WEIGHT = {"viewed": 1, "carted": 3, "bought": 5}
SCAN_LIMIT = 500  # newest online events looked at


@dataclass
class ProductInterest:
    product_id: str
    name: str
    category: str | None
    price: int | None
    last_at: datetime
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def strongest(self) -> str:
        return max(self.kinds, key=lambda k: WEIGHT[k])

    @property
    def score(self) -> int:
        return sum(WEIGHT[k] * n for k, n in self.kinds.items())


def _products(event: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    if event == "Order Completed":
        lines = props.get("products")
        return [p for p in lines if isinstance(p, dict)] if isinstance(lines, list) else []
    return [props]


def online_interest(*, db: Connection, person_id: int, days: int = 30,
                    limit: int = 8) -> dict[str, Any]:
    """The products of the person's recent online views, carts and orders (strongest and
    newest first) and the categories they point to, for a recommendation."""
    person = identity.current_person(db=db, person_id=person_id)
    linked = (select(observations.c.event_id)
              .join(identifiers, identifiers.c.id == observations.c.identifier_id)
              .where(identifiers.c.person_id == person, observations.c.status == "linked"))
    since = utcnow() - timedelta(days=days)
    rows = db.execute(select(events.c.event, events.c.timestamp, events.c.properties).where(
        events.c.id.in_(linked), events.c.channel == "online", events.c.type == "track",
        events.c.event.in_(list(KINDS)), events.c.timestamp >= since)
        .order_by(events.c.timestamp.desc()).limit(SCAN_LIMIT)).all()
    found: dict[str, ProductInterest] = {}
    for row in rows:
        props = row.properties if isinstance(row.properties, dict) else {}
        for product in _products(row.event, props):
            key = str(product.get("product_id") or product.get("sku") or "")
            if not key:
                continue
            item = found.get(key)
            if item is None:
                item = found[key] = ProductInterest(
                    key, str(product.get("name") or key), product.get("category"),
                    product.get("price") if isinstance(product.get("price"), int) else None,
                    row.timestamp)
            item.kinds[KINDS[row.event]] += 1
    ranked = sorted(found.values(), key=lambda p: (-WEIGHT[p.strongest], -p.score,
                                                   -p.last_at.timestamp()))
    categories = Counter[str]()
    for item in found.values():
        if item.category:
            categories[item.category] += item.score
    return {"person_id": person, "days": days, "products": ranked[:limit],
            "categories": [c for c, _ in categories.most_common(3)]}
