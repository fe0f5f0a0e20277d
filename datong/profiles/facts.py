"""The profile rules, as pure functions over event rows: one fold for every path.

Money is integer fen. An `Order Completed` adds `properties.total` (else `revenue`) to the
spend of its event's channel and counts one order; an `Order Refunded` subtracts its
`total` (else `revenue`) from the spend of its own event's channel and does not change the
order count. Amounts that are not whole numbers count as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from datong.bounds import whole_fen

ORDER = "Order Completed"
REFUND = "Order Refunded"
VISIT = "Store Visited"
CHANNELS = ("online", "offline")
# Trait keys never copied into a profile: stored only hashed in the identity graph.
SECRET_TRAITS = frozenset({"payment_account", "card_number", "card_no"})


def amount(properties: Any) -> int:
    """The money of an order or refund in fen (see the module docstring)."""
    if not isinstance(properties, dict):
        return 0
    for key in ("total", "revenue"):
        value = whole_fen(properties.get(key))
        if value is not None:
            return value
    return 0


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


@dataclass
class Stats:
    """Computed counters of one person (see `profile_stats`)."""

    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    online_first_at: datetime | None = None
    online_last_at: datetime | None = None
    offline_first_at: datetime | None = None
    offline_last_at: datetime | None = None
    online_orders: int = 0
    offline_orders: int = 0
    online_spend: int = 0
    offline_spend: int = 0
    last_order_at: datetime | None = None
    stores: dict[str, list[int]] = field(default_factory=dict)  # code -> [orders, visits]

    def add(self, row: dict[str, Any]) -> None:
        """Fold one event row in (written out per channel: it runs for every event)."""
        when: datetime = row["timestamp"]
        if self.first_seen_at is None or when < self.first_seen_at:
            self.first_seen_at = when
        if self.last_seen_at is None or when > self.last_seen_at:
            self.last_seen_at = when
        offline = row["channel"] == "offline"
        if offline:
            if self.offline_first_at is None or when < self.offline_first_at:
                self.offline_first_at = when
            if self.offline_last_at is None or when > self.offline_last_at:
                self.offline_last_at = when
        else:
            if self.online_first_at is None or when < self.online_first_at:
                self.online_first_at = when
            if self.online_last_at is None or when > self.online_last_at:
                self.online_last_at = when
        if row["type"] != "track":
            return
        name = row["event"]
        if name == ORDER:
            money = amount(row["properties"])
            if offline:
                self.offline_orders += 1
                self.offline_spend += money
            else:
                self.online_orders += 1
                self.online_spend += money
            self.last_order_at = _latest(self.last_order_at, when)
        elif name == REFUND:
            if offline:
                self.offline_spend -= amount(row["properties"])
            else:
                self.online_spend -= amount(row["properties"])
        store = row.get("store_code")
        if store and name in (ORDER, VISIT):
            counts = self.stores.setdefault(store, [0, 0])
            counts[0 if name == ORDER else 1] += 1

    def combine(self, other: Stats) -> None:
        """Fold another person's counters in (a merge)."""
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "stores":
                for code, (orders, visits) in theirs.items():
                    counts = mine.setdefault(code, [0, 0])
                    counts[0] += orders
                    counts[1] += visits
            elif isinstance(mine, int) or isinstance(theirs, int):
                setattr(self, f.name, (mine or 0) + (theirs or 0))
            elif f.name.endswith("first_at") or f.name == "first_seen_at":
                setattr(self, f.name, _earliest(mine, theirs))
            else:
                setattr(self, f.name, _latest(mine, theirs))

    def moves_rules(self) -> bool:
        """Whether, as an increment, this changes what tag rules read (orders, spend,
        store counts; first/last seen times are not rule inputs)."""
        return bool(self.online_orders or self.offline_orders or self.online_spend
                    or self.offline_spend or self.stores or self.last_order_at)

    def copy(self) -> Stats:
        return replace(self, stores={k: list(v) for k, v in self.stores.items()})


COUNTER_COLUMNS = tuple(f.name for f in fields(Stats) if f.name != "stores")


def trait_sources(row: dict[str, Any]) -> dict[str, Any]:
    """The traits an event states: identify traits, then `context.traits` (the former win)."""
    found: dict[str, Any] = {}
    context = row.get("context")
    if isinstance(context, dict) and isinstance(context.get("traits"), dict):
        found.update(context["traits"])
    if row["type"] == "identify" and isinstance(row.get("traits"), dict):
        found.update(row["traits"])
    return {str(k)[:100]: v for k, v in found.items() if str(k).lower() not in SECRET_TRAITS}


Trait = tuple[Any, datetime, int]  # value, event time, event id


def newer(candidate: Trait, current: Trait | None) -> bool:
    """Latest event time wins; equal times go to the later event id."""
    return current is None or (candidate[1], candidate[2]) > (current[1], current[2])


def fold_traits(into: dict[str, Trait], row: dict[str, Any]) -> bool:
    """Apply an event's traits; whether anything changed."""
    changed = False
    for key, value in trait_sources(row).items():
        candidate = (value, row["timestamp"], row["id"])
        if newer(candidate, into.get(key)):
            into[key] = candidate
            changed = True
    return changed
