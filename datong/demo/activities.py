"""The activity table: one row per online session, store visit, refund, review or tablet
session, as parallel numpy arrays so that a year of a large brand fits in a few arrays."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

SESSION, VISIT, REFUND, REVIEW, TABLET = range(5)
KINDS = ("session", "visit", "refund", "review", "tablet")
BROWSED, ADDED, CHECKOUT, ORDERED = range(4)

# Where an online session came from: context.campaign (utm_*) for attribution.
CAMPAIGNS = (
    ("wechat", "moments_ad", "朋友圈广告"), ("douyin", "feed", "抖音信息流"),
    ("xiaohongshu", "note", "小红书种草"), ("baidu", "cpc", "品牌词"),
    ("sms", "sms", "会员日短信"), ("push", "app_push", "App 推送"),
    ("store_qr", "offline", "导购二维码"),
)
CAMPAIGN_WEIGHTS = np.array([0.25, 0.2, 0.2, 0.1, 0.1, 0.15])
STORE_QR = 6


@dataclass
class Activities:
    t: np.ndarray  # int64 epoch seconds (UTC)
    person: np.ndarray
    kind: np.ndarray
    platform: np.ndarray  # APP, MINI, WEB for online kinds; -1 in store
    device: np.ndarray  # which of the person's two device ids (0 old phone, 1 new phone)
    store: np.ndarray  # store index, -1 online
    views: np.ndarray
    stage: np.ndarray  # BROWSED..ORDERED; a visit that ends in a purchase is ORDERED
    items: np.ndarray  # (n, 3) product indices, -1 padded
    qty: np.ndarray  # (n, 3)
    coupon: np.ndarray  # index into basket.COUPONS, -1 none
    discount: np.ndarray  # fen
    shipping: np.ndarray  # fen
    total: np.ndarray  # fen; for a refund, the amount refunded
    login: np.ndarray  # the session signs in (identify); a visit enrols a member
    anonymous: np.ndarray  # a session before the person ever signed in
    searched: np.ndarray
    shared: np.ndarray
    campaign: np.ndarray  # index into CAMPAIGNS, -1 direct
    staff: np.ndarray  # clerk index within the store, -1 none
    dwell: np.ndarray  # seconds in store
    order_no: np.ndarray  # unique per order; refunds and reviews point at their order's
    partial: np.ndarray  # a refund of the first line only
    rating: np.ndarray
    update: np.ndarray  # the session re-identifies with changed traits

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: Any) -> Activities:
        return Activities(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


_DEFAULTS: dict[str, tuple[Any, Any]] = {
    "platform": (np.int8, -1), "device": (np.int8, 0), "store": (np.int16, -1),
    "views": (np.int8, 0), "stage": (np.int8, 0), "coupon": (np.int8, -1),
    "discount": (np.int64, 0), "shipping": (np.int64, 0), "total": (np.int64, 0),
    "login": (bool, False), "anonymous": (bool, False), "searched": (bool, False),
    "shared": (bool, False), "campaign": (np.int8, -1), "staff": (np.int8, -1),
    "dwell": (np.int32, 0), "order_no": (np.int64, -1), "partial": (bool, False),
    "rating": (np.int8, 0), "update": (bool, False),
}


def make(t: np.ndarray, person: np.ndarray, kind: int, **columns: Any) -> Activities:
    """Activities of one kind; columns not given take their defaults."""
    n = len(t)
    values: dict[str, Any] = {
        "t": np.asarray(t, dtype=np.int64), "person": np.asarray(person, dtype=np.int32),
        "kind": np.full(n, kind, dtype=np.int8),
        "items": columns.pop("items", np.full((n, 3), -1, dtype=np.int32)),
        "qty": columns.pop("qty", np.zeros((n, 3), dtype=np.int8)),
    }
    for name, (dtype, default) in _DEFAULTS.items():
        given = columns.pop(name, None)
        values[name] = (np.full(n, default, dtype=dtype) if given is None
                        else np.broadcast_to(np.asarray(given, dtype=dtype), (n,)).copy())
    if columns:
        raise TypeError(f"unknown activity columns: {sorted(columns)}")
    return Activities(**values)


def concat(parts: list[Activities]) -> Activities:
    return Activities(**{
        f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Activities)
    })


def group_ranks(t: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For each row, how many rows of the same key group come before it in time."""
    order = np.lexsort((t, *reversed(keys)))
    changed = np.zeros(len(t), dtype=bool)
    if len(t):
        changed[0] = True
    for key in keys:
        ordered = key[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    position = np.arange(len(t))
    start = np.maximum.accumulate(np.where(changed, position, 0))
    ranks = np.empty(len(t), dtype=np.int64)
    ranks[order] = position - start
    return ranks
