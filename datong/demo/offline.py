"""Offline facts as messages: store visits from the door sensors, enrolments and receipts
from the POS, and refunds of either kind of order. Same Segment spec as online."""

from __future__ import annotations

import zlib
from typing import Any

from datong.demo import contexts
from datong.demo.activities import ORDERED
from datong.demo.basket import COUPONS
from datong.demo.compose import PAYMENT_METHODS, Cast, Draws, Emitter, line_items
from datong.demo.identities import JUNK_PHONES
from datong.demo.online import CHANNEL, anonymous_id, order_id
from datong.demo.people import PLATFORMS, WALKIN

_SENSOR_CONTEXT = {"library": {"name": "hemu-store-sensors", "version": "2.3.1"}}
_POS_LIBRARY = {"name": "hemu-pos-connector", "version": "3.2.0"}
# One member receipt in this many (4 %) is rung up under the previous customer's member number
# (the till kept the last scan) with this customer's phone on the e-receipt: identity must
# refuse to join the two members and log the conflict.
STALE_SCAN_EVERY = 25


def visit(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    """The door sensor sees the visit; the POS enrols a member and rings up the purchase."""
    person, store = c["person"][i], cast.stores[c["store"][i]]
    member = cast.people.member_id[person]
    start_ms, dwell = c["t"][i] * 1000, c["dwell"][i]
    checked_in = member is not None and next(d.unit) < 0.6  # scanned the member code at the door
    e.switch("store-sensors", start_ms, member if checked_in else None,
            None if checked_in else cast.people.wifi_id[person], _SENSOR_CONTEXT)
    e.track("Store Visited", {
        "store_id": store.code, "store_name": store.name, "dwell_seconds": dwell,
        "entrance": "主入口", "channel": "store",
    })
    clerk = cast.clerks[c["store"][i]][c["staff"][i]]
    if c["login"][i] and member is not None:
        e.switch("pos", start_ms + dwell * 400, None, None, _pos_context(store.code))
        e.identify(member, contexts.store_traits(cast.people, person, store.code, clerk))
    if c["stage"][i] == ORDERED:
        _receipt(e, cast, c, i, d, clerk, start_ms + dwell * 850)


def _pos_context(store_code: str, traits: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"library": _POS_LIBRARY,
                           "device": {"id": f"POS-{store_code}-01", "type": "pos"}}
    if traits:
        ctx["traits"] = traits
    return ctx


def _buyer(cast: Cast, person: int, receipt: str, d: Draws) -> tuple[str | None, str | None,
                                                                      dict[str, Any]]:
    """(userId, anonymousId, context.traits) the till knows: a member number, a phone, or
    a placeholder number typed to get past the field."""
    member = cast.people.member_id[person]
    if member is not None:
        if zlib.crc32(receipt.encode()) % STALE_SCAN_EVERY == 0:
            return _stale_scan(cast, person, receipt)
        return member, None, {"member_id": member}
    if cast.people.phone_at_till[person] and cast.people.persona[person] != WALKIN:
        return None, f"pos-{receipt}", {"phone": contexts.till_phone(cast.people, person)}
    if next(d.unit) < 0.3:
        return None, f"pos-{receipt}", {"phone": JUNK_PHONES[int(next(d.unit) * 5)]}
    return None, f"pos-{receipt}", {}


def _receipt(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws, clerk: str,
             ms: int) -> None:
    person, store = c["person"][i], cast.stores[c["store"][i]]
    receipt = order_id(-1, store.code, c["order_no"][i])
    user, anon, traits = _buyer(cast, person, receipt, d)
    e.switch("pos", ms, user, anon, _pos_context(store.code, traits))
    lines = line_items(cast.catalogue, c["items"][i], c["qty"][i])
    subtotal = sum(line["price"] * line["quantity"] for line in lines)
    method = PAYMENT_METHODS[next(d.payments)]
    order: dict[str, Any] = {
        "order_id": receipt, "channel": "store", "store_id": store.code,
        "affiliation": store.name, "staff_id": clerk, "subtotal": subtotal,
        "discount": c["discount"][i], "tax": 0, "revenue": c["total"][i],
        "total": c["total"][i], "currency": "CNY", "payment_method": method,
        "products": lines,
    }
    if method in ("wechat_pay", "alipay"):
        order["payment_account"] = cast.people.pay_account[person]  # datong keeps a keyed hash
    if c["coupon"][i] >= 0:
        order["coupon"] = COUPONS[c["coupon"][i]].code
    e.track("Order Completed", order)


def _stale_scan(cast: Cast, person: int, receipt: str) -> tuple[str | None, str | None,
                                                               dict[str, Any]]:
    numbers = cast.people.member_id
    at = zlib.crc32(receipt[::-1].encode()) % len(numbers)
    for step in range(len(numbers)):
        other = numbers[(at + step) % len(numbers)]
        if other is not None and other != numbers[person]:
            return other, None, {"member_id": other,
                                 "phone": contexts.till_phone(cast.people, person)}
    return numbers[person], None, {"member_id": numbers[person]}


def refund(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    """Order Refunded from where the order was placed: the online shop or the store's POS."""
    person, platform, store_ix = c["person"][i], c["platform"][i], c["store"][i]
    partial = c["partial"][i]
    lines = line_items(cast.catalogue, c["items"][i], c["qty"][i], first_only=partial)
    body: dict[str, Any] = {"total": c["total"][i], "currency": "CNY", "products": lines,
                            "reason": "尺码不合适" if partial else "不想要了"}
    if store_ix >= 0:
        store = cast.stores[store_ix]
        receipt = order_id(-1, store.code, c["order_no"][i])
        member = cast.people.member_id[person]
        e.switch("pos", c["t"][i] * 1000, member, None if member else f"pos-{receipt}",
                _pos_context(store.code))
        e.track("Order Refunded", {"order_id": receipt, "channel": "store",
                                   "store_id": store.code, **body})
        return
    e.switch(PLATFORMS[platform], c["t"][i] * 1000, cast.people.user_id[person],
            anonymous_id(cast, person, platform, c["device"][i]), None)
    e.track("Order Refunded", {"order_id": order_id(platform, None, c["order_no"][i]),
                               "channel": CHANNEL[platform], **body})
