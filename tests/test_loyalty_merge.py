"""Membership follows identity: a merge combines two members' ledgers (one number survives,
tier recomputed); a split moves entries back to the member they came from."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import Cast, auth
from tests.loyalty_helpers import check_books, enrol, order, track

A, B = "13812345678", "13987654321"


def _two_members(client: TestClient, cast: Cast) -> tuple[dict[str, Any], dict[str, Any]]:
    first = enrol(client, cast.admin_token, A)
    second = enrol(client, cast.clerk_a_token, B)
    track(client, cast.app_key, order("WEB-A", 10_000, phone=A))  # 100 for A online
    track(client, cast.pos_key, order("SH01-B", 190_000, phone=B, store="SH01"))  # 1900 for B
    return first, second


def _link(client: TestClient, cast: Cast) -> None:
    """The app learns both phones belong to one account: identity merges the persons."""
    track(client, cast.app_key,
          {"event": "Signed In", "userId": "acct-1", "context": {"traits": {"phone": A}}},
          {"event": "Signed In", "userId": "acct-1", "context": {"traits": {"phone": B}}})


def _get(client: TestClient, cast: Cast, key: object) -> dict[str, Any]:
    r = client.get(f"/api/v1/members/{key}", headers=auth(cast.admin_token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_merge_combines_ledgers_and_keeps_the_older_number(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    first, second = _two_members(client, cast)
    assert _get(client, cast, second["id"])["tier"] == "regular"
    _link(client, cast)
    kept = _get(client, cast, first["member_no"])
    assert kept["points"]["balance"] == 2000 and kept["status"] == "active"
    # the absorbed number still finds the surviving member
    assert _get(client, cast, second["member_no"])["member_no"] == first["member_no"]
    # 2,000 yuan across both channels is silver
    assert kept["tier"] == "silver"
    statement = client.get(f"/api/v1/members/{first['id']}/statement",
                           headers=auth(cast.admin_token)).json()
    origins = {e["origin_member_id"] for e in statement["data"] if e["kind"] == "earn"}
    assert origins == {first["id"], second["id"]}
    assert any(e["kind"] == "merge" and second["member_no"] in e["note"]
               for e in statement["data"])
    # orders of either phone now earn for the survivor
    track(client, cast.app_key, order("WEB-B2", 10_000, phone=B))
    assert _get(client, cast, first["id"])["points"]["balance"] == 2000 + 120
    check_books(engine)


def test_split_gives_each_member_back_its_entries(client: TestClient, cast: Cast,
                                                  engine: Engine) -> None:
    first, second = _two_members(client, cast)
    _link(client, cast)
    person = _get(client, cast, first["id"])["person_id"]
    r = client.post(f"/api/v1/profiles/{person}/unmerge", headers=auth(cast.admin_token),
                    json={"identifier": f"phone:{B}"})
    assert r.status_code == 200, r.text
    again_a, again_b = _get(client, cast, first["id"]), _get(client, cast, second["id"])
    assert again_b["member_no"] == second["member_no"] and again_b["status"] == "active"
    assert again_a["points"]["balance"] == 100 and again_b["points"]["balance"] == 1900
    assert again_a["person_id"] != again_b["person_id"]
    assert again_a["tier"] == "silver"  # a tier is not taken away by a split (grace applies)
    check_books(engine)


def test_split_after_spending_the_other_members_points_settles_between_them(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    first, second = _two_members(client, cast)
    _link(client, cast)
    r = client.post(f"/api/v1/members/{first['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 1_200, "idempotency_key": "k", "order_ref": "WEB-X"})
    assert r.status_code == 200 and r.json()["balance"] == 800
    person = _get(client, cast, first["id"])["person_id"]
    r = client.post(f"/api/v1/profiles/{person}/unmerge", headers=auth(cast.admin_token),
                    json={"identifier": f"phone:{B}"})
    assert r.status_code == 200, r.text
    a, b = _get(client, cast, first["id"]), _get(client, cast, second["id"])
    # A spent 1,200 while holding 100 of its own: B's points paid the rest
    assert (a["points"]["balance"], b["points"]["balance"]) == (0, 800)
    statement = client.get(f"/api/v1/members/{second['id']}/statement",
                           headers=auth(cast.admin_token)).json()
    assert any(e["kind"] == "split" and e["points"] == -1_100 for e in statement["data"])
    check_books(engine)


def test_a_hold_taken_while_merged_stays_backed_after_the_split(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    """Found by the ledger state machine: a checkout's hold on the merged member, then a
    spend of the rest, then a split — the member keeping the hold must still have the held
    points, paid for by the other's spare points."""
    first, second = _two_members(client, cast)
    _link(client, cast)
    admin = auth(cast.admin_token)
    r = client.post(f"/api/v1/members/{first['id']}/points/redeem", headers=admin, json={
        "points": 50, "idempotency_key": "h", "order_ref": "WEB-H", "hold": True})
    assert r.status_code == 200, r.text
    hold_id = r.json()["hold_id"]
    r = client.post(f"/api/v1/members/{first['id']}/points/redeem", headers=admin,
                    json={"points": 1_500, "idempotency_key": "s", "order_ref": "WEB-S"})
    assert r.status_code == 200 and r.json()["balance"] == 500, r.text
    person = _get(client, cast, first["id"])["person_id"]
    r = client.post(f"/api/v1/profiles/{person}/unmerge", headers=admin,
                    json={"identifier": f"phone:{B}"})
    assert r.status_code == 200, r.text
    a, b = _get(client, cast, first["id"]), _get(client, cast, second["id"])
    # A (100 of its own) spent 1,500 and holds 50: B's 1,900 pays 1,450 of it
    assert (a["points"]["balance"], a["points"]["held"]) == (50, 50)
    assert (b["points"]["balance"], b["points"]["held"]) == (450, 0)
    check_books(engine)
    r = client.post(f"/api/v1/members/{first['id']}/points/holds/{hold_id}/capture",
                    headers=admin)
    assert r.status_code == 200, r.text
    assert _get(client, cast, first["id"])["points"]["balance"] == 0
    check_books(engine)


def test_a_merge_repays_one_members_debt_from_the_others_points(
        client: TestClient, cast: Cast, engine: Engine) -> None:
    first, second = _two_members(client, cast)
    r = client.post(f"/api/v1/members/{first['id']}/points/redeem",
                    headers=auth(cast.admin_token),
                    json={"points": 100, "idempotency_key": "k", "order_ref": "WEB-Y"})
    assert r.status_code == 200
    track(client, cast.app_key, {"event": "Order Refunded", "anonymousId": "x",
                                 "properties": {"order_id": "WEB-A"}})
    assert _get(client, cast, first["id"])["points"]["debt"] == 100
    _link(client, cast)
    kept = _get(client, cast, first["id"])
    assert (kept["points"]["balance"], kept["points"]["debt"]) == (1800, 0)
    check_books(engine)

