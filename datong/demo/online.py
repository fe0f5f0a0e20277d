"""Online activities as messages: app, mini-program and web sessions, reviews, tablet sign-ins."""

from __future__ import annotations

from typing import Any

from datong.demo import contexts
from datong.demo.activities import ADDED, CHECKOUT, ORDERED, STORE_QR
from datong.demo.basket import COUPONS
from datong.demo.compose import PAYMENT_METHODS, Cast, Draws, Emitter, line_items, search_term
from datong.demo.people import APP, MINI, PLATFORMS, WEB

CHANNEL = ("app", "mini_program", "web")  # properties.channel of online orders
ORDER_PREFIX = ("HMA", "HMM", "HMW")
_REVIEWS = {
    5: ("质量很好，版型很正，已经回购了", "颜色和图片一致，面料很舒服", "导购推荐的，果然不错",
        "双11 囤货，性价比很高"),
    4: ("整体不错，物流稍微慢了一点", "上身效果好，就是有点薄", "包装精致，送人很合适"),
    3: ("一般般，尺码偏大一码", "和店里看到的颜色有点色差"),
    2: ("洗了一次就起球了", "做工一般，线头比较多"),
    1: ("和描述不符，已经申请退货", "客服回复太慢"),
}


def order_id(platform: int, store_code: str | None, order_no: int) -> str:
    if store_code is not None:
        return f"{store_code}-{order_no:08d}"
    return f"{ORDER_PREFIX[platform]}{order_no:08d}"


def anonymous_id(cast: Cast, person: int, platform: int, device: int) -> str:
    people = cast.people
    if platform == MINI:
        return people.mini_anon[person]
    if platform == WEB:
        return people.web_anon[person][device]
    return people.app_anon[person][device]


def session_context(cast: Cast, c: dict[str, list[Any]], i: int) -> dict[str, Any]:
    person, platform = c["person"][i], c["platform"][i]
    store, staff = c["store"][i], c["staff"][i]
    found = None
    if c["campaign"][i] >= 0:
        clerk = cast.clerks[store][staff] if c["campaign"][i] == STORE_QR else None
        found = contexts.campaign(c["campaign"][i], clerk)
    if platform == APP:
        quarter = (c["t"][i] - cast.start_ts) // (92 * 86_400)
        return contexts.app_context(cast.people, person, c["device"][i], quarter, found)
    if platform == MINI:
        return contexts.mini_context(cast.people, person, c["t"][i], found)
    return contexts.web_context(cast.people, person, found)


