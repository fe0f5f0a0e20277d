"""A coupon template's terms (what one version promises) and the discount they give.

Money is integer fen. Percent off is whole percent (20 = 20 % off, 八折). A threshold coupon
(满减) has tiers: the best tier the order reaches applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datong.bounds import MAX_POINTS, Fen

Kind = Literal["amount_off", "percent_off", "threshold", "free_gift", "points_exchange"]
Channels = Literal["online", "offline", "both"]


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spend: Fen = Field(gt=0, description="order amount (fen) from which this tier applies")
    off: Fen = Field(gt=0, description="discount (fen) of this tier")


class Terms(BaseModel):
    """Everything that decides whether and how a coupon of this version may be used."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    amount_off: Fen | None = Field(None, gt=0,
                                   description="fen off (amount_off, points_exchange)")
    percent_off: int | None = Field(None, ge=1, le=99, description="whole percent off")
    max_discount: Fen | None = Field(None, gt=0, description="cap in fen on a percent discount")
    tiers: tuple[Tier, ...] = ()
    gift: str | None = Field(None, max_length=200, description="the free gift (SKU or name)")
    min_spend: Fen = Field(0, description="order amount (fen) needed to redeem")
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = Field(None, ge=1, le=3660, description="days valid after claim")
    channels: Channels = "both"
    stores: tuple[str, ...] = Field((), description="store codes; empty = every store")
    stacks: bool = Field(False, description="may be used with other coupons on one order")
    eligible_tiers: tuple[str, ...] = Field((), description="member tiers that may claim")
    points_cost: int | None = Field(None, gt=0, le=MAX_POINTS,
                                    description="points it can be exchanged for")
    restore_on_refund: bool = Field(True, description="a refunded order gives it back")

    @model_validator(mode="after")
    def _consistent(self) -> Terms:
        _check_benefit(self)
        _check_validity(self)
        return self


def _check_benefit(t: Terms) -> None:
    need = {"amount_off": "amount_off", "points_exchange": "amount_off",
            "percent_off": "percent_off", "free_gift": "gift"}
    if t.kind in need and getattr(t, need[t.kind]) is None:
        raise ValueError(f"a {t.kind} coupon needs {need[t.kind]}")
    if t.kind == "threshold" and not t.tiers:
        raise ValueError("a threshold coupon needs tiers, e.g. [{\"spend\": 30000, \"off\": 5000}]")
    if t.kind == "points_exchange" and t.points_cost is None:
        raise ValueError("a points_exchange coupon needs points_cost")
    for tier in t.tiers:
        if tier.off >= tier.spend:
            raise ValueError(f"a tier's off ({tier.off}) must be below its spend ({tier.spend})")
    if t.kind == "amount_off" and t.min_spend and t.amount_off and t.amount_off > t.min_spend:
        raise ValueError("amount_off above min_spend would pay the customer")


def _check_validity(t: Terms) -> None:
    for name in ("valid_from", "valid_until"):
        value = getattr(t, name)
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} needs a time zone offset, e.g. 2026-11-11T00:00:00+08:00")
    if (t.valid_until is None) == (t.valid_days is None):
        raise ValueError("give exactly one of valid_until (fixed dates) or valid_days "
                         "(days after claim)")
    if t.valid_from and t.valid_until and t.valid_until <= t.valid_from:
        raise ValueError("valid_until must be after valid_from")


def validity(terms: Terms, issued_at: datetime) -> tuple[datetime, datetime]:
    """The window a coupon issued now may be used in."""
    start = max(terms.valid_from, issued_at) if terms.valid_from else issued_at
    if terms.valid_days is not None:
        return start, issued_at + timedelta(days=terms.valid_days)
    assert terms.valid_until is not None
    return start, terms.valid_until


def discount(terms: Terms, amount: int) -> int:
    """Fen off an order of `amount` fen (0 below the minimum spend; never above the amount)."""
    if amount < terms.min_spend:
        return 0
    if terms.kind in ("amount_off", "points_exchange"):
        off = terms.amount_off or 0
    elif terms.kind == "percent_off":
        off = amount * (terms.percent_off or 0) // 100
        if terms.max_discount is not None:
            off = min(off, terms.max_discount)
    elif terms.kind == "threshold":
        reached = [t.off for t in terms.tiers if amount >= t.spend]
        off = max(reached, default=0)
    else:
        off = 0  # free gift: nothing off the amount
    return min(off, amount)


def threshold_floor(terms: Terms) -> int:
    """The least order amount that gives anything: min spend, or a threshold's first tier."""
    if terms.kind == "threshold":
        return max(terms.min_spend, min(t.spend for t in terms.tiers))
    return terms.min_spend


def allows_channel(terms: Terms, channel: str) -> bool:
    return terms.channels == "both" or terms.channels == channel
