"""Coupons, referrals and bookings follow persons through merges and splits."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.identity.service import find_person
from datong.settings import Settings
from tests.conftest import Cast, auth
from tests.offers_helpers import claim, create_template, iso
from tests.test_identity import send, t

PHONE = "phone:+8613812345678"
USER = "user_id:u-9"


def _person(engine: Engine, settings: Settings, ident: str) -> int | None:
    type_, raw = ident.split(":", 1)
    with engine.connect() as db:
        return find_person(db=db, rules=settings.rules, type=type_, raw=raw)


def _wallet(client: TestClient, cast: Cast, person: str) -> list[int]:
    r = client.get("/api/v1/coupons", params={"person": person},
                   headers=auth(cast.marketer_token))
    return sorted(c["id"] for c in r.json()["data"])


def test_merge_then_split_moves_everything_by_anchor(client: TestClient, cast: Cast,
                                                     engine: Engine,
                                                     settings: Settings) -> None:
    send(client, cast.app_key,
         {"type": "identify", "anonymousId": "dev-1", "timestamp": t(0),
          "traits": {"phone": "13812345678"}},
         {"type": "identify", "userId": "u-9", "timestamp": t(1)})
    tpl = create_template(client, cast.marketer_token, per_person_limit=1)
    mine = claim(client, cast.marketer_token, tpl["id"], PHONE).json()["id"]
    theirs = claim(client, cast.marketer_token, tpl["id"], USER).json()["id"]
    m = auth(cast.marketer_token)
    code = client.post("/api/v1/referrals/code", headers=m, json={"person": PHONE}).json()
    pending = client.post("/api/v1/referrals", headers=m,
                          json={"code": code["code"], "invitee": USER}).json()
    assert pending["status"] == "pending"
    exp = client.post("/api/v1/reservations/experiences", headers=m,
                      json={"store": "SH01", "name": "试衣"}).json()
    slot = client.post(f"/api/v1/reservations/experiences/{exp['id']}/slots", headers=m,
                       json={"slots": [{"starts_at": iso(timedelta(days=1)),
                                        "ends_at": iso(timedelta(days=1, hours=1)),
                                        "capacity": 5}]}).json()["data"][0]
    booking = client.post("/api/v1/reservations", headers=m,
                          json={"slot_id": slot["id"], "person": USER}).json()

    send(client, cast.app_key,
         {"type": "identify", "userId": "u-9", "anonymousId": "dev-1", "timestamp": t(2)})
    one = _person(engine, settings, PHONE)
    assert one == _person(engine, settings, USER)
    assert _wallet(client, cast, PHONE) == sorted([mine, theirs])
    again = claim(client, cast.marketer_token, tpl["id"], PHONE)
    assert again.status_code == 409 and again.json()["error"]["code"] == "limit_reached"
    referrals = client.get("/api/v1/referrals", params={"person": PHONE}, headers=m).json()
    assert referrals["data"][0]["status"] == "refused"
    assert "one person" in referrals["data"][0]["reason"]
    bookings = client.get("/api/v1/reservations", params={"person": PHONE}, headers=m).json()
    assert [b["id"] for b in bookings["data"]] == [booking["id"]]

    r = client.post(f"/api/v1/profiles/{one}/unmerge", headers=auth(cast.admin_token),
                    json={"identifier": "device_id:dev-1"})
    assert r.status_code == 200 and r.json()["split"] is True, r.text
    assert _person(engine, settings, PHONE) != _person(engine, settings, USER)
    assert _wallet(client, cast, PHONE) == [mine]
    assert _wallet(client, cast, USER) == [theirs]
    bookings = client.get("/api/v1/reservations", params={"person": USER}, headers=m).json()
    assert [b["id"] for b in bookings["data"]] == [booking["id"]]
    assert client.post("/api/v1/referrals/code", headers=m,
                       json={"person": PHONE}).json()["code"] == code["code"]
    other = create_template(client, cast.marketer_token)
    assert claim(client, cast.marketer_token, other["id"], USER).status_code == 201
    assert claim(client, cast.marketer_token, tpl["id"], USER).status_code == 409
