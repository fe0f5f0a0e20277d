"""Enrolment from any channel, linked to the person of identity by phone; duplicates named;
signed store/clerk enrolment links; the rotating member code a clerk scans."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.auth.tokens import create_token
from datong.loyalty import codes
from datong.outbox.service import list_events
from datong.settings import Settings
from datong.staff.service import create_staff
from datong.store.types import utcnow
from tests.conftest import Cast, auth
from tests.loyalty_helpers import enrol, order, track

PHONE = "13812345678"


def test_enrolment_links_to_the_existing_person_and_is_announced(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    track(client, cast.app_key, {"event": "Product Viewed", "userId": "u-77",
                                 "context": {"traits": {"phone": PHONE}}})
    profile = client.get(f"/api/v1/profiles/phone:{PHONE}", headers=auth(cast.admin_token))
    person = profile.json()["person_id"]
    member = enrol(client, cast.admin_token, "138 1234 5678", name="韩梅梅",
                   referral_code="INV-ABC")
    assert member["person_id"] == person and member["phone"] == "+8613812345678"
    assert member["channel"] == "online" and member["store_id"] is None
    with engine.connect() as db:
        [event] = list_events(db=db, name="Member Enrolled")
    assert event.person_id == person and event.channel == "online"
    assert event.properties["member_no"] == member["member_no"]
    assert event.properties["referral_code"] == "INV-ABC"
    assert event.actor is not None and event.actor.startswith("token:")
    timeline = client.get(f"/api/v1/profiles/{person}/timeline",
                          headers=auth(cast.admin_token)).json()
    assert any(e["type"] == "identify" for e in timeline["data"])


def test_a_second_enrolment_is_refused_naming_the_member(client: TestClient,
                                                         cast: Cast) -> None:
    member = enrol(client, cast.clerk_a_token, PHONE)
    again = client.post("/api/v1/members", headers=auth(cast.admin_token),
                        json={"phone": "+86 138-1234-5678"})
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_a_member" and member["member_no"] in error["message"]
    assert "SH01" in error["message"]
    # another phone of the same person is the same customer
    track(client, cast.app_key, {"event": "Product Viewed", "userId": "u-1",
                                 "context": {"traits": {"phone": PHONE}}},
          {"event": "Product Viewed", "userId": "u-1",
           "context": {"traits": {"phone": "13987654321"}}})
    third = client.post("/api/v1/members", headers=auth(cast.admin_token),
                        json={"phone": "13987654321"})
    assert third.status_code == 409 and member["member_no"] in third.text


def test_clerk_enrols_for_their_own_store(client: TestClient, cast: Cast,
                                          engine: Engine) -> None:
    with engine.begin() as db:
        create_staff(db=db, username="xiaomei", password="password-1", role="clerk",
                     store_id=cast.store_a)
    member = enrol(client, cast.clerk_a_token, PHONE, clerk="xiaomei", name="王芳")
    assert (member["store_id"], member["channel"], member["clerk_id"]) == (
        cast.store_a, "offline", "xiaomei")
    with engine.connect() as db:
        [event] = list_events(db=db, name="Member Enrolled")
    assert (event.store_id, event.channel) == (cast.store_a, "offline")
    assert event.properties["clerk_id"] == "xiaomei"
    elsewhere = client.post("/api/v1/members", headers=auth(cast.clerk_a_token),
                            json={"phone": "13900001111", "store": "BJ01"})
    assert elsewhere.status_code == 403


def test_bad_phones_and_unknown_clerks_are_refused(client: TestClient, cast: Cast) -> None:
    for phone in ("12345", "13800000000", "unknown"):
        r = client.post("/api/v1/members", headers=auth(cast.admin_token), json={"phone": phone})
        assert r.status_code == 400 and r.json()["error"]["field"] == "phone", r.text
    r = client.post("/api/v1/members", headers=auth(cast.admin_token),
                    json={"phone": PHONE, "store": "SH01", "clerk": "nobody"})
    assert r.status_code == 404 and r.json()["error"]["field"] == "clerk"
    r = client.post("/api/v1/members", headers=auth(cast.admin_token), json={})
    assert r.status_code in (400, 422) and "phone" in r.text


def test_enrolment_by_a_stores_signed_qr_link(client: TestClient, cast: Cast,
                                              engine: Engine, settings: Settings) -> None:
    with engine.begin() as db:
        create_staff(db=db, username="xiaomei", password="password-1", role="clerk",
                     store_id=cast.store_a)
    link = client.post("/api/v1/loyalty/enrol-links", headers=auth(cast.clerk_a_token),
                       json={"store": "SH01", "clerk": "xiaomei", "days": 30})
    assert link.status_code == 201, link.text
    body = link.json()
    assert body["qr_svg"].startswith("data:image/svg+xml") and "/join?t=" in body["url"]
    assert client.post("/api/v1/loyalty/enrol-links", headers=auth(cast.clerk_a_token),
                       json={"store": "BJ01"}).status_code == 403
    # the app of the customer who scanned it enrols with the token (store and clerk from it)
    member = enrol(client, cast.admin_token, PHONE, enrol_token=body["token"])
    assert (member["store_id"], member["clerk_id"], member["channel"]) == (
        cast.store_a, "xiaomei", "offline")
    forged = body["token"][:-2] + ("AA" if not body["token"].endswith("AA") else "BB")
    r = client.post("/api/v1/members", headers=auth(cast.admin_token),
                    json={"phone": "13900001111", "enrol_token": forged})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_enrol_link"
    old = codes.sign_enrol_link(secret=settings.secret_key, store_id=cast.store_a, clerk=None,
                                now=utcnow() - timedelta(days=40), days=30)
    r = client.post("/api/v1/members", headers=auth(cast.admin_token),
                    json={"phone": "13900001111", "enrol_token": old})
    assert r.status_code == 400 and r.json()["error"]["code"] == "enrol_link_expired"


def test_rotating_member_code_is_scanned_and_expires(client: TestClient, cast: Cast,
                                                     engine: Engine,
                                                     settings: Settings) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    shown = client.get(f"/api/v1/members/{member['id']}/code", headers=auth(cast.admin_token))
    assert shown.status_code == 200
    code = shown.json()["code"]
    assert len(code) == 18 and shown.json()["qr_svg"].startswith("data:image/svg+xml")
    scanned = client.get("/api/v1/members", params={"q": code},
                         headers=auth(cast.clerk_a_token))
    assert scanned.status_code == 200 and scanned.json()["member_no"] == member["member_no"]
    # static numbers and the phone still work for lookups
    for key in (member["member_no"], PHONE, "+8613812345678"):
        r = client.get("/api/v1/members", params={"q": key}, headers=auth(cast.clerk_a_token))
        assert r.status_code == 200 and r.json()["id"] == member["id"], key
    # a screenshot is no good after two steps, and a tampered code never
    later = utcnow() + timedelta(seconds=130)
    assert codes.read_member_code(secret=settings.secret_key, code=code, at=later,
                                  seconds=60) is None
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    r = client.get("/api/v1/members", params={"q": bad}, headers=auth(cast.clerk_a_token))
    assert r.status_code == 400 and r.json()["error"]["code"] == "member_code_expired"
    # a POS that scanned the code names the member on the order
    track(client, cast.pos_key, {"event": "Order Completed", "anonymousId": "till-7",
                                 "properties": {"order_id": "SH01-55", "total": 8_800,
                                                "channel": "store", "store_id": "SH01",
                                                "member_code": code}})
    got = client.get(f"/api/v1/members/{member['id']}", headers=auth(cast.admin_token)).json()
    assert got["points"]["pending"] == 88  # inside the return window


def test_members_are_read_by_every_role_but_outsiders_are_not(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    member = enrol(client, cast.admin_token, PHONE)
    track(client, cast.app_key, order("WEB-1", 1_000, phone=PHONE))
    for token in (cast.admin_token, cast.marketer_token, cast.clerk_a_token):
        r = client.get(f"/api/v1/members/{member['member_no']}/statement",
                       headers=auth(token))
        assert r.status_code == 200 and r.json()["data"][0]["points"] == 10
    assert client.get(f"/api/v1/members/{member['id']}").status_code == 401
    with engine.begin() as db:
        manager = create_token(db=db, name="mgr-b", role="store_manager", store_id=cast.store_b)
    r = client.post(f"/api/v1/members/{member['id']}/points/redeem", headers=auth(manager),
                    json={"points": 1, "idempotency_key": "k", "order_ref": "o",
                          "store": "SH01"})
    assert r.status_code == 403
