"""Coupons over the HTTP API on SQLite and PostgreSQL: templates and versions, claiming,
limits and stock, clerks and stores, validate and redeem with every check, idempotency."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from datong.auth.tokens import create_token
from datong.errors import Conflict
from datong.offers.soldout import SoldOut
from tests.conftest import Cast, auth
from tests.offers_helpers import claim, create_template, iso, make_persons, redeem_body


def test_template_validation_names_the_field(client: TestClient, cast: Cast) -> None:
    h = auth(cast.marketer_token)
    cases = [
        ({"kind": "percent_off"}, "percent_off"),
        ({"kind": "threshold", "tiers": []}, "tiers"),
        ({"valid_days": None}, "valid_until"),
        ({"valid_until": iso(timedelta(days=3))}, "exactly one"),
        ({"amount_off": 12.5}, "amount_off"),
        ({"stores": ["NOPE"]}, "NOPE"),
        ({"kind": "points_exchange"}, "points_cost"),
        ({"channels": "moon"}, "channels"),
    ]
    for change, words in cases:
        body = {"name": "t", "kind": "amount_off", "amount_off": 500, "valid_days": 7, **change}
        r = client.post("/api/v1/coupons/templates", headers=h, json=body)
        assert r.status_code in (400, 404), (change, r.text)
        assert words in r.json()["error"]["message"], (change, r.text)
    clerk = client.post("/api/v1/coupons/templates", headers=auth(cast.clerk_a_token),
                        json={"name": "t", "kind": "amount_off", "amount_off": 5,
                              "valid_days": 1})
    assert clerk.status_code == 403


def test_issued_coupons_keep_the_terms_of_their_version(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, per_person_limit=2)
    alice, = make_persons(client, cast.app_key, 1)
    first = claim(client, cast.marketer_token, tpl["id"], alice).json()
    r = client.patch(f"/api/v1/coupons/templates/{tpl['id']}", headers=auth(cast.marketer_token),
                     json={"terms": {"amount_off": 8000}, "stock": 500})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["stock"] == 500
    second = claim(client, cast.marketer_token, tpl["id"], alice).json()
    assert (first["version"], first["terms"]["amount_off"]) == (1, 5000)
    assert (second["version"], second["terms"]["amount_off"]) == (2, 8000)
    h = auth(cast.clerk_a_token)
    for coupon, off in ((first, 5000), (second, 8000)):
        v = client.post("/api/v1/coupons/validate", headers=h, json={
            "code": coupon["code"], "order_amount": 40000, "channel": "offline",
            "store": "SH01"}).json()
        assert v["redeemable"] and v["discount"] == off and v["payable"] == 40000 - off
    versions = client.get(f"/api/v1/coupons/templates/{tpl['id']}/versions",
                          headers=auth(cast.marketer_token)).json()["data"]
    assert [v["version"] for v in versions] == [1, 2]
    bad = client.patch(f"/api/v1/coupons/templates/{tpl['id']}",
                       headers=auth(cast.marketer_token), json={"terms": {"percent_off": 300}})
    assert bad.status_code == 400 and "terms.percent_off" in bad.json()["error"]["message"]
    low = client.patch(f"/api/v1/coupons/templates/{tpl['id']}",
                       headers=auth(cast.marketer_token), json={"stock": 1})
    assert low.status_code == 400 and low.json()["error"]["field"] == "stock"


def test_claim_respects_per_person_limit_and_stock(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, stock=3, per_person_limit=2)
    a, b, c = make_persons(client, cast.app_key, 3)
    assert claim(client, cast.marketer_token, tpl["id"], a).status_code == 201
    assert claim(client, cast.marketer_token, tpl["id"], a).status_code == 201
    third = claim(client, cast.marketer_token, tpl["id"], a)
    assert third.status_code == 409 and third.json()["error"]["code"] == "limit_reached"
    assert claim(client, cast.marketer_token, tpl["id"], b).status_code == 201
    out = claim(client, cast.marketer_token, tpl["id"], c)
    assert out.status_code == 409 and out.json()["error"]["code"] == "out_of_stock"
    shown = client.get(f"/api/v1/coupons/templates/{tpl['id']}",
                       headers=auth(cast.marketer_token)).json()
    assert (shown["issued"], shown["remaining"], shown["coupons"]["issued"]) == (3, 0, 3)
    sold_out = claim(client, cast.marketer_token, tpl["id"], "phone:+8613900000999")
    assert sold_out.json()["error"]["code"] == "out_of_stock"  # refused before any look-up
    other = create_template(client, cast.marketer_token)
    unknown = claim(client, cast.marketer_token, other["id"], "phone:+8613900000999")
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "person"


def test_a_sold_out_template_is_remembered_until_its_stock_is_raised(
        client: TestClient, cast: Cast) -> None:
    """A storm's refusals are answered from memory for a second; raising the stock through
    the API makes the template claimable at once, and a retried claim with its idempotency
    key still finds its coupon."""
    tpl = create_template(client, cast.marketer_token, stock=1, per_person_limit=1)
    a, b = make_persons(client, cast.app_key, 2)
    first = claim(client, cast.marketer_token, tpl["id"], a, idempotency_key="k-a")
    assert first.status_code == 201
    for _ in range(2):  # found sold out, then refused from memory: the same answer
        out = claim(client, cast.marketer_token, tpl["id"], b)
        assert out.status_code == 409 and out.json()["error"]["code"] == "out_of_stock"
    again = claim(client, cast.marketer_token, tpl["id"], a, idempotency_key="k-a")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    raised = client.patch(f"/api/v1/coupons/templates/{tpl['id']}",
                          headers=auth(cast.marketer_token), json={"stock": 2})
    assert raised.status_code == 200, raised.text
    assert claim(client, cast.marketer_token, tpl["id"], b).status_code == 201


def test_sold_out_memory_lasts_its_seconds() -> None:
    now = [100.0]
    memo = SoldOut(seconds=1.0, clock=lambda: now[0])
    memo.check(7)  # nothing known: no refusal
    memo.note(7)
    with pytest.raises(Conflict) as refused:
        memo.check(7)
    assert refused.value.code == "out_of_stock"
    memo.check(8)
    now[0] += 1.5
    memo.check(7)  # forgotten after its second: the database decides again


def test_claim_idempotency_key_issues_once(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, per_person_limit=5)
    a, = make_persons(client, cast.app_key, 1)
    one = claim(client, cast.marketer_token, tpl["id"], a, idempotency_key="app-req-1")
    two = claim(client, cast.marketer_token, tpl["id"], a, idempotency_key="app-req-1")
    assert (one.status_code, two.status_code) == (201, 200)
    assert one.json()["id"] == two.json()["id"] and two.json()["created"] is False
    other = create_template(client, cast.marketer_token)
    reuse = claim(client, cast.marketer_token, other["id"], a, idempotency_key="app-req-1")
    assert reuse.status_code == 409 and reuse.json()["error"]["code"] == "idempotency_key_reused"


def test_paused_and_ended_templates_issue_nothing(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token)
    a, = make_persons(client, cast.app_key, 1)
    client.patch(f"/api/v1/coupons/templates/{tpl['id']}", headers=auth(cast.marketer_token),
                 json={"status": "paused"})
    r = claim(client, cast.marketer_token, tpl["id"], a)
    assert r.status_code == 409 and r.json()["error"]["code"] == "template_inactive"


def test_clerk_issues_in_their_store_only(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, per_person_limit=3)
    a, = make_persons(client, cast.app_key, 1)
    clerk = auth(cast.clerk_a_token)
    ok = client.post("/api/v1/coupons/claim", headers=clerk, json={
        "template_id": tpl["id"], "person": a, "channel": "offline", "store": "SH01"})
    assert ok.status_code == 201, ok.text
    assert (ok.json()["source"], ok.json()["claim_channel"], ok.json()["claim_store"]) == (
        "clerk", "offline", "SH01")
    other = client.post("/api/v1/coupons/claim", headers=clerk, json={
        "template_id": tpl["id"], "person": a, "channel": "offline", "store": "BJ01"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "wrong_store"
    online = client.post("/api/v1/coupons/claim", headers=clerk, json={
        "template_id": tpl["id"], "person": a})
    assert online.status_code == 403
    nostore = client.post("/api/v1/coupons/claim", headers=clerk, json={
        "template_id": tpl["id"], "person": a, "channel": "offline"})
    assert nostore.status_code == 400 and nostore.json()["error"]["field"] == "store"


def test_bulk_issue_reports_each_person_and_replays_nothing(client: TestClient,
                                                           cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, stock=3)
    persons = make_persons(client, cast.app_key, 4)
    body = {"template_id": tpl["id"], "persons": [*persons, "phone:+8613900000999", "x"],
            "idempotency_key": "nov-campaign"}
    r = client.post("/api/v1/coupons/issue", headers=auth(cast.marketer_token), json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["issued"]) == 3
    assert sorted(x["code"] for x in out["refused"]) == ["invalid", "not_found", "out_of_stock"]
    again = client.post("/api/v1/coupons/issue", headers=auth(cast.marketer_token),
                        json=body).json()
    assert len(again["already_issued"]) == 3 and again["issued"] == []


def test_redeem_in_store_once_with_replay_and_events(client: TestClient, cast: Cast,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    tpl = create_template(client, cast.marketer_token, stores=["SH01"])
    a, = make_persons(client, cast.app_key, 1)
    coupon = claim(client, cast.marketer_token, tpl["id"], a).json()
    clerk = auth(cast.clerk_a_token)
    with caplog.at_level(logging.INFO, logger="datong.offers"):
        first = client.post("/api/v1/coupons/redeem", headers=clerk,
                            json=redeem_body(coupon["code"], "SH01-1", key="pos-77"))
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["discount"], body["payable"], body["replayed"]) == (5000, 35000, False)
    assert coupon["code"] not in caplog.text and coupon["code"][:2] + "…" in caplog.text
    replay = client.post("/api/v1/coupons/redeem", headers=clerk,
                         json=redeem_body(coupon["code"], "SH01-1", key="pos-77"))
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    assert replay.json()["redemption_id"] == body["redemption_id"]
    assert replay.json()["redeemed_at"] == body["redeemed_at"]
    twice = client.post("/api/v1/coupons/redeem", headers=clerk,
                        json=redeem_body(coupon["code"], "SH01-2", key="pos-78"))
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_redeemed"
    assert "in store SH01" in twice.json()["error"]["message"]
    reused = client.post("/api/v1/coupons/redeem", headers=clerk,
                         json=redeem_body(coupon["code"], "SH01-9", key="pos-77"))
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    events = client.get("/api/v1/domain-events", headers=auth(cast.admin_token)).json()["data"]
    names = [(e["name"], e["channel"], e["store_id"]) for e in events
             if e["name"].startswith("Coupon")]
    assert names == [("Coupon Claimed", "online", None),
                     ("Coupon Redeemed", "offline", cast.store_a)]
    redeemed = [e for e in events if e["name"] == "Coupon Redeemed"][0]
    assert redeemed["properties"]["claim_channel"] == "online"
    assert coupon["code"] not in str(events)


def test_clerk_of_another_store_and_wrong_channel_are_refused(client: TestClient,
                                                             cast: Cast, engine) -> None:
    tpl = create_template(client, cast.marketer_token, channels="offline", per_person_limit=2)
    a, = make_persons(client, cast.app_key, 1)
    coupon = claim(client, cast.marketer_token, tpl["id"], a).json()
    with engine.begin() as db:
        clerk_b = create_token(db=db, name="clerk-b", role="clerk", store_id=cast.store_b)
    r = client.post("/api/v1/coupons/redeem", headers=auth(clerk_b),
                    json=redeem_body(coupon["code"], "o1", store="SH01"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_store"
    online = client.post("/api/v1/coupons/redeem", headers=auth(cast.marketer_token),
                         json=redeem_body(coupon["code"], "o1", channel="online", store=None))
    assert online.status_code == 409 and online.json()["error"]["code"] == "wrong_channel"
    clerk_online = client.post("/api/v1/coupons/redeem", headers=auth(clerk_b),
                               json=redeem_body(coupon["code"], "o1", channel="online"))
    assert clerk_online.status_code == 403
    ok = client.post("/api/v1/coupons/redeem", headers=auth(clerk_b),
                     json=redeem_body(coupon["code"], "o1", store="BJ01"))
    assert ok.status_code == 200, ok.text


def test_each_check_gives_its_reason(client: TestClient, cast: Cast) -> None:
    h = auth(cast.clerk_a_token)
    a, b = make_persons(client, cast.app_key, 2)
    scoped = create_template(client, cast.marketer_token, stores=["BJ01"])
    early = create_template(client, cast.marketer_token, valid_days=None,
                            valid_from=iso(timedelta(days=2)),
                            valid_until=iso(timedelta(days=9)))
    cases = [(scoped, 40000, "store_not_allowed"), (early, 40000, "not_yet_valid"),
             (create_template(client, cast.marketer_token), 29999, "below_min_spend")]
    for tpl, amount, reason in cases:
        code = claim(client, cast.marketer_token, tpl["id"], a).json()["code"]
        v = client.post("/api/v1/coupons/validate", headers=h, json={
            "code": code, "order_amount": amount, "channel": "offline", "store": "SH01"})
        assert v.status_code == 200 and v.json()["redeemable"] is False
        assert v.json()["reason"]["code"] == reason
        r = client.post("/api/v1/coupons/redeem", headers=h,
                        json=redeem_body(code, f"o-{reason}", amount=amount))
        assert r.status_code == 409 and r.json()["error"]["code"] == reason, r.text
    unknown = client.post("/api/v1/coupons/redeem", headers=h,
                          json=redeem_body("23456789ABCDEF", "o-x"))
    assert unknown.status_code in (400, 404)


def test_discounts_of_each_kind(client: TestClient, cast: Cast) -> None:
    a, = make_persons(client, cast.app_key, 1)
    kinds = [
        ({"kind": "percent_off", "percent_off": 20, "max_discount": 3000, "min_spend": 0,
          "amount_off": None}, [(10000, 2000), (50000, 3000)]),
        ({"kind": "threshold", "tiers": [{"spend": 20000, "off": 2000},
                                         {"spend": 50000, "off": 8000}], "min_spend": 0,
          "amount_off": None}, [(25000, 2000), (60000, 8000)]),
        ({"kind": "free_gift", "gift": "GIFT-TOTE", "min_spend": 0, "amount_off": None},
         [(100, 0)]),
    ]
    h = auth(cast.clerk_a_token)
    for change, expected in kinds:
        tpl = create_template(client, cast.marketer_token, **change)
        code = claim(client, cast.marketer_token, tpl["id"], a).json()["code"]
        for amount, off in expected:
            v = client.post("/api/v1/coupons/validate", headers=h, json={
                "code": code, "order_amount": amount, "channel": "offline",
                "store": "SH01"}).json()
            assert (v["redeemable"], v["discount"]) == (True, off), (change, v)
    below = client.post("/api/v1/coupons/validate", headers=h, json={
        "code": code, "order_amount": 10, "channel": "offline", "store": "SH01"}).json()
    assert below["gift"] == "GIFT-TOTE"


def test_qr_redeems_and_a_forged_qr_is_refused(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token)
    a, b = make_persons(client, cast.app_key, 2)
    mine = claim(client, cast.marketer_token, tpl["id"], a).json()
    theirs = claim(client, cast.marketer_token, tpl["id"], b).json()
    h = auth(cast.clerk_a_token)
    prefix, _, mac = mine["qr"].split(".")
    forged = f"{prefix}.{theirs['code']}.{mac}"
    for payload in (forged, mine["qr"] + "x", "DT1.ABC.def"):
        body = redeem_body(mine["code"], "q1")
        body.pop("code")
        r = client.post("/api/v1/coupons/redeem", headers=h, json={**body, "qr": payload})
        assert r.status_code == 400 and r.json()["error"]["code"] == "forged_qr", r.text
    body = redeem_body(mine["code"], "q1")
    body.pop("code")
    ok = client.post("/api/v1/coupons/redeem", headers=h, json={**body, "qr": mine["qr"]})
    assert ok.status_code == 200, ok.text
    both = client.post("/api/v1/coupons/validate", headers=h, json={
        "code": mine["code"], "qr": mine["qr"], "order_amount": 1, "channel": "offline",
        "store": "SH01"})
    assert both.status_code == 400
    svg = client.get(f"/api/v1/coupons/{mine['id']}/qr.svg", headers=auth(cast.marketer_token))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg")


def test_stacking_on_one_order(client: TestClient, cast: Cast) -> None:
    a, = make_persons(client, cast.app_key, 1)
    alone = create_template(client, cast.marketer_token)
    stack = create_template(client, cast.marketer_token, stacks=True, amount_off=1000,
                            min_spend=0)
    c1 = claim(client, cast.marketer_token, alone["id"], a).json()["code"]
    s1 = claim(client, cast.marketer_token, stack["id"], a).json()["code"]
    s2 = create_template(client, cast.marketer_token, stacks=True, amount_off=500, min_spend=0)
    s2c = claim(client, cast.marketer_token, s2["id"], a).json()["code"]
    h = auth(cast.clerk_a_token)
    assert client.post("/api/v1/coupons/redeem", headers=h,
                       json=redeem_body(s1, "ord-1", key="a")).status_code == 200
    no = client.post("/api/v1/coupons/redeem", headers=h, json=redeem_body(c1, "ord-1", key="b"))
    assert no.status_code == 409 and no.json()["error"]["code"] == "does_not_stack"
    v = client.post("/api/v1/coupons/validate", headers=h, json={
        "code": c1, "order_amount": 40000, "channel": "offline", "store": "SH01",
        "order_id": "ord-1"}).json()
    assert v["reason"]["code"] == "does_not_stack"
    yes = client.post("/api/v1/coupons/redeem", headers=h,
                      json=redeem_body(s2c, "ord-1", key="c"))
    assert yes.status_code == 200, yes.text
    assert client.post("/api/v1/coupons/redeem", headers=h,
                       json=redeem_body(c1, "ord-2", key="d")).status_code == 200


def test_online_checkout_redeems_and_wallet_lists(client: TestClient, cast: Cast) -> None:
    tpl = create_template(client, cast.marketer_token, channels="online")
    a, = make_persons(client, cast.app_key, 1)
    code = claim(client, cast.marketer_token, tpl["id"], a).json()["code"]
    shop = auth(cast.marketer_token)
    r = client.post("/api/v1/coupons/redeem", headers=shop,
                    json=redeem_body(code, "web-1", channel="online", store=None))
    assert r.status_code == 200, r.text
    assert (r.json()["channel"], r.json()["store"]) == ("online", None)
    wallet = client.get("/api/v1/coupons", params={"person": a}, headers=shop).json()
    assert [c["status"] for c in wallet["data"]] == ["redeemed"]
    assert wallet["data"][0]["redemption"]["order_id"] == "web-1"
    instore = client.post("/api/v1/coupons/validate", headers=auth(cast.clerk_a_token), json={
        "code": code, "order_amount": 40000, "channel": "offline", "store": "SH01"}).json()
    assert instore["reason"]["code"] == "already_redeemed"


def test_tiers_and_points_come_from_the_membership(client: TestClient, cast: Cast) -> None:
    """A tier-only coupon needs a member of that tier; a points exchange needs a member with
    the points: both refusals are clear and issue nothing; an exchange takes the points and
    issues the coupon together, once per idempotency key."""
    a, b = make_persons(client, cast.app_key, 2)
    shop = auth(cast.marketer_token)
    gold = create_template(client, cast.marketer_token, eligible_tiers=["gold"])
    r = claim(client, cast.marketer_token, gold["id"], a)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible"
    assert "no membership" in r.json()["error"]["message"]
    points = create_template(client, cast.marketer_token, kind="points_exchange",
                             points_cost=2000, min_spend=0)
    body = {"template_id": points["id"], "person": a, "idempotency_key": "x-1"}
    r = client.post("/api/v1/coupons/exchange", headers=shop, json=body)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_a_member"

    r = client.post("/api/v1/members", headers=shop, json={"phone": a.removeprefix("phone:")})
    assert r.status_code == 201, r.text
    member = r.json()
    r = client.post("/api/v1/coupons/exchange", headers=shop, json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
    assert client.get("/api/v1/coupons", params={"person": a},
                      headers=shop).json()["data"] == []  # nothing issued without the points
    r = claim(client, cast.marketer_token, gold["id"], a)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_eligible", r.text

    r = client.post(f"/api/v1/members/{member['member_no']}/points/adjust",
                    headers=auth(cast.admin_token),
                    json={"points": 2500, "reason": "goodwill", "idempotency_key": "adj-1"})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/coupons/exchange", headers=shop, json=body)
    assert r.status_code == 201, r.text
    assert (r.json()["points_spent"], r.json()["points_balance"]) == (2000, 500)
    again = client.post("/api/v1/coupons/exchange", headers=shop, json=body)
    assert again.status_code == 200 and again.json()["points_spent"] == 0
    assert again.json()["code"] == r.json()["code"]
    assert client.get(f"/api/v1/members/{member['member_no']}",
                      headers=shop).json()["points"]["balance"] == 500
    wallet = client.get("/api/v1/coupons", params={"person": a}, headers=shop).json()["data"]
    assert len(wallet) == 1
    plain = create_template(client, cast.marketer_token)
    r = client.post("/api/v1/coupons/exchange", headers=shop,
                    json={**body, "template_id": plain["id"], "idempotency_key": "x-2"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_for_points"
    r = claim(client, cast.marketer_token, gold["id"], b)
    assert r.status_code == 403
