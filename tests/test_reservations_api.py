"""Reservations over the API on SQLite and PostgreSQL: experiences and slots, booking and
capacity, cancel, check-in by a clerk of the store (with a coupon), no-shows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.auth.tokens import create_token
from tests.conftest import Cast, auth
from tests.offers_helpers import create_template, iso, make_persons


def _experience(client: TestClient, cast: Cast, **extra: Any) -> dict[str, Any]:
    r = client.post("/api/v1/reservations/experiences", headers=auth(cast.marketer_token),
                    json={"store": "SH01", "name": "肌肤测试", "description": "20 分钟",
                          **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _slot(client: TestClient, cast: Cast, experience: int, start: timedelta,
          capacity: int = 2) -> dict[str, Any]:
    r = client.post(f"/api/v1/reservations/experiences/{experience}/slots",
                    headers=auth(cast.marketer_token),
                    json={"slots": [{"starts_at": iso(start),
                                     "ends_at": iso(start + timedelta(minutes=30)),
                                     "capacity": capacity}]})
    assert r.status_code == 201, r.text
    return dict(r.json()["data"][0])


def _book(client: TestClient, cast: Cast, slot: int, person: str, **extra: Any) -> Any:
    return client.post("/api/v1/reservations", headers=auth(cast.marketer_token),
                       json={"slot_id": slot, "person": person, **extra})


def test_capacity_cancel_and_events(client: TestClient, cast: Cast) -> None:
    exp = _experience(client, cast)
    slot = _slot(client, cast, exp["id"], timedelta(days=1), capacity=3)
    a, b, c = make_persons(client, cast.app_key, 3)
    first = _book(client, cast, slot["id"], a, seats=2)
    assert first.status_code == 201, first.text
    assert len(first.json()["code"]) == 10 and first.json()["status"] == "booked"
    twice = _book(client, cast, slot["id"], a)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_booked"
    assert _book(client, cast, slot["id"], b).status_code == 201
    full = _book(client, cast, slot["id"], c)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    r = client.post(f"/api/v1/reservations/{first.json()['id']}/cancel",
                    headers=auth(cast.marketer_token), json={})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/reservations/{first.json()['id']}/cancel",
                        headers=auth(cast.marketer_token), json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_booked"
    assert _book(client, cast, slot["id"], c).status_code == 201
    slots = client.get("/api/v1/reservations/slots", params={"store": "SH01"},
                       headers=auth(cast.marketer_token)).json()["data"]
    assert (slots[0]["booked"], slots[0]["available"]) == (2, 1)
    events = client.get("/api/v1/domain-events", headers=auth(cast.admin_token)).json()["data"]
    names = [e["name"] for e in events if e["name"].startswith("Reservation")]
    assert names == ["Reservation Booked", "Reservation Booked", "Reservation Cancelled",
                     "Reservation Booked"]
    assert all(e["store_id"] == cast.store_a for e in events if e["name"].startswith("Res"))


def test_check_in_by_a_clerk_of_that_store_with_a_coupon(client: TestClient, cast: Cast,
                                                         engine: Engine) -> None:
    tpl = create_template(client, cast.marketer_token, name="到店礼", amount_off=1000,
                          min_spend=0, channels="offline")
    exp = _experience(client, cast, coupon_template_id=tpl["id"])
    slot = _slot(client, cast, exp["id"], timedelta(minutes=10))
    person, = make_persons(client, cast.app_key, 1)
    booking = _book(client, cast, slot["id"], person).json()
    with engine.begin() as db:
        clerk_b = create_token(db=db, name="clerk-b", role="clerk", store_id=cast.store_b)
    wrong = client.post("/api/v1/reservations/check-in", headers=auth(clerk_b),
                        json={"store": "SH01", "code": booking["code"]})
    assert wrong.status_code == 403
    elsewhere = client.post("/api/v1/reservations/check-in", headers=auth(clerk_b),
                            json={"store": "BJ01", "code": booking["code"]})
    assert elsewhere.status_code == 409 and elsewhere.json()["error"]["code"] == "wrong_store"
    forged = client.post("/api/v1/reservations/check-in", headers=auth(cast.clerk_a_token),
                         json={"store": "SH01", "qr": booking["qr"][:-2] + "xx"})
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "forged_qr"
    ok = client.post("/api/v1/reservations/check-in", headers=auth(cast.clerk_a_token),
                     json={"store": "SH01", "qr": booking["qr"]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "checked_in" and ok.json()["coupon_id"] is not None
    twice = client.post("/api/v1/reservations/check-in", headers=auth(cast.clerk_a_token),
                        json={"store": "SH01", "code": booking["code"]})
    assert twice.status_code == 409 and "checked in" in twice.json()["error"]["message"]
    coupon = client.get(f"/api/v1/coupons/{ok.json()['coupon_id']}",
                        headers=auth(cast.marketer_token)).json()
    assert (coupon["source"], coupon["claim_channel"], coupon["claim_store"]) == (
        "reservation", "offline", "SH01")
    checked = client.get("/api/v1/domain-events", params={"name": "Reservation Checked In"},
                         headers=auth(cast.admin_token)).json()["data"]
    assert [(e["channel"], e["store_id"]) for e in checked] == [("offline", cast.store_a)]


def test_too_early_and_no_shows(client: TestClient, cast: Cast) -> None:
    exp = _experience(client, cast)
    later = _slot(client, cast, exp["id"], timedelta(days=2))
    a, b = make_persons(client, cast.app_key, 2)
    early = _book(client, cast, later["id"], a).json()
    _book(client, cast, later["id"], b)
    r = client.post("/api/v1/reservations/check-in", headers=auth(cast.clerk_a_token),
                    json={"store": "SH01", "code": early["code"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "too_early"
    admin = auth(cast.admin_token)
    assert client.post("/api/v1/reservations/no-shows", headers=admin,
                       json={}).json() == {"no_shows": 0}
    after = {"now": iso(timedelta(days=3))}
    assert client.post("/api/v1/reservations/no-shows", headers=admin,
                       json=after).json() == {"no_shows": 2}
    assert client.post("/api/v1/reservations/no-shows", headers=admin,
                       json=after).json() == {"no_shows": 0}
    mine = client.get("/api/v1/reservations", params={"person": a},
                      headers=auth(cast.marketer_token)).json()["data"]
    assert [m["status"] for m in mine] == ["no_show"]


def test_bad_input_is_named(client: TestClient, cast: Cast) -> None:
    exp = _experience(client, cast)
    h = auth(cast.marketer_token)
    r = client.post(f"/api/v1/reservations/experiences/{exp['id']}/slots", headers=h,
                    json={"slots": [{"starts_at": iso(timedelta(hours=2)),
                                     "ends_at": iso(timedelta(hours=1)), "capacity": 2}]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "slots.0"
    assert _book(client, cast, 999, "1").status_code == 404
    clerk = client.post("/api/v1/reservations/experiences", headers=auth(cast.clerk_a_token),
                        json={"store": "SH01", "name": "x"})
    assert clerk.status_code == 403
    bad = client.post("/api/v1/reservations/check-in", headers=auth(cast.clerk_a_token),
                      json={"store": "SH01", "code": "1234"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "code"


def test_experiences_are_listed_for_every_caller_and_by_store(client: TestClient,
                                                              cast: Cast) -> None:
    skin = _experience(client, cast)
    r = client.post("/api/v1/reservations/experiences", headers=auth(cast.marketer_token),
                    json={"store": "BJ01", "name": "私人造型咨询", "description": "45 分钟"})
    assert r.status_code == 201, r.text
    styling = r.json()
    everyone = client.get("/api/v1/reservations/experiences",
                          headers=auth(cast.clerk_a_token))
    assert everyone.status_code == 200
    assert [e["id"] for e in everyone.json()["data"]] == [skin["id"], styling["id"]]
    assert everyone.json()["data"][1] == styling
    bj = client.get("/api/v1/reservations/experiences", params={"store": "BJ01"},
                    headers=auth(cast.marketer_token)).json()["data"]
    assert [(e["name"], e["store"]) for e in bj] == [("私人造型咨询", "BJ01")]
    unknown = client.get("/api/v1/reservations/experiences", params={"store": "XX99"},
                         headers=auth(cast.marketer_token))
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "store"
    anonymous = client.get("/api/v1/reservations/experiences")
    assert anonymous.status_code == 401
