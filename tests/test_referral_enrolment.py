"""Referral through the membership API on SQLite and PostgreSQL: `POST /api/v1/members` with
a `referral_code` records the referral and rewards it (at once, or on the first order); the
total cap per inviter; the share code's QR code."""

from __future__ import annotations

from typing import Any

import segno
from fastapi.testclient import TestClient

from tests.conftest import Cast, ClientFor, auth
from tests.loyalty_helpers import order, track
from tests.offers_helpers import create_template, make_persons

REWARDS = {"referral_inviter_template": 1, "referral_invitee_template": 2}


def _templates(client: TestClient, cast: Cast) -> None:
    made = [create_template(client, cast.marketer_token, name="邀请有礼", amount_off=2000,
                            min_spend=0, per_person_limit=100, stock=None),
            create_template(client, cast.marketer_token, name="新人券", amount_off=1000,
                            min_spend=0)]
    assert [t["id"] for t in made] == [1, 2]


def _share(client: TestClient, cast: Cast, person: str) -> str:
    r = client.post("/api/v1/referrals/code", headers=auth(cast.marketer_token),
                    json={"person": person})
    assert r.status_code == 200, r.text
    return str(r.json()["code"])


def _enrol(client: TestClient, cast: Cast, phone: str, code: str) -> dict[str, Any]:
    r = client.post("/api/v1/members", headers=auth(cast.marketer_token),
                    json={"phone": phone, "name": "朋友", "referral_code": code})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _seen(client: TestClient, cast: Cast, person: str) -> dict[str, Any]:
    r = client.get("/api/v1/referrals", params={"person": person},
                   headers=auth(cast.marketer_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_enrolling_with_a_code_grants_both_rewards(client_for: ClientFor, cast: Cast) -> None:
    client = client_for(**REWARDS)
    _templates(client, cast)
    inviter = make_persons(client, cast.app_key, 1)[0]
    code = _share(client, cast, inviter)
    member = _enrol(client, cast, "13700001111", code.lower())
    seen = _seen(client, cast, inviter)
    assert seen["counts"] == {"pending": 0, "granted": 1, "refused": 0}
    granted = seen["data"][0]
    assert granted["invitee_person_id"] == member["person_id"]
    wallet = client.get("/api/v1/coupons", params={"person": "phone:13700001111"},
                        headers=auth(cast.marketer_token)).json()["data"]
    assert [(c["name"], c["source"]) for c in wallet] == [("新人券", "referral")]
    assert granted["invitee_coupon_id"] == wallet[0]["id"]
    inviter_coupon = client.get(f"/api/v1/coupons/{granted['inviter_coupon_id']}",
                                headers=auth(cast.marketer_token)).json()
    assert inviter_coupon["name"] == "邀请有礼"


def test_first_order_trigger_keeps_it_pending_until_the_order(client_for: ClientFor,
                                                              cast: Cast) -> None:
    client = client_for(referral_trigger="first_order", **REWARDS)
    _templates(client, cast)
    inviter = make_persons(client, cast.app_key, 1)[0]
    _enrol(client, cast, "13700002222", _share(client, cast, inviter))
    assert _seen(client, cast, inviter)["data"][0]["status"] == "pending"
    track(client, cast.app_key, order("WEB-F1", 19_900, phone="13700002222"))
    seen = _seen(client, cast, inviter)
    assert seen["counts"] == {"pending": 0, "granted": 1, "refused": 0}
    assert seen["data"][0]["invitee_coupon_id"] is not None


def test_the_total_cap_stops_rewards_for_good(client_for: ClientFor, cast: Cast) -> None:
    client = client_for(referral_total_cap=2, referral_daily_cap=10, **REWARDS)
    _templates(client, cast)
    inviter = make_persons(client, cast.app_key, 1)[0]
    code = _share(client, cast, inviter)
    for n in range(3):
        _enrol(client, cast, f"1370000333{n}", code)
    seen = _seen(client, cast, inviter)
    assert seen["counts"] == {"pending": 0, "granted": 2, "refused": 1}
    refused = [r for r in seen["data"] if r["status"] == "refused"][0]
    assert "the cap of 2 rewards" in refused["reason"]
    assert refused["inviter_coupon_id"] is None and refused["invitee_coupon_id"] is None


def test_the_share_code_qr_carries_the_link(client_for: ClientFor, cast: Cast) -> None:
    client = client_for(referral_link_base="https://hemu.example/r/")
    inviter = make_persons(client, cast.app_key, 1)[0]
    code = _share(client, cast, inviter)
    r = client.get(f"/api/v1/referrals/code/{code.lower()}/qr.svg",
                   headers=auth(cast.marketer_token))
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    expected = segno.make(f"https://hemu.example/r/{code}", error="m", micro=False)
    assert r.text == expected.svg_inline(scale=4)
    assert r.text.startswith("<svg") and "<script" not in r.text
    for bad, status, error in (("ZZZZZZZZ", 400, "bad_code"), ("A" * 41, 400, "invalid")):
        r = client.get(f"/api/v1/referrals/code/{bad}/qr.svg", headers=auth(cast.marketer_token))
        assert (r.status_code, r.json()["error"]["code"]) == (status, error), r.text
    unknown = _valid_unknown_code(code)
    r = client.get(f"/api/v1/referrals/code/{unknown}/qr.svg", headers=auth(cast.marketer_token))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "unknown_code")
    assert client.get(f"/api/v1/referrals/code/{code}/qr.svg").status_code == 401


def _valid_unknown_code(taken: str) -> str:
    from datong.offers.codes import check_char

    body = "2345678" if taken[:-1] != "2345678" else "3456789"
    return body + check_char(body)
