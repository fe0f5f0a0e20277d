"""Earning from orders of every channel: one earning per order however often replayed,
pending points, proportional reversal on refunds, debts when points were already spent."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from datong.loyalty.tables import orders
from datong.outbox.service import list_events
from tests.conftest import Cast, auth
from tests.loyalty_helpers import ago, check_books, enrol, order, refund, set_program, track

PHONE = "13812345678"


def test_online_points_are_redeemed_in_store_and_store_points_online(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE, name="李雷")
    assert member["tier"] == "regular" and member["member_no"].startswith("M")
    track(client, cast.app_key, order("WEB-1", 12_900, phone=PHONE))  # ¥129 online
    track(client, cast.pos_key, order("SH01-1", 5_000, phone=PHONE, store="SH01"))
    got = client.get(f"/api/v1/members/{member['member_no']}", headers=auth(cast.clerk_a_token))
    assert got.status_code == 200, got.text
    assert got.json()["points"]["balance"] == 129 + 50
    # the clerk of store A spends the online points at the counter
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem",
                    headers=auth(cast.clerk_a_token),
                    json={"points": 150, "idempotency_key": "pos-SH01-77", "order_ref": "SH01-77"})
    assert r.status_code == 200, r.text
    assert r.json()["balance"] == 29 and r.json()["status"] == "spent"
    # and the app spends what was left, earned in store
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 29, "idempotency_key": "web-88", "order_ref": "WEB-88"})
    assert r.status_code == 200 and r.json()["balance"] == 0
    with engine.connect() as db:
        redeemed = list_events(db=db, name="Points Redeemed")
    assert [(e.channel, e.store_id, e.properties["points"]) for e in redeemed] == [
        ("offline", cast.store_a, 150), ("online", None, 29)]
    check_books(engine)


def test_replaying_an_order_earns_once(client: TestClient, cast: Cast, engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    sale = order("SH01-9", 79_800, phone=PHONE, store="SH01", message_id="pos-9")
    track(client, cast.pos_key, dict(sale))
    track(client, cast.pos_key, dict(sale))  # the same message again
    track(client, cast.pos_key, order("SH01-9", 79_800, phone=PHONE, store="SH01"))  # re-sent
    track(client, cast.app_key, order("SH01-9", 79_800, phone=PHONE))  # other source, same id
    body = client.get(f"/api/v1/members/{member['id']}/statement",
                      headers=auth(cast.admin_token)).json()
    earned = [e for e in body["data"] if e["kind"] == "earn"]
    assert [e["points"] for e in earned] == [798]
    assert body["member"]["points"]["balance"] == 798
    with engine.connect() as db:
        assert len(list_events(db=db, name="Points Earned")) == 1
    check_books(engine)


def test_partial_refund_reverses_in_proportion(client: TestClient, cast: Cast,
                                               engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-2", 30_000, phone=PHONE))  # 300 points
    line = [{"product_id": "SKU-1", "price": 10_000, "quantity": 1}]
    track(client, cast.app_key, refund("WEB-2", 10_000, products=line, refund_id="R1"))
    track(client, cast.app_key, refund("WEB-2", 10_000, products=line, refund_id="R1"))  # replay
    mid = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert mid["points"]["balance"] == 200
    track(client, cast.app_key, refund("WEB-2", 5_000, products=line, refund_id="R2"))
    assert client.get(f"/api/v1/members/{member['id']}",
                      headers=auth(cast.admin_token)).json()["points"]["balance"] == 150
    track(client, cast.app_key, refund("WEB-2", refund_id="R3"))  # the rest, no lines
    assert client.get(f"/api/v1/members/{member['id']}",
                      headers=auth(cast.admin_token)).json()["points"]["balance"] == 0
    with engine.connect() as db:
        row = db.execute(select(orders).where(orders.c.order_id == "WEB-2")).mappings().one()
    assert (row["refunded"], row["reversed"]) == (30_000, 300)
    check_books(engine)


def test_refund_after_spending_records_a_debt_repaid_later(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-3", 20_000, phone=PHONE))
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 150, "idempotency_key": "k1", "order_ref": "WEB-4"})
    assert r.status_code == 200, r.text
    track(client, cast.app_key, refund("WEB-3"))  # full: 200 to reverse, 50 left
    body = client.get(f"/api/v1/members/{member['id']}/statement",
                      headers=auth(cast.admin_token)).json()
    assert body["member"]["points"] == {"balance": 0, "spendable": 0, "held": 0,
                                        "pending": 0, "debt": 150}
    assert any("owed" in n for n in body["notes"])
    track(client, cast.app_key, order("WEB-5", 40_000, phone=PHONE))  # 400 earned
    points = client.get(f"/api/v1/members/{member['id']}",
                        headers=auth(cast.admin_token)).json()["points"]
    assert (points["balance"], points["debt"]) == (250, 0)
    check_books(engine)


def test_points_stay_pending_until_the_return_window_closes(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    set_program(client, cast.admin_token, return_window_days=7)
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-6", 10_000, phone=PHONE, when=ago(days=1)))
    points = client.get(f"/api/v1/members/{member['id']}",
                        headers=auth(cast.admin_token)).json()["points"]
    assert (points["balance"], points["pending"]) == (0, 100)
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 10, "idempotency_key": "k2", "order_ref": "X"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
    # a partial refund inside the window takes the pending points, nothing is owed
    track(client, cast.app_key, refund("WEB-6", 2_500, products=[{"price": 2_500}]))
    points = client.get(f"/api/v1/members/{member['id']}",
                        headers=auth(cast.admin_token)).json()["points"]
    assert (points["pending"], points["debt"]) == (75, 0)
    check_books(engine)


def test_multipliers_and_caps(client: TestClient, cast: Cast, engine: Engine) -> None:
    set_program(client, cast.admin_token, channel_multipliers={"offline": "2"},
                category_multipliers={"美妆": "3"}, store_multipliers={"SH01": "1.5"},
                caps={"per_order": 1_000, "per_day": 1_500})
    member = enrol(client, cast.admin_token, PHONE)
    lines = [{"price": 10_000, "quantity": 1, "category": "美妆"},
             {"price": 10_000, "quantity": 1, "category": "配饰"}]
    # (100×3 + 100×1) × 2 (store channel) × 1.5 (SH01) = 1200 → capped at 1000 per order
    track(client, cast.pos_key, order("SH01-5", 20_000, phone=PHONE, store="SH01",
                                      products=lines, when=ago(20)))
    # same day: only 500 more fit under the daily cap
    track(client, cast.app_key, order("WEB-7", 90_000, phone=PHONE, when=ago(20, hours=-1)))
    track(client, cast.app_key, order("WEB-8", 10_000, phone=PHONE, when=ago(10)))
    body = client.get(f"/api/v1/members/{member['id']}/statement",
                      headers=auth(cast.admin_token)).json()
    assert sorted(e["points"] for e in body["data"] if e["kind"] == "earn") == [100, 500, 1000]
    check_books(engine)


def test_orders_of_non_members_earn_nothing_and_bad_amounts_are_skipped(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    track(client, cast.app_key, order("WEB-9", 10_000, phone="13900001111"))
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-10", 99.5, phone=PHONE),  # type: ignore[arg-type]
          order("WEB-11", 10_000.0, phone=PHONE))  # type: ignore[arg-type]
    body = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert body["points"]["balance"] == 100
    with engine.connect() as db:
        ids = {r.order_id for r in db.execute(select(orders.c.order_id))}
    assert ids == {"WEB-11"}
    check_books(engine)


def test_tier_upgrades_on_cross_channel_spend(client: TestClient, cast: Cast,
                                              engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-12", 150_000, phone=PHONE))
    assert client.get(f"/api/v1/members/{member['id']}",
                      headers=auth(cast.admin_token)).json()["tier"] == "regular"
    track(client, cast.pos_key, order("SH01-12", 60_000, phone=PHONE, store="SH01"))
    got = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert got["tier"] == "silver"
    # silver earns ×1.2 from now on
    track(client, cast.pos_key, order("SH01-13", 10_000, phone=PHONE, store="SH01"))
    body = client.get(f"/api/v1/members/{member['id']}/statement",
                      headers=auth(cast.admin_token)).json()
    assert body["data"][0]["points"] == 120
    with engine.connect() as db:
        changed = list_events(db=db, name="Tier Changed")
    assert [(e.properties["from"], e.properties["to"]) for e in changed] == [
        ("regular", "silver")]
