"""Computed traits as a flat view, and tag rules evaluated over it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from datong.profiles.facts import Stats

_OPS = {
    "_gte": lambda a, b: a >= b, "_lte": lambda a, b: a <= b,
    "_gt": lambda a, b: a > b, "_lt": lambda a, b: a < b,
}


class TagRule(BaseModel):
    """A tag given to every person whose computed traits meet all conditions of `when`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    when: dict[str, Any] = Field(min_length=1, description="computed trait [_gte|_lte|_gt|_lt]")

    @field_validator("when")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if _split(key)[0] not in FLAT_FIELDS:
                raise ValueError(f"unknown computed trait {key!r}; known: {', '.join(FLAT_FIELDS)}")
        return value


def _split(key: str) -> tuple[str, str | None]:
    for suffix in _OPS:
        if key.endswith(suffix):
            return key.removesuffix(suffix), suffix
    return key, None


def favourite_store(s: Stats) -> str | None:
    """The store with the most orders, then visits (ties: the smallest code)."""
    busy = [(-o, -v, code) for code, (o, v) in s.stores.items() if o or v]
    return min(busy)[2] if busy else None


def channel_preference(s: Stats) -> str | None:
    if s.online_orders and s.offline_orders:
        return "omnichannel"
    if s.online_orders or s.offline_orders:
        return "online" if s.online_orders else "offline"
    return None


def _average(spend: int, orders: int) -> int | None:
    return spend // orders if orders else None


def flat(s: Stats, now: datetime) -> dict[str, Any]:
    """The computed traits rules and segments read, one level deep."""
    orders, spend = s.online_orders + s.offline_orders, s.online_spend + s.offline_spend
    return {
        "orders_total": orders, "spend_total": spend,
        "average_order_value": _average(spend, orders),
        "online_orders": s.online_orders, "offline_orders": s.offline_orders,
        "online_spend": s.online_spend, "offline_spend": s.offline_spend,
        "favourite_store": favourite_store(s), "channel_preference": channel_preference(s),
        "recency_days": (now - s.last_order_at).days if s.last_order_at else None,
    }


FLAT_FIELDS = tuple(flat(Stats(), datetime.now()))

DEFAULT_TAG_RULES = [
    TagRule(name="omnichannel", when={"channel_preference": "omnichannel"}),
    TagRule(name="vip", when={"spend_total_gte": 500_000}),
]


def matches(rule: TagRule, view: dict[str, Any]) -> bool:
    for key, expected in rule.when.items():
        name, op = _split(key)
        actual = view.get(name)
        if op is None:
            if actual != expected:
                return False
        elif actual is None or not _OPS[op](actual, expected):
            return False
    return True


def rule_tags(rules: list[TagRule], s: Stats, now: datetime) -> set[str]:
    view = flat(s, now)
    return {rule.name for rule in rules if matches(rule, view)}