def session(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    """Open, browse, maybe search, share, fill the cart, check out and pay."""
    person, platform, stage = c["person"][i], c["platform"][i], c["stage"][i]
    known = not c["anonymous"][i] and not c["login"][i]
    user = cast.people.user_id[person]
    e.switch(PLATFORMS[platform], c["t"][i] * 1000, user if known else None,
            anonymous_id(cast, person, platform, c["device"][i]), session_context(cast, c, i))
    _open(e, platform)
    login_late = c["login"][i] and stage >= CHECKOUT and next(d.unit) < 0.5
    if c["login"][i] and not login_late:
        _sign_in(e, cast, c, i, d)
    items = [p for p in c["items"][i] if p >= 0]
    if c["searched"][i]:
        query = search_term(cast.catalogue, items[0], next(d.unit))
        e.track("Products Searched", {"query": query})
    for v in range(c["views"][i]):
        product = items[v] if v < len(items) else next(d.products)
        _view(e, cast, platform, product)
    if c["shared"][i]:
        share = {**cast.catalogue.payloads[items[0]], "share_via": "wechat",
                 "share_message": "这件好看吗？"}
        e.track("Product Shared", share)
    if stage >= ADDED:
        _cart(e, cast, c, i)
    if login_late:
        _sign_in(e, cast, c, i, d)
    if stage >= CHECKOUT:
        _checkout(e, cast, c, i, d)
    if c["update"][i]:
        traits = {"email": cast.people.email[person]} if cast.people.email[person] else {}
        e.identify(user or "", {**traits, "city": cast.people.city[person], "updated": True})


def _open(e: Emitter, platform: int) -> None:
    if platform == WEB:
        e.page("首页", "/", "禾木 HEMU 官方商城")
        return
    e.track("Application Opened", {"from_background": False})
    e.screen("首页")


def _sign_in(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    person, platform = c["person"][i], c["platform"][i]
    junk = platform == WEB and next(d.unit) < 0.02
    traits = contexts.online_traits(cast.people, person, platform, junk)
    if c["campaign"][i] == STORE_QR:  # bound to the clerk whose QR code brought them
        traits["bound_store"] = cast.stores[c["store"][i]].code
        traits["bound_staff"] = cast.clerks[c["store"][i]][c["staff"][i]]
    e.identify(cast.people.user_id[person] or "", traits)


def _view(e: Emitter, cast: Cast, platform: int, product: int) -> None:
    payload = cast.catalogue.payloads[product]
    if platform == WEB:
        path = f"/p/{payload['product_id']}"
        e.page("商品详情", path, f"{payload['name']} - 禾木", referrer="https://shop.hemu.example/")
    else:
        e.screen("商品详情", {"product_id": payload["product_id"], "name": payload["name"]})
    e.track("Product Viewed", {**payload, "currency": "CNY"})


def _cart(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int) -> None:
    cart_id = f"cart-{e.base}"
    lines = line_items(cast.catalogue, c["items"][i], c["qty"][i])
    for line in lines:
        e.track("Product Added", {**line, "cart_id": cart_id, "currency": "CNY"})
    e.track("Cart Viewed", {"cart_id": cart_id, "products": lines})


def _checkout(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    platform = c["platform"][i]
    lines = line_items(cast.catalogue, c["items"][i], c["qty"][i])
    subtotal = sum(line["price"] * line["quantity"] for line in lines)
    discount, shipping, coupon = c["discount"][i], c["shipping"][i], c["coupon"][i]
    oid = order_id(platform, None, c["order_no"][i]) if c["stage"][i] == ORDERED else None
    started: dict[str, Any] = {
        "checkout_id": f"co-{e.base}", "value": subtotal, "revenue": subtotal - discount,
        "currency": "CNY", "products": lines,
    }
    if oid is not None:
        started["order_id"] = oid
    e.track("Checkout Started", started)
    if coupon >= 0:
        e.track("Coupon Applied", {
            "checkout_id": f"co-{e.base}", "cart_id": f"cart-{e.base}",
            "coupon_id": COUPONS[coupon].code, "coupon_name": COUPONS[coupon].code,
            "discount": discount,
        })
    if oid is None:
        return
    order: dict[str, Any] = {
        "order_id": oid, "checkout_id": f"co-{e.base}", "channel": CHANNEL[platform],
        "affiliation": f"禾木 {CHANNEL[platform]}",
        "subtotal": subtotal, "discount": discount, "shipping": shipping, "tax": 0,
        "revenue": subtotal - discount, "total": c["total"][i], "currency": "CNY",
        "payment_method": "wechat_pay" if platform == MINI else _payment(d),
        "products": lines,
    }
    if coupon >= 0:
        order["coupon"] = COUPONS[coupon].code
    e.track("Order Completed", order)


def _payment(d: Draws) -> str:
    return PAYMENT_METHODS[min(next(d.payments), 2)]


def review(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    person, platform = c["person"][i], c["platform"][i]
    e.switch(PLATFORMS[platform], c["t"][i] * 1000, cast.people.user_id[person],
            anonymous_id(cast, person, platform, c["device"][i]), session_context(cast, c, i))
    product = c["items"][i][0]
    rating = c["rating"][i]
    bodies = _REVIEWS[rating]
    if platform == WEB:
        path = f"/orders/{order_id(platform, None, c['order_no'][i])}/review"
        e.page("评价晒单", path, "评价晒单")
    else:
        e.screen("评价晒单")
    e.track("Product Reviewed", {
        "product_id": cast.catalogue.payloads[product]["product_id"],
        "name": cast.catalogue.payloads[product]["name"],
        "review_id": f"rv-{e.base}", "review_body": bodies[int(next(d.unit) * len(bodies))],
        "rating": rating, "order_id": order_id(platform, None, c["order_no"][i]),
    })


def tablet(e: Emitter, cast: Cast, c: dict[str, list[Any]], i: int, d: Draws) -> None:
    """A clerk looks products up with a customer on the store's tablet, signed in as them."""
    person, store = c["person"][i], cast.stores[c["store"][i]]
    clerk = cast.clerks[c["store"][i]][c["staff"][i]]
    e.switch("app", c["t"][i] * 1000, None, contexts.tablet_device(store.code),
            contexts.tablet_context(store.code))
    traits = contexts.online_traits(cast.people, person, APP, junk=False)
    e.identify(cast.people.user_id[person] or "", traits)
    for product in (c["items"][i][0], next(d.products)):
        e.track("Product Viewed", {**cast.catalogue.payloads[product], "currency": "CNY",
                                   "store_id": store.code, "assisted_by": clerk})
