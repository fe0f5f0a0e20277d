"""Refunds give coupons back once (API and `Order Refunded` events); expiry."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.auth.tokens import create_token
from datong.offers.context import OffersContext
from datong.offers.restore import restore_order
from datong.settings import Settings
from datong.store.types import utcnow
from tests.conftest import Cast, auth
from tests.offers_helpers import claim, create_template, iso, make_persons, redeem_body


def _coupon(client: TestClient, cast: Cast, **terms: object) -> dict[str, object]:
    tpl = create_template(client, cast.marketer_token, **terms)
    person, = make_persons(client, cast.app_key, 1)
    return dict(claim(client, cast.marketer_token, tpl["id"], person).json())


def _redeem(client: TestClient, cast: Cast, code: object, order: str) -> None:
    r = client.post("/api/v1/coupons/redeem", headers=auth(cast.clerk_a_token),
                    json=redeem_body(str(code), order))
    assert r.status_code == 200, r.text


def _status(client: TestClient, cast: Cast, coupon_id: object) -> str:
    r = client.get(f"/api/v1/coupons/{coupon_id}", headers=auth(cast.marketer_token))
    return str(r.json()["status"])


def _events(client: TestClient, cast: Cast, name: str) -> list[dict[str, object]]:
    r = client.get("/api/v1/domain-events", params={"name": name},
                   headers=auth(cast.admin_token))
    return list(r.json()["data"])


def test_api_refund_restores_once_and_the_coupon_works_again(client: TestClient,
                                                             cast: Cast) -> None:
    coupon = _coupon(client, cast)
    _redeem(client, cast, coupon["code"], "SH01-100")
    h = auth(cast.clerk_a_token)
    first = client.post("/api/v1/coupons/restore", headers=h, json={"order_id": "SH01-100"})
    assert first.status_code == 200, first.text
    assert [c["coupon_id"] for c in first.json()["restored"]] == [coupon["id"]]
    again = client.post("/api/v1/coupons/restore", headers=h, json={"order_id": "SH01-100"})
    assert again.json()["restored"] == [] and again.json()["kept"] == []
    assert _status(client, cast, coupon["id"]) == "issued"
    restored = _events(client, cast, "Coupon Restored")
    assert len(restored) == 1
    assert (restored[0]["channel"], restored[0]["store_id"]) == ("offline", cast.store_a)
    _redeem(client, cast, coupon["code"], "SH01-101")  # usable again, on another order
    again = client.post("/api/v1/coupons/restore", headers=h, json={"order_id": "SH01-100"})
    assert again.json()["restored"] == []
    assert _status(client, cast, coupon["id"]) == "redeemed"


def test_refund_event_restores_and_a_replay_or_repeat_does_nothing(client: TestClient,
                                                                   cast: Cast) -> None:
    coupon = _coupon(client, cast)
    _redeem(client, cast, coupon["code"], "SH01-200")
    refund = {"type": "track", "anonymousId": "pos-customer", "event": "Order Refunded",
              "messageId": "refund-1",
              "properties": {"channel": "store", "store_id": "SH01", "order_id": "SH01-200",
                             "total": 40000}}
    for message_id in ("refund-1", "refund-1", "refund-2"):
        r = client.post("/v1/batch", auth=(cast.pos_key, ""),
                        json={"batch": [{**refund, "messageId": message_id}]})
        assert r.status_code == 200, r.text
    assert _status(client, cast, coupon["id"]) == "issued"
    events = _events(client, cast, "Coupon Restored")
    assert len(events) == 1 and events[0]["actor"] == "system"


def test_partial_refund_and_no_restore_templates_keep_the_coupon(client: TestClient,
                                                                cast: Cast) -> None:
    coupon = _coupon(client, cast)
    _redeem(client, cast, coupon["code"], "SH01-300")
    partial = {"type": "track", "anonymousId": "pos-customer", "event": "Order Refunded",
               "messageId": "refund-p", "properties": {
                   "order_id": "SH01-300", "total": 1000,
                   "products": [{"product_id": "SKU-1", "price": 1000, "quantity": 1}]}}
    client.post("/v1/batch", auth=(cast.pos_key, ""), json={"batch": [partial]})
    assert _status(client, cast, coupon["id"]) == "redeemed"
    final = _coupon(client, cast, restore_on_refund=False)
    _redeem(client, cast, final["code"], "SH01-301")
    r = client.post("/api/v1/coupons/restore", headers=auth(cast.marketer_token),
                    json={"order_id": "SH01-301"}).json()
    assert r["restored"] == [] and "does not give" in r["kept"][0]["reason"]
    assert _status(client, cast, final["id"]) == "redeemed"
    again = client.post("/api/v1/coupons/restore", headers=auth(cast.marketer_token),
                        json={"order_id": "SH01-301"}).json()
    assert again["kept"] == []


def test_another_store_cannot_restore(client: TestClient, cast: Cast, engine: Engine) -> None:
    coupon = _coupon(client, cast)
    _redeem(client, cast, coupon["code"], "SH01-400")
    with engine.begin() as db:
        clerk_b = create_token(db=db, name="clerk-b", role="clerk", store_id=cast.store_b)
    r = client.post("/api/v1/coupons/restore", headers=auth(clerk_b),
                    json={"order_id": "SH01-400"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_store"
    assert _status(client, cast, coupon["id"]) == "redeemed"


def test_refund_after_expiry_keeps_it(client: TestClient, cast: Cast, engine: Engine,
                                      settings: Settings) -> None:
    coupon = _coupon(client, cast, valid_days=1)
    _redeem(client, cast, coupon["code"], "SH01-500")
    with engine.begin() as db:
        out = restore_order(db=db, ctx=OffersContext.build(settings), order_id="SH01-500",
                            who="system", now=utcnow() + timedelta(days=2))
    assert out["restored"] == [] and out["kept"][0]["reason"] == "it has expired"


def test_expiry_job_marks_once_and_redeem_refuses(client: TestClient, cast: Cast) -> None:
    coupon = _coupon(client, cast, valid_days=1)
    keep = _coupon(client, cast, valid_days=None, valid_until=iso(timedelta(days=30)))
    admin = auth(cast.admin_token)
    later = {"now": iso(timedelta(days=2))}
    assert client.post("/api/v1/coupons/expire", headers=admin, json=later).json() == {
        "expired": 1}
    assert client.post("/api/v1/coupons/expire", headers=admin, json=later).json() == {
        "expired": 0}
    assert _status(client, cast, coupon["id"]) == "expired"
    assert _status(client, cast, keep["id"]) == "issued"
    r = client.post("/api/v1/coupons/redeem", headers=auth(cast.clerk_a_token),
                    json=redeem_body(str(coupon["code"]), "SH01-600"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "expired"
    expired = _events(client, cast, "Coupon Expired")
    assert [e["properties"]["coupon_id"] for e in expired] == [coupon["id"]]
    assert expired[0]["channel"] == "online"
    assert client.post("/api/v1/coupons/expire", headers=auth(cast.marketer_token),
                       json={}).status_code == 403
