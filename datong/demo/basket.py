"""What people look at and buy: products by taste and season, quantities, coupons, totals.

Vectorised: each function fills arrays for many sessions or visits at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from datong.demo.catalogue import Catalogue
from datong.demo.seasons import Calendar

MAX_ITEMS = 3
FREE_SHIPPING_FROM = 9_900  # fen
SHIPPING = 1_000


@dataclass(frozen=True)
class Coupon:
    code: str
    off: int  # fen, or percent when `percent`
    min_spend: int  # fen
    channel: str  # online | store
    promo_only: bool = False
    percent: bool = False


COUPONS: tuple[Coupon, ...] = (
    Coupon("NEW30", 3_000, 19_900, "online"),  # first order in the app
    Coupon("VIP50", 5_000, 39_900, "online"),
    Coupon("D11-100", 10_000, 59_900, "online", promo_only=True),  # 双11 / 618 满减
    Coupon("D11-30", 3_000, 29_900, "online", promo_only=True),
    Coupon("STORE20", 2_000, 19_900, "online"),  # handed out by a clerk, redeemed online
    Coupon("BDAY15", 15, 0, "online", percent=True),
    Coupon("APP30", 3_000, 29_900, "store"),  # claimed in the app, redeemed in a store
    Coupon("VIP50", 5_000, 39_900, "store"),
    Coupon("BDAY15", 15, 0, "store", percent=True),
)
_ONLINE_COUPONS = np.array([i for i, c in enumerate(COUPONS) if c.channel == "online"])
_STORE_COUPONS = np.array([i for i, c in enumerate(COUPONS) if c.channel == "store"])
_PROMO_ONLY = np.array([c.promo_only for c in COUPONS])
_OFF = np.array([c.off for c in COUPONS], dtype=np.int64)
_MIN = np.array([c.min_spend for c in COUPONS], dtype=np.int64)
_PERCENT = np.array([c.percent for c in COUPONS])


class Picker:
    """Draws products: mostly from a person's favourite category, else by seasonal popularity."""

    def __init__(self, catalogue: Catalogue, calendar: Calendar) -> None:
        self.catalogue = catalogue
        self.calendar = calendar
        sizes = np.array([len(ix) for ix in catalogue.by_category])
        self._cat_start = np.array([ix[0] for ix in catalogue.by_category])
        self._cat_len = sizes
        self._month_cdf = np.array([np.cumsum(catalogue.season_weights(m)) for m in range(1, 13)])

    def products(self, rng: np.random.Generator, favourite: np.ndarray, day: np.ndarray,
                 loyalty: float = 0.6) -> np.ndarray:
        n = len(favourite)
        own = self._cat_start[favourite] + (rng.random(n) * self._cat_len[favourite]).astype(int)
        month = self.calendar.month[np.clip(day, 0, self.calendar.days - 1)] - 1
        u = rng.random(n)
        seasonal = np.empty(n, dtype=np.int64)
        for m in np.unique(month):
            chosen = month == m
            cdf = self._month_cdf[m]
            seasonal[chosen] = np.searchsorted(cdf, u[chosen] * cdf[-1])
        seasonal = np.minimum(seasonal, len(self.catalogue) - 1)
        return np.where(rng.random(n) < loyalty, own, seasonal)

    def basket(self, rng: np.random.Generator, first: np.ndarray, favourite: np.ndarray,
               day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(items, quantities), each (n, MAX_ITEMS), -1 / 0 padded; item 0 is `first`."""
        n = len(first)
        count = rng.choice(np.arange(1, MAX_ITEMS + 1), n, p=[0.62, 0.28, 0.10])
        items = np.full((n, MAX_ITEMS), -1, dtype=np.int32)
        items[:, 0] = first
        for k in range(1, MAX_ITEMS):
            extra = self.products(rng, favourite, day, loyalty=0.4)
            items[:, k] = np.where(count > k, extra, -1)
        qty = rng.choice(np.arange(1, 4), (n, MAX_ITEMS), p=[0.88, 0.10, 0.02]).astype(np.int8)
        qty[items < 0] = 0
        return items, qty

    def subtotal(self, items: np.ndarray, qty: np.ndarray) -> np.ndarray:
        prices = np.where(items >= 0, self.catalogue.price[np.maximum(items, 0)], 0)
        return np.asarray((prices * qty).sum(axis=1), dtype=np.int64)


def coupons(rng: np.random.Generator, subtotal: np.ndarray, promo: np.ndarray, online: bool,
            chance: float) -> tuple[np.ndarray, np.ndarray]:
    """(coupon index or -1, discount in fen) for each order."""
    n = len(subtotal)
    pool = _ONLINE_COUPONS if online else _STORE_COUPONS
    pick = pool[rng.integers(0, len(pool), n)]
    wants = rng.random(n) < np.where(promo, min(chance * 2.5, 0.7), chance)
    usable = wants & (subtotal >= _MIN[pick]) & (~_PROMO_ONLY[pick] | promo)
    off = np.where(_PERCENT[pick], subtotal * _OFF[pick] // 100, _OFF[pick])
    discount = np.where(usable, np.minimum(off, subtotal), 0).astype(np.int64)
    return np.where(usable, pick, -1).astype(np.int8), discount


def shipping(net: np.ndarray) -> np.ndarray:
    return np.where(net < FREE_SHIPPING_FROM, SHIPPING, 0).astype(np.int64)
