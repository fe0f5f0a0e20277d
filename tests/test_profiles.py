"""Profiles through the real HTTP app, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.conftest import Cast, auth

PHONE = "+8613812345678"


def send(client: TestClient, key: str, *messages: dict[str, Any]) -> None:
    r = client.post("/v1/batch", auth=(key, ""), json={"batch": list(messages)})
    assert r.status_code == 200, r.text


def profile(client: TestClient, cast: Cast, key: str, status: int = 200) -> dict[str, Any]:
    r = client.get(f"/api/v1/profiles/{quote(key, safe='')}", headers=auth(cast.admin_token))
    assert r.status_code == status, r.text
    return dict(r.json())


def t(day: int, hour: int = 10) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:00:00Z"


def _app_user_who_buys_in_store(client: TestClient, cast: Cast) -> None:
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-1", "anonymousId": "dev-1", "timestamp": t(1),
          "traits": {"phone": "138 1234 5678", "name": "王小明", "city": "上海"}},
         {"type": "track", "userId": "u-1", "event": "Order Completed", "timestamp": t(2),
          "properties": {"order_id": "o-1", "total": 12_000}},
         {"type": "track", "userId": "u-1", "event": "Order Completed", "timestamp": t(4),
          "properties": {"order_id": "o-2", "revenue": 8_000}})
    send(client, cast.pos_key,
         {"type": "track", "anonymousId": "pos-1", "event": "Store Visited", "timestamp": t(3),
          "context": {"store": {"code": "SH01"}},
          "properties": {"store_id": "SH01", "phone": "13812345678"}},
         {"type": "track", "anonymousId": "pos-2", "event": "Order Completed",
          "timestamp": t(3, 11),
          "properties": {"store_id": "SH01", "phone": "13812345678", "total": 30_000}},
         {"type": "track", "anonymousId": "pos-3", "event": "Order Refunded", "timestamp": t(5),
          "properties": {"store_id": "SH01", "phone": "13812345678", "total": 5_000}})


def test_one_profile_with_online_and_offline_behaviour(client: TestClient, cast: Cast) -> None:
    _app_user_who_buys_in_store(client, cast)
    p = profile(client, cast, f"phone:{PHONE}")
    assert profile(client, cast, "user_id:u-1")["person_id"] == p["person_id"]
    assert {(i["type"], i["value"]) for i in p["identifiers"]} >= {
        ("user_id", "u-1"), ("phone", PHONE), ("device_id", "pos-2")}
    assert p["traits"]["name"] == "王小明"
    c = p["computed"]
    assert c["online"]["orders"] == 2 and c["online"]["spend"] == 20_000
    assert c["online"]["average_order_value"] == 10_000
    assert c["offline"]["orders"] == 1 and c["offline"]["spend"] == 25_000
    assert c["orders"] == 3 and c["spend"] == 45_000 and c["average_order_value"] == 15_000
    assert c["channel_preference"] == "omnichannel"
    assert c["first_seen_at"].startswith("2026-11-01") and c["last_seen_at"].startswith(
        "2026-11-05")
    assert c["offline"]["first_seen_at"].startswith("2026-11-03")
    assert c["last_order_at"].startswith("2026-11-04") and c["recency_days"] >= 0
    assert {t["tag"]: t["source"] for t in p["tags"]} == {"omnichannel": "rule"}

    r = client.get(f"/api/v1/profiles/{p['person_id']}/timeline?limit=4",
                   headers=auth(cast.marketer_token))
    assert r.status_code == 200, r.text
    first = r.json()
    assert [e["timestamp"][:10] for e in first["data"]] == [
        "2026-11-05", "2026-11-04", "2026-11-03", "2026-11-03"]
    assert [e["channel"] for e in first["data"]] == ["offline", "online", "offline", "offline"]
    assert first["data"][2]["store"] == "SH01" and first["data"][2]["source"] == "pos"
    r = client.get(f"/api/v1/profiles/{p['person_id']}/timeline",
                   params={"limit": 4, "cursor": first["next_cursor"]},
                   headers=auth(cast.marketer_token))
    rest = r.json()
    assert [e["event"] for e in rest["data"]] == ["Order Completed", None]
    assert rest["next_cursor"] is None


def test_traits_are_latest_by_event_time_not_arrival(client: TestClient, cast: Cast) -> None:
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-2", "timestamp": t(9), "traits": {"city": "北京"}})
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-2", "timestamp": t(8),
          "traits": {"city": "上海", "name": "李雷"}},
         {"type": "track", "userId": "u-2", "event": "Product Viewed", "timestamp": t(7),
          "context": {"traits": {"city": "广州", "tier": "gold"}}})
    p = profile(client, cast, "user_id:u-2")
    assert p["traits"] == {"city": "北京", "name": "李雷", "tier": "gold"}


def test_unnormalised_lookup_and_errors(client: TestClient, cast: Cast) -> None:
    _app_user_who_buys_in_store(client, cast)
    p = profile(client, cast, "phone:138 1234 5678")
    assert profile(client, cast, "phone:+86 138-1234-5678")["person_id"] == p["person_id"]
    assert profile(client, cast, str(p["person_id"]))["person_id"] == p["person_id"]
    err = profile(client, cast, "shoe_size:42", 400)["error"]
    assert "shoe_size" in err["message"]
    profile(client, cast, "phone:13900000001", 404)
    profile(client, cast, "999999", 404)
    r = client.get(f"/api/v1/profiles/{p['person_id']}", headers=auth(cast.clerk_a_token))
    assert r.status_code == 403
    assert client.get(f"/api/v1/profiles/{p['person_id']}").status_code == 401
    r = client.post(f"/api/v1/profiles/{p['person_id']}/unmerge", json={"edge_id": 1},
                    headers=auth(cast.marketer_token))
    assert r.status_code == 403
    r = client.get("/api/v1/profiles/1/timeline?limit=0", headers=auth(cast.admin_token))
    assert r.status_code == 400


def test_merge_combines_profiles_and_unmerge_splits_them(client: TestClient, cast: Cast) -> None:
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-3", "timestamp": t(1),
          "traits": {"name": "韩梅梅", "city": "上海"}},
         {"type": "track", "userId": "u-3", "event": "Order Completed", "timestamp": t(2),
          "properties": {"total": 10_000}})
    send(client, cast.pos_key,
         {"type": "track", "anonymousId": "pos-9", "event": "Order Completed", "timestamp": t(3),
          "properties": {"member_id": "M-9", "store_id": "SH01", "total": 40_000}},
         {"type": "identify", "anonymousId": "pos-9", "timestamp": t(3, 12),
          "traits": {"member_id": "M-9", "city": "杭州"}})
    online = profile(client, cast, "user_id:u-3")["person_id"]
    offline = profile(client, cast, "member_id:M-9")["person_id"]
    assert online != offline
    r = client.post(f"/api/v1/profiles/{offline}/tags", json={"tag": "friend"},
                    headers=auth(cast.marketer_token))
    assert r.status_code == 201, r.text

    # The app user links the member id: one person, one profile with both histories.
    send(client, cast.app_key,
         {"type": "identify", "userId": "u-3", "timestamp": t(4), "traits": {"member_id": "M-9"}})
    merged = profile(client, cast, "member_id:M-9")
    survivor = merged["person_id"]
    assert survivor == min(online, offline) == profile(client, cast, "user_id:u-3")["person_id"]
    assert merged["computed"]["orders"] == 2 and merged["computed"]["spend"] == 50_000
    assert merged["traits"]["city"] == "杭州" and merged["traits"]["name"] == "韩梅梅"
    assert {t["tag"] for t in merged["tags"]} == {"friend", "omnichannel"}
    gone = max(online, offline)
    via_old = profile(client, cast, str(gone))
    assert via_old["person_id"] == survivor and via_old["merged_from"] == gone
    r = client.get(f"/api/v1/profiles/{survivor}/merges", headers=auth(cast.admin_token))
    assert [m["kind"] for m in r.json()["data"]] == ["merge"]

    r = client.post(f"/api/v1/profiles/{survivor}/unmerge", json={"identifier": "member_id:M-9"},
                    headers=auth(cast.admin_token))
    assert r.status_code == 200, r.text
    assert r.json()["split"] is True
    app_side = profile(client, cast, "user_id:u-3")
    store_side = profile(client, cast, "member_id:M-9")
    assert app_side["person_id"] != store_side["person_id"]
    totals = sorted((p["computed"]["online"]["spend"], p["computed"]["offline"]["spend"])
                    for p in (app_side, store_side))
    assert sum(p["computed"]["orders"] for p in (app_side, store_side)) == 2
    assert totals == [(0, 40_000), (10_000, 0)]
    for p in (app_side, store_side):
        assert "omnichannel" not in {t["tag"] for t in p["tags"]}


def test_manual_and_rule_tags(client: TestClient, cast: Cast) -> None:
    send(client, cast.pos_key,
         {"type": "track", "anonymousId": "pos-v", "event": "Order Completed", "timestamp": t(1),
          "properties": {"member_id": "M-V", "store_id": "SH01", "total": 600_000}})
    p = profile(client, cast, "member_id:M-V")
    person = p["person_id"]
    assert {t["tag"]: t["source"] for t in p["tags"]} == {"vip": "rule"}
    assert p["computed"]["favourite_store"] == "SH01"
    assert p["computed"]["channel_preference"] == "offline"
    headers = auth(cast.marketer_token)
    assert client.post(f"/api/v1/profiles/{person}/tags", json={"tag": "生日月"},
                       headers=headers).status_code == 201
    assert client.post(f"/api/v1/profiles/{person}/tags", json={"tag": " "},
                       headers=headers).status_code == 400
    tags = {t["tag"]: t["source"] for t in profile(client, cast, str(person))["tags"]}
    assert tags == {"vip": "rule", "生日月": "manual"}
    r = client.delete(f"/api/v1/profiles/{person}/tags/{quote('生日月')}", headers=headers)
    assert r.status_code == 204
    assert client.delete(f"/api/v1/profiles/{person}/tags/nope",
                         headers=headers).status_code == 404
    # A refund takes the spend under the VIP line: the rule tag goes.
    send(client, cast.pos_key,
         {"type": "track", "anonymousId": "pos-w", "event": "Order Refunded", "timestamp": t(2),
          "properties": {"member_id": "M-V", "store_id": "SH01", "total": 200_000}})
    p = profile(client, cast, str(person))
    assert p["tags"] == [] and p["computed"]["spend"] == 400_000
