"""Referral on SQLite and PostgreSQL: share code, pending → granted on enrolment or first
order, both rewarded; self-referral, shared identifiers and caps refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from datong.identity.service import find_person
from datong.pipeline import outbox
from datong.settings import Settings
from tests.conftest import Cast, ClientFor, auth
from tests.offers_helpers import create_template, make_persons


def _rewards(client: TestClient, cast: Cast) -> None:
    inviter = create_template(client, cast.marketer_token, name="邀请有礼", amount_off=2000,
                              min_spend=0, per_person_limit=100, stock=None)
    invitee = create_template(client, cast.marketer_token, name="新人券", amount_off=1000,
                              min_spend=0)
    assert (inviter["id"], invitee["id"]) == (1, 2)


def _share(client: TestClient, cast: Cast, person: str) -> str:
    r = client.post("/api/v1/referrals/code", headers=auth(cast.marketer_token),
                    json={"person": person})
    assert r.status_code == 200, r.text
    return str(r.json()["code"])


def _refer(client: TestClient, cast: Cast, code: str, invitee: str) -> Any:
    return client.post("/api/v1/referrals", headers=auth(cast.marketer_token),
                       json={"code": code, "invitee": invitee})


def _enrol(engine: Engine, settings: Settings, person: str, **props: Any) -> None:
    """What the membership domain emits when a person enrols (the contract offers hears)."""
    with engine.begin() as db:
        person_id = find_person(db=db, rules=settings.rules, type="phone",
                                raw=person.split(":", 1)[1])
        outbox(settings).emit(db, "Member Enrolled", person_id=person_id, channel="online",
                              properties={"member_no": f"M{person_id}", **props})


def _inviter_view(client: TestClient, cast: Cast, person: str) -> dict[str, Any]:
    r = client.get("/api/v1/referrals", params={"person": person},
                   headers=auth(cast.marketer_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_enrolment_grants_both_rewards(client_for: ClientFor, cast: Cast, engine: Engine,
                                       settings: Settings) -> None:
    options = {"referral_inviter_template": 1, "referral_invitee_template": 2}
    client = client_for(**options)
    _rewards(client, cast)
    inviter, invitee = make_persons(client, cast.app_key, 2)
    code = _share(client, cast, inviter)
    assert _share(client, cast, inviter) == code
    pending = _refer(client, cast, code.lower(), invitee)
    assert pending.status_code == 201 and pending.json()["status"] == "pending", pending.text
    assert _inviter_view(client, cast, inviter)["counts"]["pending"] == 1
    _enrol(engine, settings.model_copy(update=options), invitee, referral_code=code)
    seen = _inviter_view(client, cast, inviter)
    assert seen["counts"] == {"pending": 0, "granted": 1, "refused": 0}
    assert seen["link"].endswith(code)
    granted = seen["data"][0]
    for side, tpl in (("inviter", 1), ("invitee", 2)):
        coupon = client.get(f"/api/v1/coupons/{granted[f'{side}_coupon_id']}",
                            headers=auth(cast.marketer_token)).json()
        assert (coupon["template_id"], coupon["source"]) == (tpl, "referral")
    events = client.get("/api/v1/domain-events", params={"name": "Referral Granted"},
                        headers=auth(cast.admin_token)).json()["data"]
    assert len(events) == 1
    _enrol(engine, settings.model_copy(update=options), invitee, referral_code=code)
    assert _inviter_view(client, cast, inviter)["counts"]["granted"] == 1


def test_enrolment_through_a_link_records_and_grants(client_for: ClientFor, cast: Cast,
                                                     engine: Engine, settings: Settings
                                                     ) -> None:
    client = client_for()
    inviter, invitee = make_persons(client, cast.app_key, 2)
    code = _share(client, cast, inviter)
    _enrol(engine, settings, invitee, referral_code=code)
    assert _inviter_view(client, cast, inviter)["counts"]["granted"] == 1
    _enrol(engine, settings, inviter, referral_code="NOT-A-CODE")  # ignored, no failure


def test_self_referral_and_second_referral_are_refused(client: TestClient, cast: Cast) -> None:
    a, b, c = make_persons(client, cast.app_key, 3)
    code = _share(client, cast, a)
    own = _refer(client, cast, code, a)
    assert own.status_code == 409 and own.json()["error"]["code"] == "self_referral"
    assert _refer(client, cast, code, b).status_code == 201
    again = _refer(client, cast, _share(client, cast, c), b)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_referred"
    typo = _refer(client, cast, code[:-1] + ("2" if code[-1] != "2" else "3"), c)
    assert typo.status_code == 400 and typo.json()["error"]["field"] == "code"


def test_shared_device_means_no_reward(client: TestClient, cast: Cast) -> None:
    r = client.post("/v1/batch", auth=(cast.app_key, ""), json={"batch": [
        {"type": "identify", "userId": "u-host", "anonymousId": "dev-shared",
         "traits": {"phone": "+8613912340001"}},
        {"type": "identify", "userId": "u-guest", "anonymousId": "dev-shared",
         "traits": {"phone": "+8613912340002"}}]})
    assert r.status_code == 200
    code = _share(client, cast, "phone:+8613912340001")
    refused = _refer(client, cast, code, "phone:+8613912340002")
    assert refused.status_code == 201
    assert refused.json()["status"] == "refused"
    assert "device_id" in refused.json()["reason"]


def test_daily_cap_per_inviter(client_for: ClientFor, cast: Cast, engine: Engine,
                               settings: Settings) -> None:
    client = client_for(referral_daily_cap=2)
    inviter, *invitees = make_persons(client, cast.app_key, 4)
    code = _share(client, cast, inviter)
    capped = settings.model_copy(update={"referral_daily_cap": 2})
    for person in invitees:
        _refer(client, cast, code, person)
        _enrol(engine, capped, person)
    seen = _inviter_view(client, cast, inviter)
    assert seen["counts"] == {"pending": 0, "granted": 2, "refused": 1}
    assert "today's cap of 2" in [r for r in seen["data"] if r["status"] == "refused"][0][
        "reason"]


def test_first_order_trigger(client_for: ClientFor, cast: Cast) -> None:
    client = client_for(referral_trigger="first_order")
    inviter, fresh, regular = make_persons(client, cast.app_key, 3)
    code = _share(client, cast, inviter)

    def order(user: str, order_id: str) -> None:
        r = client.post("/v1/batch", auth=(cast.app_key, ""), json={"batch": [
            {"type": "track", "userId": user, "event": "Order Completed",
             "properties": {"order_id": order_id, "total": 19900}}]})
        assert r.status_code == 200

    order("u3", "early-1")  # the regular customer ordered before being referred
    for person in (fresh, regular):
        assert _refer(client, cast, code, person).json()["status"] == "pending"
    order("u2", "web-1")
    order("u3", "web-2")
    statuses = {r["invitee_person_id"]: (r["status"], r["reason"])
                for r in _inviter_view(client, cast, inviter)["data"]}
    assert sorted(s for s, _ in statuses.values()) == ["granted", "refused"]
    assert "not the invitee's first order" in [r for s, r in statuses.values() if r][0]
